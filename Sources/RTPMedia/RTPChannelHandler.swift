import NIOCore

/// Sits in a stream's datagram channel and hands each datagram to the engine. Runs on the media
/// loop (the channel's loop is the engine's).
final class RTPChannelHandler: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
  // @unchecked: used only on the channel's event loop, which is the engine's.
  typealias InboundIn = AddressedEnvelope<ByteBuffer>

  private let engine: MediaEngine
  let streamID: Int
  private var slot: MediaStreamSlot?
  /// The channel is an RTP socket the engine opened and NIO reads: it gets its read vector with
  /// the first datagram (``MediaEngine/datagramBootstrap(polled:)``).
  var growsVector = false

  init(engine: MediaEngine, streamID: Int) {
    self.engine = engine
    self.streamID = streamID
  }

  func attach(_ slot: MediaStreamSlot?) {
    self.slot = slot
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    if growsVector {
      growsVector = false
      engine.growVector(of: context.channel)
    }
    guard let slot else { return }  // arrived before the stream was complete, or after close
    engine.received(unwrapInboundIn(data), slot: slot)
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    // Echoed packets were written during the reads; one flush sends them (sendmmsg on Linux).
    slot?.flush()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    // ICMP port unreachable and the like surface as errors on a UDP socket: not fatal for RTP.
  }
}
