import NIOCore
import NIOPosix

/// A socket a stream uses, and what to undo when the stream closes.
struct AcquiredSocket {
  let channel: any Channel
  let handler: RTPChannelHandler
  /// The engine opened the channel (close it) or the caller supplied it (only remove our handler).
  let ownsChannel: Bool
  /// The range port to give back, if it came from the range.
  let rangePort: Int?
}

extension MediaEngine {
  /// Binds or adopts a socket and puts `handler` in its pipeline. On the loop.
  func acquire(_ socket: MediaSocket, handler: RTPChannelHandler) -> EventLoopFuture<AcquiredSocket> {
    switch socket {
    case .channel(let channel):
      guard channel.eventLoop.inEventLoop else {
        return eventLoop.makeFailedFuture(MediaError.channelOnWrongEventLoop)
      }
      do {
        try channel.pipeline.syncOperations.addHandler(handler)
      } catch {
        return eventLoop.makeFailedFuture(error)
      }
      return eventLoop.makeSucceededFuture(
        AcquiredSocket(channel: channel, handler: handler, ownsChannel: false, rangePort: nil))
    case .bind(let host, let port):
      return bind(host: host, port: port, handler: handler)
        .map { AcquiredSocket(channel: $0, handler: handler, ownsChannel: true, rangePort: nil) }
        .flatMapErrorThrowing { error in
          throw MediaError.bindFailed(host: host, port: port, reason: "\(error)")
        }
    case .allocate(let host):
      return bindFromRange(host: host, handler: handler, attemptsLeft: reserveAttempts())
    }
  }

  /// Undoes ``acquire(_:handler:)``.
  func release(_ socket: AcquiredSocket) -> EventLoopFuture<Void> {
    if let port = socket.rangePort { releasePort(port) }
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
    host: String, handler: RTPChannelHandler, attemptsLeft: Int
  ) -> EventLoopFuture<AcquiredSocket> {
    guard attemptsLeft > 0, let port = reservePort() else {
      return eventLoop.makeFailedFuture(
        MediaError.portRangeExhausted(
          lower: configuration.portRange.lowerBound, upper: configuration.portRange.upperBound))
    }
    return bind(host: host, port: port, handler: handler)
      .map { AcquiredSocket(channel: $0, handler: handler, ownsChannel: true, rangePort: port) }
      .flatMapError { _ in
        // Taken by someone else: give it back and try the next one.
        self.releasePort(port)
        return self.bindFromRange(host: host, handler: handler, attemptsLeft: attemptsLeft - 1)
      }
  }

  private func bind(host: String, port: Int, handler: RTPChannelHandler) -> EventLoopFuture<any Channel> {
    guard let bootstrap = DatagramBootstrap(validatingGroup: eventLoop) else {
      return eventLoop.makeFailedFuture(
        MediaError.bindFailed(host: host, port: port, reason: "the engine's event loop cannot open sockets"))
    }
    let vector = max(configuration.vectorReadCount, 1)
    let receiveBuffer = configuration.receiveBufferSize
    let created = NIOLoopBoundBox<(any Channel)?>(nil, eventLoop: eventLoop)
    return
      bootstrap
      .channelOption(.socketOption(.so_reuseaddr), value: 0)
      .channelOption(.socketOption(.so_rcvbuf), value: receiveBuffer)
      .channelOption(.maxMessagesPerRead, value: 16)
      .channelOption(.datagramVectorReadMessageCount, value: vector)
      // NIO splits one receive buffer among the vector's messages: 2 KiB each covers any RTP
      // packet of ours (a G.711 frame is 172 octets).
      .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048 * vector))
      .channelInitializer { channel in
        created.value = channel
        return channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(handler)
        }
      }
      .bind(host: host, port: port)
      .flatMapError { error in
        // A failed bind leaves the channel open (see closeUnbound).
        Self.closeUnbound(created.value)
        return self.eventLoop.makeFailedFuture(error)
      }
  }
}
