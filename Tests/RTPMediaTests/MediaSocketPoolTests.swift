import NIOCore
import NIOPosix
import RTPCore
import RTPMedia
import Testing

/// The engine keeps the range sockets callers give back (``MediaEngine/closeSocket(_:)``) bound
/// for later calls; real UDP on 127.0.0.1.
@Suite(.serialized) struct MediaSocketPoolTests {
  @Test func aSocketGivenBackRestsThenServesTheNextCallWhenNoOtherPortIsFree() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 42600...42603))
    let first = try await engine.openSocket(host: "127.0.0.1").get()
    let firstPort = try #require(first.localAddress?.port)
    try await engine.closeSocket(first).get()
    #expect(try await engine.reservedPortCount().get() == 0)
    #expect(first.isOpen)
    // Resting: the next caller gets the other port, not the one just given back.
    let second = try await engine.openSocket(host: "127.0.0.1").get()
    #expect(second.localAddress?.port != firstPort)
    // No free port left: the resting socket is better than none; what it received is dropped.
    let sender = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
    let stale = sender.allocator.buffer(string: "late packet of the old call")
    try await sender.writeAndFlush(
      AddressedEnvelope(
        remoteAddress: try SocketAddress(ipAddress: "127.0.0.1", port: firstPort), data: stale))
    let third = try await engine.openSocket(host: "127.0.0.1").get()
    #expect(third === first)
    #expect(try await engine.reservedPortCount().get() == 2)
    await #expect(throws: MediaError.portRangeExhausted(lower: 42600, upper: 42603)) {
      try await engine.openSocket(host: "127.0.0.1").get()
    }
    try await engine.closeSocket(second).get()
    try await engine.closeSocket(third).get()
    try await engine.shutdown().get()
    // Shut down: the resting sockets are closed and their ports free.
    #expect(!first.isOpen)
    #expect(!second.isOpen)
    #expect(try await engine.reservedPortCount().get() == 0)
    try await sender.close()
    try await group.shutdownGracefully()
  }

  @Test func aPortAskedForByNumberIsFreedFromTheRestingSocket() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 42610...42619))
    let first = try await engine.openSocket(host: "127.0.0.1").get()
    let port = try #require(first.localAddress?.port)
    try await engine.closeSocket(first).get()
    let again = try await engine.openSocket(host: "127.0.0.1", port: port).get()
    #expect(again.localAddress?.port == port)
    #expect(again !== first)
    #expect(!first.isOpen)
    try await engine.closeSocket(again).get()
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }

  @Test func aStreamOnAReusedSocketSendsAndReceivesWithItsRTCPSocket() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(),
      configuration: MediaEngineConfiguration(portRange: 42620...42621, pollsOnTick: true))
    var previous: RawRTPSocket?
    for _ in 0..<2 {
      let socket = try await engine.openSocket(host: "127.0.0.1").get()
      if let previous { #expect(socket === previous) }
      let peer = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
      var options = MediaStreamOptions(local: .socket(socket), remote: peer.localAddress)
      options.rtcp = true
      let stream = try await engine.openStream(options).get()
      #expect(stream.localAddress?.port == 42620)
      // The peer's RTP reaches the stream on the same socket, round after round.
      for sequence in UInt16(0)..<3 {
        let header = RTPHeader(
          payloadType: 0, sequenceNumber: sequence, timestamp: UInt32(sequence) * 160, ssrc: 0x5EED)
        let bytes = try RTPPacket(header: header, payload: [UInt8](repeating: 0xFF, count: 160)).serialized()
        try await peer.writeAndFlush(
          AddressedEnvelope(
            remoteAddress: try #require(socket.localAddress), data: peer.allocator.buffer(bytes: bytes)))
      }
      var received: UInt64 = 0
      for _ in 0..<100 where received < 3 {
        try await Task.sleep(for: .milliseconds(20))
        received = try await stream.statistics().get().packetsReceived
      }
      #expect(received >= 1)
      try await stream.close().get()
      try await engine.closeSocket(socket).get()
      try await peer.close()
      previous = socket
    }
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }

  @Test func aSocketOfOpenSocketOutlivesItsStreamsAndIsClosedOnce() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 42630...42639))
    let socket = try await engine.openSocket(host: "127.0.0.1").get()
    let address = try #require(socket.localAddress)
    let peer = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
    // Two streams one after the other on the same socket (a new codec after a re-INVITE).
    for round in UInt16(0)..<2 {
      let stream = try await engine.openStream(
        MediaStreamOptions(local: .socket(socket), remote: peer.localAddress, source: .none)
      ).get()
      #expect(stream.localAddress == address)
      let header = RTPHeader(payloadType: 0, sequenceNumber: round, timestamp: 160, ssrc: 0x5EED)
      let bytes = try RTPPacket(header: header, payload: [UInt8](repeating: 0xFF, count: 160)).serialized()
      try await peer.writeAndFlush(
        AddressedEnvelope(remoteAddress: address, data: peer.allocator.buffer(bytes: bytes)))
      var received: UInt64 = 0
      for _ in 0..<200 where received < 1 {
        try await Task.sleep(for: .milliseconds(10))
        received = try await stream.statistics().get().packetsReceived
      }
      #expect(received == 1)
      try await stream.close().get()
      // The stream leaves the caller's socket open.
      #expect(socket.isOpen)
    }
    // Given back: parked (still open); given back again: nothing happens.
    try await engine.closeSocket(socket).get()
    try await engine.closeSocket(socket).get()
    #expect(socket.isOpen)
    #expect(try await engine.reservedPortCount().get() == 0)
    // A parked socket cannot be adopted.
    await #expect(throws: MediaError.streamClosed) {
      try await engine.openStream(MediaStreamOptions(local: .socket(socket), source: .none)).get()
    }
    try await engine.shutdown().get()
    #expect(!socket.isOpen)
    try await peer.close()
    try await group.shutdownGracefully()
  }
}
