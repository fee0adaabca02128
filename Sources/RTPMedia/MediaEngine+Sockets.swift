import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A socket a stream uses, and what to undo when the stream closes.
struct AcquiredSocket {
  let channel: any Channel
  let handler: RTPChannelHandler
  /// The engine opened the channel (close it) or the caller supplied it (only remove our handler).
  let ownsChannel: Bool
  /// The range port to give back, if it came from the range.
  let rangePort: Int?
  /// The socket's descriptor when the engine opened it (direct sends); nil for channels a caller
  /// bound itself.
  var descriptor: CInt? = nil
}

extension MediaEngine {
  /// Binds or adopts a socket and puts `handler` in its pipeline. On the loop.
  /// `polled`: a receive socket the tick reads when the engine polls (not a send or RTCP socket).
  func acquire(
    _ socket: MediaSocket, handler: RTPChannelHandler, polled: Bool = true
  ) -> EventLoopFuture<AcquiredSocket> {
    switch socket {
    case .channel(let channel):
      guard channel.eventLoop.inEventLoop else {
        return eventLoop.makeFailedFuture(MediaError.channelOnWrongEventLoop)
      }
      do {
        try channel.pipeline.syncOperations.addHandler(handler)
        // A socket of openSocket that the tick would poll, used here as a send socket: NIO reads it.
        if !polled, pollsOnTick, ownedDescriptor(of: channel) != nil {
          try channel.syncOptions?.setOption(.autoRead, value: true)
        }
      } catch {
        return eventLoop.makeFailedFuture(error)
      }
      return eventLoop.makeSucceededFuture(
        AcquiredSocket(
          channel: channel, handler: handler, ownsChannel: false, rangePort: nil,
          descriptor: ownedDescriptor(of: channel)))
    case .bind(let host, let port):
      return bind(host: host, port: port, handler: handler, polled: polled)
        .map {
          AcquiredSocket(channel: $0.0, handler: handler, ownsChannel: true, rangePort: nil, descriptor: $0.1)
        }
        .flatMapErrorThrowing { error in
          throw MediaError.bindFailed(host: host, port: port, reason: "\(error)")
        }
    case .allocate(let host):
      return bindFromRange(host: host, handler: handler, polled: polled, attemptsLeft: reserveAttempts())
    }
  }

  /// The stream's RTCP socket: the RTP socket's host, its port + 1 (RFC 3550 §11). Nil (RTCP
  /// off for the stream, never an error) when RTCP is off or that port cannot be bound.
  func acquireRTCP(
    _ options: MediaStreamOptions, beside local: AcquiredSocket, streamID: Int
  ) -> EventLoopFuture<AcquiredSocket?> {
    guard options.rtcp, options.parameters.rtcpInterval != nil, let address = local.channel.localAddress,
      let host = address.ipAddress, let port = address.port, port > 0, port < 65535
    else {
      return eventLoop.makeSucceededFuture(nil)
    }
    let handler = RTPChannelHandler(engine: self, streamID: streamID, isRTCP: true)
    if let parked = takeParkedRTCP(host: host, port: port + 1),
      (try? parked.pipeline.syncOperations.addHandler(handler)) != nil
    {
      return eventLoop.makeSucceededFuture(
        AcquiredSocket(channel: parked, handler: handler, ownsChannel: true, rangePort: nil))
    }
    // A report every few seconds: one datagram per read (no vector) and a small kernel buffer, so
    // the second socket of a call costs little memory (a vector of RTP buffers is 16 KiB).
    return bind(
      host: host, port: port + 1, handler: handler, polled: false, vector: 0, receiveBufferSize: 65_536
    )
    .map { Optional(AcquiredSocket(channel: $0.0, handler: handler, ownsChannel: true, rangePort: nil)) }
    .recover { _ in nil }
  }

  /// Undoes ``acquire(_:handler:)``.
  func release(_ socket: AcquiredSocket) -> EventLoopFuture<Void> {
    if let port = socket.rangePort { releasePort(port) }
    // An RTCP socket rests beside its RTP socket (MediaSocketPool).
    if socket.handler.isRTCP, socket.ownsChannel, parkRTCP(socket) {
      return eventLoop.makeSucceededVoidFuture()
    }
    if socket.ownsChannel {
      return socket.channel.close().recover { _ in }
    }
    return socket.channel.pipeline.syncOperations.removeHandler(socket.handler).recover { _ in }
  }

  /// The host a channel is bound to, for a second socket beside it (asymmetric RTP).
  static func host(of channel: any Channel) -> String {
    channel.localAddress?.ipAddress ?? "127.0.0.1"
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

  /// `vector` and `receiveBufferSize` default to the configuration's (RTP); RTCP asks for less.
  func bind(
    host: String, port: Int, handler: RTPChannelHandler, polled: Bool = true, vector: Int? = nil,
    receiveBufferSize: Int? = nil
  ) -> EventLoopFuture<(any Channel, CInt)> {
    evictParked(port: port)
    let descriptor: CInt
    do {
      descriptor = try Self.openDescriptor(
        host: host, port: port, receiveBufferSize: receiveBufferSize ?? configuration.receiveBufferSize)
    } catch {
      return eventLoop.makeFailedFuture(error)
    }
    guard let bootstrap = datagramBootstrap(polled: polled && pollsOnTick, vector: vector) else {
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
    let address: SocketAddress
    if let numeric = try? SocketAddress(ipAddress: host, port: port) {
      address = numeric
    } else {
      address = try SocketAddress.makeAddressResolvingHost(host, port: port)
    }
    return try DatagramDescriptor.open(boundTo: address, receiveBufferSize: receiveBufferSize)
  }

  /// The datagram bootstrap every engine socket uses. NIO reads at most one vector of datagrams
  /// per readiness (`maxMessagesPerRead` 1): epoll is level-triggered, so what is left is
  /// reported again, and the read that would only return EAGAIN is never made.
  ///
  /// `vector` 0 reads one datagram at a time with no vector (NIO allocates a vector's headers,
  /// addresses and control buffers, about 2.5 KiB for 8, when the option is set). Polled sockets
  /// get none: the tick reads them, and NIO only if a stream uses one as a send socket.
  func datagramBootstrap(polled: Bool = false, vector: Int? = nil) -> DatagramBootstrap? {
    guard let bootstrap = DatagramBootstrap(validatingGroup: eventLoop) else { return nil }
    let vector = polled ? 0 : max(vector ?? configuration.vectorReadCount, 0)
    return
      bootstrap
      // Polled sockets are read by the tick; NIO must not read them too.
      .channelOption(.autoRead, value: !polled)
      .channelOption(.maxMessagesPerRead, value: 1)
      .channelOption(.datagramVectorReadMessageCount, value: vector)
      // NIO splits one receive buffer among the vector's messages: 2 KiB each covers any RTP
      // packet of ours (a G.711 frame is 172 octets).
      .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048 * max(vector, 1)))
  }
}
