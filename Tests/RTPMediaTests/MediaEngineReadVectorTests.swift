import NIOCore
import NIOPosix
import RTPCore
import RTPMedia
import Testing

/// NIO's vector of receive buffers (``MediaEngineConfiguration/vectorReadCount``) is given to an
/// RTP socket with its first datagram, not when it is bound: a held call that receives nothing
/// does not carry it. Real UDP on 127.0.0.1.
@Suite(.serialized) struct MediaEngineReadVectorTests {
  @Test func anRTPSocketGetsItsReadVectorWithItsFirstDatagram() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(),
      configuration: MediaEngineConfiguration(portRange: 42630...42639, vectorReadCount: 4))
    let socket = try await engine.openSocket(host: "127.0.0.1").get()
    #expect(try await socket.getOption(.datagramVectorReadMessageCount).get() == 0)
    let peer = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
    let stream = try await engine.openStream(
      MediaStreamOptions(local: .channel(socket), remote: peer.localAddress, source: .none)
    ).get()
    #expect(try await socket.getOption(.datagramVectorReadMessageCount).get() == 0)
    let header = RTPHeader(payloadType: 0, sequenceNumber: 1, timestamp: 160, ssrc: 0x5EED)
    let bytes = try RTPPacket(header: header, payload: [UInt8](repeating: 0xFF, count: 160)).serialized()
    try await peer.writeAndFlush(
      AddressedEnvelope(
        remoteAddress: try #require(socket.localAddress), data: peer.allocator.buffer(bytes: bytes)))
    var received: UInt64 = 0
    for _ in 0..<200 where received < 1 {
      try await Task.sleep(for: .milliseconds(10))
      received = try await stream.statistics().get().packetsReceived
    }
    #expect(received == 1)
    #expect(try await socket.getOption(.datagramVectorReadMessageCount).get() == 4)
    try await stream.close().get()
    try await engine.closeSocket(socket).get()
    try await peer.close()
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }
}
