public import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// Sockets a caller owns (Net::SIP's `media_lsocks`): bound before any stream exists, so the port
// can go into an SDP offer, and kept when a stream on them is closed and reopened (a new codec
// after a re-INVITE). Streams adopt them with `MediaSocket.channel`.
extension MediaEngine {
  /// Binds a datagram socket on `host` from the port range (or `port` exactly) with nothing in its
  /// pipeline. The caller owns it and gives it back with ``closeSocket(_:)``, which also returns
  /// its port to the range.
  public func openSocket(host: String, port: Int? = nil) -> EventLoopFuture<any Channel> {
    eventLoop.flatSubmit { self.bindOwned(host: host, port: port, attemptsLeft: self.reserveAttempts()) }
  }

  /// Closes a socket of ``openSocket(host:port:)`` and releases its range port.
  public func closeSocket(_ channel: any Channel) -> EventLoopFuture<Void> {
    onLoop {
      if let port = channel.localAddress?.port, self.isRangePort(port) { self.releasePort(port) }
      self.forgetDescriptor(of: channel)
      return channel.close().recover { _ in }
    }
  }

  /// Runs `body` on the engine's loop: at once when already there (the call layer usually is:
  /// media on the script's loop), else through `flatSubmit`. Saves a task and a hop per call.
  func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
    eventLoop.inEventLoop ? body() : eventLoop.flatSubmit(body)
  }

  func isRangePort(_ port: Int) -> Bool { configuration.portRange.contains(port) }

  private func bindOwned(host: String, port: Int?, attemptsLeft: Int) -> EventLoopFuture<any Channel> {
    let chosen: Int
    if let port {
      chosen = port
    } else {
      guard attemptsLeft > 0, let reserved = reservePort() else {
        return eventLoop.makeFailedFuture(
          MediaError.portRangeExhausted(
            lower: configuration.portRange.lowerBound, upper: configuration.portRange.upperBound))
      }
      chosen = reserved
    }
    let descriptor: CInt
    do {
      descriptor = try Self.openDescriptor(
        host: host, port: chosen, receiveBufferSize: configuration.receiveBufferSize)
    } catch {
      guard port == nil else {
        return eventLoop.makeFailedFuture(MediaError.bindFailed(host: host, port: chosen, reason: "\(error)"))
      }
      // Taken by another process: give it back and try the next one.
      releasePort(chosen)
      return bindOwned(host: host, port: nil, attemptsLeft: attemptsLeft - 1)
    }
    guard let bootstrap = datagramBootstrap(polled: pollsOnTick) else {
      close(descriptor)
      return eventLoop.makeFailedFuture(
        MediaError.bindFailed(host: host, port: chosen, reason: "the engine's event loop cannot open sockets")
      )
    }
    return bootstrap.withBoundSocket(descriptor).map { channel in
      self.rememberDescriptor(descriptor, of: channel)
      return channel
    }
  }
}
