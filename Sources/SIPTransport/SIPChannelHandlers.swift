import NIOCore

/// Hands the datagrams of a UDP leg to the transport (on the leg's event loop, which is the
/// transport's).
final class SIPDatagramHandler: ChannelInboundHandler {
  typealias InboundIn = AddressedEnvelope<ByteBuffer>

  let transport: SIPTransport
  /// Set once the bind completed; datagrams before that are dropped (none can be for us yet).
  var leg: SIPLeg?

  init(transport: SIPTransport) {
    self.transport = transport
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let envelope = unwrapInboundIn(data)
    guard let leg else { return }
    // What the read's datagrams make us send waits for `channelReadComplete`: the answers to a
    // burst leave together (one sendmmsg), and no `execute` is needed to flush them.
    transport.isReadingDatagrams = true
    transport.receiveDatagram(envelope.data, from: envelope.remoteAddress, on: leg)
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    transport.datagramReadComplete()
  }

  func channelInactive(context: ChannelHandlerContext) {
    // NIO closes the descriptor with the channel; its number may be reused at once.
    leg?.descriptor = -1
    // A channel closed during its read gets no `channelReadComplete`: flush what the read queued.
    transport.datagramReadComplete()
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    // ICMP port unreachable and the like surface here on UDP; the transaction's timer decides.
    transport.logger.debug("UDP leg error: \(error)")
  }
}

/// Hands the bytes of a TCP connection to its ``SIPConnection`` (framing happens there).
final class SIPStreamHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer

  let transport: SIPTransport
  let connection: SIPConnection

  init(transport: SIPTransport, connection: SIPConnection) {
    self.transport = transport
    self.connection = connection
  }

  func channelActive(context: ChannelHandlerContext) {
    transport.connectionActive(connection, channel: context.channel)
    context.fireChannelActive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    transport.receiveStream(unwrapInboundIn(data), on: connection)
  }

  func channelInactive(context: ChannelHandlerContext) {
    transport.connectionClosed(connection)
    context.fireChannelInactive()
  }

  func errorCaught(context: ChannelHandlerContext, error: any Error) {
    transport.logger.debug("TCP connection \(connection.key) error: \(error)")
    context.close(promise: nil)
  }
}
