public import NIOCore
import NIOPosix

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
    eventLoop.flatSubmit {
      if let port = channel.localAddress?.port, self.isRangePort(port) { self.releasePort(port) }
      return channel.close().recover { _ in }
    }
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
    guard let bootstrap = DatagramBootstrap(validatingGroup: eventLoop) else {
      return eventLoop.makeFailedFuture(
        MediaError.bindFailed(host: host, port: chosen, reason: "the engine's event loop cannot open sockets")
      )
    }
    let vector = max(configuration.vectorReadCount, 1)
    let created = NIOLoopBoundBox<(any Channel)?>(nil, eventLoop: eventLoop)
    return
      bootstrap
      .channelOption(.socketOption(.so_reuseaddr), value: 0)
      .channelOption(.socketOption(.so_rcvbuf), value: configuration.receiveBufferSize)
      .channelOption(.maxMessagesPerRead, value: 16)
      .channelOption(.datagramVectorReadMessageCount, value: vector)
      .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048 * vector))
      .channelInitializer { channel in
        created.value = channel
        return channel.eventLoop.makeSucceededVoidFuture()
      }
      .bind(host: host, port: chosen)
      .flatMapError { error in
        Self.closeUnbound(created.value)
        guard port == nil else {
          return self.eventLoop.makeFailedFuture(
            MediaError.bindFailed(host: host, port: chosen, reason: "\(error)"))
        }
        // Taken by another process: give it back and try the next one.
        self.releasePort(chosen)
        return self.bindOwned(host: host, port: nil, attemptsLeft: attemptsLeft - 1)
      }
  }

  /// NIO's `DatagramBootstrap` does not close a channel whose bind failed (EADDRINUSE: the port of
  /// the range is taken by another engine or process). That channel is registered but was never
  /// added to the selector, so not even the event loop's shutdown closes it: its socket stays open
  /// and the channel, its pipeline and its event loop are never freed (LeakSanitizer's "RTP
  /// channels still open at exit"). Closing it here frees all of them.
  static func closeUnbound(_ channel: (any Channel)?) {
    channel?.close(promise: nil)
  }
}
