import DatagramSockets
import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A socket a stream uses, and what to undo when the stream closes: a NIO channel (a caller's, or
/// the engine's own where it cannot read descriptors itself) or a bare descriptor the engine reads
/// (``RawRTPSocket``: its own, or one of ``MediaEngine/openSocket(host:port:)`` the caller owns).
struct AcquiredSocket {
  let channel: (any Channel)?
  /// The engine's handler in ``channel``'s pipeline.
  let handler: RTPChannelHandler?
  /// A descriptor socket (no channel).
  let raw: RawRTPSocket?
  /// The engine opened the socket (close it) or the caller supplied it (only remove our handler,
  /// or leave the caller's descriptor socket open).
  let ownsChannel: Bool
  /// The range port to give back, if it came from the range.
  let rangePort: Int?
  /// The socket's descriptor when the engine opened it (direct sends); nil for channels a caller
  /// bound itself.
  var descriptor: CInt? = nil

  init(
    channel: any Channel, handler: RTPChannelHandler, ownsChannel: Bool, rangePort: Int?, descriptor: CInt?
  ) {
    self.channel = channel
    self.handler = handler
    raw = nil
    self.ownsChannel = ownsChannel
    self.rangePort = rangePort
    self.descriptor = descriptor
  }

  init(raw: RawRTPSocket, rangePort: Int?, owned: Bool = true) {
    channel = nil
    handler = nil
    self.raw = raw
    ownsChannel = owned
    self.rangePort = rangePort
    descriptor = raw.descriptor
  }

  var localAddress: SocketAddress? { raw?.localAddress ?? channel?.localAddress }

  /// Still usable: a closed descriptor's number may already belong to another socket.
  var isOpen: Bool {
    if let raw { return raw.isOpen }
    return channel?.isActive ?? false
  }
}

extension MediaEngine {
  /// Binds or adopts a socket for stream `streamID`; a channel gets the engine's handler in its
  /// pipeline. On the loop. `polled`: the stream's receive socket (not a send socket): the tick
  /// reads it when the engine polls.
  func acquire(_ socket: MediaSocket, streamID: Int, polled: Bool = true) -> EventLoopFuture<AcquiredSocket> {
    if let now = acquireNow(socket, streamID: streamID) { return eventLoop.makeCompletedFuture(now) }
    switch socket {
    case .channel:
      // acquireNow takes every channel.
      return eventLoop.makeFailedFuture(MediaError.channelOnWrongEventLoop)
    case .socket(let raw):
      // The engine cannot read descriptors itself here: NIO reads a copy of it (closed with the
      // stream; the caller's stays open).
      let handler = RTPChannelHandler(engine: self, streamID: streamID)
      handler.growsVector = true
      // NIO reads it: what an old call left (a socket of the pool) goes now.
      if raw.staleBefore != nil {
        raw.staleBefore = nil
        MediaSocketPool.drain(raw.descriptor)
      }
      return adoptCopy(of: raw, handler: handler).map {
        raw.adopted = true
        return AcquiredSocket(
          channel: $0, handler: handler, ownsChannel: true, rangePort: nil, descriptor: nil)
      }
    case .bind(let host, let port):
      let handler = RTPChannelHandler(engine: self, streamID: streamID)
      handler.growsVector = !(polled && pollsOnTick)
      return bind(host: host, port: port, handler: handler, polled: polled)
        .map {
          AcquiredSocket(channel: $0.0, handler: handler, ownsChannel: true, rangePort: nil, descriptor: $0.1)
        }
        .flatMapErrorThrowing { error in
          throw MediaError.bindFailed(host: host, port: port, reason: "\(error)")
        }
    case .allocate(let host):
      let handler = RTPChannelHandler(engine: self, streamID: streamID)
      handler.growsVector = !(polled && pollsOnTick)
      return bindFromRange(host: host, handler: handler, polled: polled, attemptsLeft: reserveAttempts())
    }
  }

  /// The part of ``acquire(_:streamID:polled:)`` that needs no wait, its result at once: a
  /// script's channel, and every socket when the engine reads descriptors itself. Nil: the
  /// socket needs a NIO channel made first (``acquire(_:streamID:polled:)``).
  func acquireNow(_ socket: MediaSocket, streamID: Int) -> Result<AcquiredSocket, any Error>? {
    switch socket {
    case .channel(let channel):
      guard channel.eventLoop.inEventLoop else { return .failure(MediaError.channelOnWrongEventLoop) }
      let handler = RTPChannelHandler(engine: self, streamID: streamID)
      do {
        try channel.pipeline.syncOperations.addHandler(handler)
      } catch {
        return .failure(error)
      }
      return .success(
        AcquiredSocket(
          channel: channel, handler: handler, ownsChannel: false, rangePort: nil, descriptor: nil))
    case .socket(let raw):
      guard raw.isOpen, !raw.parked else { return .failure(MediaError.streamClosed) }
      guard readsOwnSockets else { return nil }
      raw.adopted = true
      return .success(AcquiredSocket(raw: raw, rangePort: nil, owned: false))
    case .bind(let host, let port):
      guard readsOwnSockets else { return nil }
      evictParked(port: port)
      do {
        let raw = try RawRTPSocket.open(
          host: host, port: port, receiveBufferSize: configuration.receiveBufferSize)
        return .success(AcquiredSocket(raw: raw, rangePort: nil))
      } catch {
        return .failure(MediaError.bindFailed(host: host, port: port, reason: "\(error)"))
      }
    case .allocate(let host):
      guard readsOwnSockets else { return nil }
      return openRawFromRange(host: host)
    }
  }

  /// A bare descriptor socket on the next range port that binds (``RawRTPSocket``).
  private func openRawFromRange(host: String) -> Result<AcquiredSocket, any Error> {
    for _ in 0..<reserveAttempts() {
      guard let port = reservePort() else { break }
      evictParked(port: port)
      if let raw = try? RawRTPSocket.open(
        host: host, port: port, receiveBufferSize: configuration.receiveBufferSize)
      {
        return .success(AcquiredSocket(raw: raw, rangePort: port))
      }
      // Taken by someone else: give it back and try the next one.
      releasePort(port)
    }
    return .failure(
      MediaError.portRangeExhausted(
        lower: configuration.portRange.lowerBound, upper: configuration.portRange.upperBound))
  }

  /// The stream's RTCP socket: the RTP socket's host, its port + 1 (RFC 3550 §11), a resting one
  /// if there is one. Nil (RTCP off for the stream, never an error) when RTCP is off or that port
  /// cannot be bound.
  func acquireRTCP(_ options: MediaStreamOptions, beside local: AcquiredSocket) -> RTCPSocket? {
    guard options.rtcp, options.parameters.rtcpInterval != nil, let address = local.localAddress,
      let host = local.raw?.ipAddress ?? address.ipAddress, let port = address.port, port > 0, port < 65535
    else {
      return nil
    }
    if let parked = takeParkedRTCP(host: host, port: port + 1) { return parked }
    evictParked(port: port + 1)
    // A report every few seconds: a small kernel buffer.
    return try? RTCPSocket.open(host: host, port: port + 1, receiveBufferSize: 65_536)
  }

  /// Undoes ``acquireRTCP(_:beside:)``: the socket rests beside its RTP socket (MediaSocketPool)
  /// or is closed.
  func releaseRTCP(_ socket: RTCPSocket) {
    if !parkRTCP(socket) { socket.close() }
  }

  /// Undoes ``acquire(_:handler:)``.
  func release(_ socket: AcquiredSocket) -> EventLoopFuture<Void> {
    if let port = socket.rangePort { releasePort(port) }
    if let raw = socket.raw {
      if socket.ownsChannel { raw.close() } else { raw.adopted = false }
      return eventLoop.makeSucceededVoidFuture()
    }
    guard let channel = socket.channel else { return eventLoop.makeSucceededVoidFuture() }
    if socket.ownsChannel {
      return channel.close().recover { _ in }
    }
    guard let handler = socket.handler else { return eventLoop.makeSucceededVoidFuture() }
    return channel.pipeline.syncOperations.removeHandler(handler).recover { _ in }
  }

  /// A channel NIO reads on a duplicate of a caller's descriptor socket (``MediaSocket/socket(_:)``
  /// where the engine does not read descriptors itself).
  private func adoptCopy(of raw: RawRTPSocket, handler: RTPChannelHandler) -> EventLoopFuture<any Channel> {
    guard let bootstrap = datagramBootstrap() else {
      return eventLoop.makeFailedFuture(
        MediaError.bindFailed(
          host: raw.localAddress?.ipAddress ?? "", port: raw.localAddress?.port ?? 0,
          reason: "the engine's event loop cannot open sockets"))
    }
    let copy = dup(raw.descriptor)
    guard copy >= 0 else {
      return eventLoop.makeFailedFuture(
        MediaError.bindFailed(
          host: raw.localAddress?.ipAddress ?? "", port: raw.localAddress?.port ?? 0, reason: "dup failed"))
    }
    return
      bootstrap
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
      }
      .withBoundSocket(copy)
  }

  /// The host a socket is bound to, for a second socket beside it (asymmetric RTP).
  static func host(of socket: AcquiredSocket) -> String {
    socket.localAddress?.ipAddress ?? "127.0.0.1"
  }

  private func bindFromRange(
    host: String, handler: RTPChannelHandler, polled: Bool, attemptsLeft: Int
  ) -> EventLoopFuture<AcquiredSocket> {
    guard attemptsLeft > 0, let port = reservePort() else {
      return eventLoop.makeFailedFuture(
        MediaError.portRangeExhausted(
          lower: configuration.portRange.lowerBound, upper: configuration.portRange.upperBound))
    }
    return bind(host: host, port: port, handler: handler, polled: polled)
      .map {
        AcquiredSocket(channel: $0.0, handler: handler, ownsChannel: true, rangePort: port, descriptor: $0.1)
      }
      .flatMapError { _ in
        // Taken by someone else: give it back and try the next one.
        self.releasePort(port)
        return self.bindFromRange(
          host: host, handler: handler, polled: polled, attemptsLeft: attemptsLeft - 1)
      }
  }

  /// Whether this engine reads RTP sockets on the tick (``MediaEngineConfiguration/pollsOnTick``
  /// where `recvmmsg` exists).
  var pollsOnTick: Bool { configuration.pollsOnTick && DatagramBatch.isAvailable }

  func bind(
    host: String, port: Int, handler: RTPChannelHandler, polled: Bool = true
  ) -> EventLoopFuture<(any Channel, CInt)> {
    evictParked(port: port)
    let descriptor: CInt
    do {
      descriptor = try Self.openDescriptor(
        host: host, port: port, receiveBufferSize: configuration.receiveBufferSize)
    } catch {
      return eventLoop.makeFailedFuture(error)
    }
    guard let bootstrap = datagramBootstrap(polled: polled && pollsOnTick) else {
      close(descriptor)
      return eventLoop.makeFailedFuture(
        MediaError.bindFailed(host: host, port: port, reason: "the engine's event loop cannot open sockets"))
    }
    return
      bootstrap
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(handler)
        }
      }
      .withBoundSocket(descriptor)
      .map { ($0, descriptor) }
  }

  /// A bound non-blocking UDP descriptor for `host:port` (a numeric address, or a name resolved
  /// here).
  static func openDescriptor(host: String, port: Int, receiveBufferSize: Int) throws -> CInt {
    try BoundDatagramSocket.open(
      boundTo: bindAddress(host: host, port: port), receiveBufferSize: receiveBufferSize)
  }

  /// The address `host:port` binds: `host` numeric, or a name resolved here.
  static func bindAddress(host: String, port: Int) throws -> SocketAddress {
    try BoundDatagramSocket.bindAddress(host: host, port: port)
  }

  /// The datagram bootstrap every engine socket uses. NIO reads at most one vector of datagrams
  /// per readiness (`maxMessagesPerRead` 1): epoll is level-triggered, so what is left is
  /// reported again, and the read that would only return EAGAIN is never made.
  ///
  /// Every socket starts with no vector, reading one datagram at a time: NIO allocates a
  /// vector's headers, addresses and control buffers (about 1.8 KiB for 8) when the option is
  /// set, and a held call that receives nothing would carry them for its whole life. An RTP
  /// socket NIO reads gets ``MediaEngineConfiguration/vectorReadCount`` with its first datagram
  /// (``RTPChannelHandler/growsVector``); polled sockets (the tick reads them) and RTCP sockets
  /// (a report every few seconds) never get one.
  func datagramBootstrap(polled: Bool = false) -> DatagramBootstrap? {
    guard let bootstrap = DatagramBootstrap(validatingGroup: eventLoop) else { return nil }
    return
      bootstrap
      // Polled sockets are read by the tick; NIO must not read them too.
      .channelOption(.autoRead, value: !polled)
      .channelOption(.maxMessagesPerRead, value: 1)
      .channelOption(.datagramVectorReadMessageCount, value: 0)
      .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.datagramCapacity))
  }

  /// NIO splits one receive buffer among a vector's messages: 2 KiB each covers any RTP packet
  /// of ours (a G.711 frame is 172 octets).
  static let datagramCapacity = 2048

  /// Gives an RTP channel NIO reads its read vector (``datagramBootstrap(polled:)``).
  func growVector(of channel: any Channel) {
    let count = configuration.vectorReadCount
    guard count > 0, let options = channel.syncOptions else { return }
    try? options.setOption(.datagramVectorReadMessageCount, value: count)
    try? options.setOption(
      .recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: Self.datagramCapacity * count))
  }
}
