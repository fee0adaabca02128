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
// after a re-INVITE). Streams adopt them with `MediaSocket.socket`. They are bare descriptors
// (``RawRTPSocket``), not NIO channels: a held call does not carry a channel for its socket.
extension MediaEngine {
  /// Binds a datagram socket on `host` from the port range (or `port` exactly; 0: one the system
  /// chooses). The caller owns it and gives it back once with ``closeSocket(_:)``, which also
  /// returns its port to the range. A range socket may be one an ended call gave back
  /// (``MediaSocketPool``).
  public func openSocket(host: String, port: Int? = nil) -> EventLoopFuture<RawRTPSocket> {
    // Always a task, also on the loop: a call's INVITE leaves after `invite` returned (scripts see
    // the call idle first, as before).
    eventLoop.submit { try self.openSocketNow(host: host, port: port).get() }
  }

  /// ``openSocket(host:port:)`` with a completion instead of a future, for a caller that runs
  /// on the engine's loop and wants no promise, future or callback list per socket: still a
  /// task of the loop, also on the loop (the same order as the future's), and `completion` runs
  /// in it, on the engine's loop.
  public func openSocket(
    host: String, port: Int? = nil,
    completion: @escaping @Sendable (Result<RawRTPSocket, any Error>) -> Void
  ) {
    eventLoop.execute { completion(self.openSocketNow(host: host, port: port)) }
  }

  /// The work of ``openSocket(host:port:)``, on the loop.
  func openSocketNow(host: String, port: Int?) -> Result<RawRTPSocket, any Error> {
    // A full pool gives its oldest socket at once (it would be closed on the next park).
    let full = socketPool.isNearlyFull
    if port == nil, let parked = takeParkedSocket(host: host, evenIfRecent: full) {
      return .success(parked)
    }
    return bindOwned(host: host, port: port, attemptsLeft: reserveAttempts())
  }

  /// Closes a socket of ``openSocket(host:port:)`` and releases its range port; a range socket no
  /// stream uses any more is parked for a later call instead (``MediaSocketPool``).
  public func closeSocket(_ socket: RawRTPSocket) -> EventLoopFuture<Void> {
    guard eventLoop.inEventLoop else {
      return eventLoop.submit { self.closeSocketNow(socket) }
    }
    closeSocketNow(socket)
    return eventLoop.makeSucceededVoidFuture()
  }

  /// ``closeSocket(_:)`` for a caller on the engine's loop: at once, no closure or future.
  public func closeSocketOnLoop(_ socket: RawRTPSocket) {
    eventLoop.preconditionInEventLoop()
    closeSocketNow(socket)
  }

  private func closeSocketNow(_ socket: RawRTPSocket) {
    guard socket.isOpen, !socket.parked else { return }
    if let port = socket.localAddress?.port, isRangePort(port) {
      if park(socket, port: port) { return }
      releasePort(port)
      closeParkedRTCP(port: port + 1)
    }
    socket.close()
  }

  /// Runs `body` on the engine's loop: at once when already there (the call layer usually is:
  /// media on the script's loop), else through `flatSubmit`. Saves a task and a hop per call.
  func onLoop<T: Sendable>(_ body: @escaping @Sendable () -> EventLoopFuture<T>) -> EventLoopFuture<T> {
    eventLoop.inEventLoop ? body() : eventLoop.flatSubmit(body)
  }

  func isRangePort(_ port: Int) -> Bool { configuration.portRange.contains(port) }

  // MARK: - Parking (on the loop)

  /// Parks an RTP socket the range gave: it must be open, from the allocator, and used by no
  /// stream. False: close it as before.
  private func park(_ socket: RawRTPSocket, port: Int) -> Bool {
    guard !socketPool.isClosed, allocator.isReserved(port), !socket.adopted,
      let host = socket.ipAddress
    else { return false }
    allocator.park(port)
    socket.parked = true
    socketPool.resting.insert(socket.descriptor)
    socketPool.rtp.append(
      MediaSocketPool.Parked(socket: socket, port: port, host: host, since: eventLoop.now))
    while socketPool.rtp.count > socketPool.capacity {
      closeParked(socketPool.rtp.removeFirst())
    }
    return true
  }

  /// The oldest parked socket on `host` that has rested the pool's ``MediaSocketPool/quietPeriod``; with
  /// `evenIfRecent`, the oldest on `host` at all (the range has no free port left).
  func takeParkedSocket(host: String, evenIfRecent: Bool) -> RawRTPSocket? {
    let now = eventLoop.now
    var index = socketPool.rtp.startIndex
    while index != socketPool.rtp.endIndex {
      let parked = socketPool.rtp[index]
      guard evenIfRecent || now - parked.since >= socketPool.quietPeriod else { return nil }
      guard parked.host == host else {
        index = socketPool.rtp.index(after: index)
        continue
      }
      socketPool.rtp.remove(at: index)
      guard parked.socket.isOpen else {
        closeParked(parked)
        return takeParkedSocket(host: host, evenIfRecent: evenIfRecent)
      }
      // What reached it since the last report of the readiness set is an old call's: the
      // stream's reads drop what the kernel stamped before now (no `recv` here), or it is
      // emptied now (no stamps, or NIO reads it).
      parked.socket.handOut(at: Self.wallClockNanoseconds(), engineReads: readsOwnSockets)
      allocator.unpark(parked.port)
      parked.socket.parked = false
      socketPool.resting.remove(parked.socket.descriptor)
      return parked.socket
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
    parked.socket.parked = false
    socketPool.resting.remove(parked.socket.descriptor)
    parked.socket.close()
  }

  /// Parks a stream's RTCP socket (no longer watched) while its RTP socket is live or parked.
  func parkRTCP(_ socket: RTCPSocket) -> Bool {
    let port = socket.port
    guard !socketPool.isClosed, socket.isOpen,
      allocator.isReserved(port - 1) || allocator.isParked(port - 1), socketPool.rtcp[port] == nil,
      socketPool.rtcp.count < socketPool.capacity
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
    // What waits is an old call's: dropped by the stream's reads (stamped before now) or now.
    socket.handOut(at: Self.wallClockNanoseconds())
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

  private func bindOwned(host: String, port: Int?, attemptsLeft: Int) -> Result<RawRTPSocket, any Error> {
    let chosen: Int
    if let port {
      // Asked for by number: a socket resting there gives way.
      evictParked(port: port)
      chosen = port
    } else {
      guard attemptsLeft > 0, let reserved = reservePort() else {
        // Every port is live or resting: a resting one is better than none.
        if let parked = takeParkedSocket(host: host, evenIfRecent: true) {
          return .success(parked)
        }
        return .failure(
          MediaError.portRangeExhausted(
            lower: configuration.portRange.lowerBound, upper: configuration.portRange.upperBound))
      }
      chosen = reserved
    }
    do {
      let socket = try RawRTPSocket.open(
        host: host, port: chosen, receiveBufferSize: configuration.receiveBufferSize)
      // It may rest in the pool and serve another call: arrival stamps let that hand-out go
      // without a system call (``RawRTPSocket/handOut(at:engineReads:)``).
      if isRangePort(chosen) { socket.enableArrivalStamps() }
      return .success(socket)
    } catch {
      guard port == nil else {
        return .failure(MediaError.bindFailed(host: host, port: chosen, reason: "\(error)"))
      }
      // Taken by another process: give it back and try the next one.
      releasePort(chosen)
      return bindOwned(host: host, port: nil, attemptsLeft: attemptsLeft - 1)
    }
  }
}
