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
  /// its port to the range. A range socket may be one an ended call gave back (``MediaSocketPool``).
  public func openSocket(host: String, port: Int? = nil) -> EventLoopFuture<any Channel> {
    eventLoop.flatSubmit {
      if port == nil, let parked = self.takeParkedSocket(host: host, evenIfRecent: false) {
        return self.eventLoop.makeSucceededFuture(parked)
      }
      return self.bindOwned(host: host, port: port, attemptsLeft: self.reserveAttempts())
    }
  }

  /// Closes a socket of ``openSocket(host:port:)`` and releases its range port; a range socket
  /// with nothing left in its pipeline is parked for a later call instead (``MediaSocketPool``).
  public func closeSocket(_ channel: any Channel) -> EventLoopFuture<Void> {
    onLoop {
      if let port = channel.localAddress?.port, self.isRangePort(port) {
        if self.park(channel, port: port) { return self.eventLoop.makeSucceededVoidFuture() }
        self.releasePort(port)
        self.closeParkedRTCP(port: port + 1)
      }
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

  // MARK: - Parking (on the loop)

  /// Parks an RTP socket the range gave: it must be ours (a known descriptor), open, from the
  /// allocator, and free of stream handlers. False: close it as before.
  private func park(_ channel: any Channel, port: Int) -> Bool {
    guard !socketPool.isClosed, allocator.isReserved(port), channel.isActive,
      let descriptor = ownedDescriptor(of: channel),
      (try? channel.pipeline.syncOperations.handler(type: RTPChannelHandler.self)) == nil,
      let host = channel.localAddress?.ipAddress
    else { return false }
    if pollsOnTick {
      // A stream that used it as a send socket let NIO read it; the next one polls it again.
      guard (try? channel.syncOptions?.setOption(.autoRead, value: false)) != nil else { return false }
    }
    allocator.park(port)
    socketPool.rtp.append(
      MediaSocketPool.Parked(
        channel: channel, descriptor: descriptor, port: port, host: host, since: eventLoop.now))
    while socketPool.rtp.count > MediaSocketPool.capacity {
      closeParked(socketPool.rtp.removeFirst())
    }
    return true
  }

  /// The oldest parked socket on `host` that has rested ``MediaSocketPool/quietPeriod``; with
  /// `evenIfRecent`, the oldest on `host` at all (the range has no free port left).
  func takeParkedSocket(host: String, evenIfRecent: Bool) -> (any Channel)? {
    let now = eventLoop.now
    var index = socketPool.rtp.startIndex
    while index != socketPool.rtp.endIndex {
      let parked = socketPool.rtp[index]
      guard evenIfRecent || now - parked.since >= MediaSocketPool.quietPeriod else { return nil }
      guard parked.host == host else {
        index = socketPool.rtp.index(after: index)
        continue
      }
      socketPool.rtp.remove(at: index)
      guard parked.channel.isActive else {
        closeParked(parked)
        return takeParkedSocket(host: host, evenIfRecent: evenIfRecent)
      }
      if pollsOnTick { MediaSocketPool.drain(parked.descriptor) }
      allocator.unpark(parked.port)
      return parked.channel
    }
    return nil
  }

  /// Closes what rests on `port` (an RTP or RTCP socket), so that it can be bound by number.
  func evictParked(port: Int) {
    guard isRangePort(port) || isRangePort(port - 1) else { return }
    closeParkedRTCP(port: port)
    if allocator.isParked(port), let index = socketPool.rtp.firstIndex(where: { $0.port == port }) {
      closeParked(socketPool.rtp.remove(at: index))
    }
  }

  private func closeParked(_ parked: MediaSocketPool.Parked) {
    releasePort(parked.port)
    closeParkedRTCP(port: parked.port + 1)
    forgetDescriptor(of: parked.channel)
    parked.channel.close(promise: nil)
  }

  /// Parks a stream's RTCP socket (no longer watched) while its RTP socket is live or parked.
  func parkRTCP(_ socket: RTCPSocket) -> Bool {
    let port = socket.port
    guard !socketPool.isClosed, socket.isOpen,
      allocator.isReserved(port - 1) || allocator.isParked(port - 1), socketPool.rtcp[port] == nil,
      socketPool.rtcp.count < MediaSocketPool.capacity
    else { return false }
    socketPool.rtcp[port] = socket
    return true
  }

  /// A parked RTCP socket on `host:port`, if there is one, emptied of what arrived while it rested.
  func takeParkedRTCP(host: String, port: Int) -> RTCPSocket? {
    guard let socket = socketPool.rtcp.removeValue(forKey: port) else { return nil }
    guard socket.isOpen, socket.host == host else {
      socket.close()
      return nil
    }
    socket.drain()
    return socket
  }

  private func closeParkedRTCP(port: Int) {
    socketPool.rtcp.removeValue(forKey: port)?.close()
  }

  /// Closes every parked socket; nothing is parked afterwards (``shutdown()``).
  func closeParkedSockets() {
    socketPool.isClosed = true
    while let parked = socketPool.rtp.popFirst() { closeParked(parked) }
    for socket in socketPool.rtcp.values { socket.close() }
    socketPool.rtcp.removeAll()
  }

  // MARK: - Binding

  private func bindOwned(host: String, port: Int?, attemptsLeft: Int) -> EventLoopFuture<any Channel> {
    let chosen: Int
    if let port {
      // Asked for by number: a socket resting there gives way.
      evictParked(port: port)
      chosen = port
    } else {
      guard attemptsLeft > 0, let reserved = reservePort() else {
        // Every port is live or resting: a resting one is better than none.
        if let parked = takeParkedSocket(host: host, evenIfRecent: true) {
          return eventLoop.makeSucceededFuture(parked)
        }
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
