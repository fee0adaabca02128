import NIOCore
import NIOPosix
import RTPCore
import RTPMedia
import Synchronization
import Testing

/// Symmetric RTP latching and RTCP over real UDP on 127.0.0.1.
@Suite(.serialized) struct MediaLatchingAndRTCPTests {
  /// A datagram socket on 127.0.0.1 that counts what arrives.
  final class Ports: Sendable {
    let ports = Mutex<[Int]>([])
  }

  struct Collector {
    let channel: any Channel
    let box: Ports

    var count: Int { box.ports.withLock { $0.count } }
    var address: SocketAddress { channel.localAddress! }
  }

  static func collector(on group: any EventLoopGroup, port: Int = 0) async throws -> Collector {
    let box = Ports()
    let channel = try await DatagramBootstrap(group: group)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            SourceCollector { port in box.ports.withLock { $0.append(port) } })
        }
      }
      .bind(host: "127.0.0.1", port: port).get()
    return Collector(channel: channel, box: box)
  }

  static func rtp(_ sequence: UInt16) -> ByteBuffer {
    var bytes: [UInt8] = []
    try? RTPHeader(payloadType: 0, sequenceNumber: sequence, timestamp: UInt32(sequence) * 160, ssrc: 0x5EED)
      .append(to: &bytes)
    bytes.append(contentsOf: [UInt8](repeating: 0xFF, count: 160))
    return ByteBuffer(bytes: bytes)
  }

  /// Waits (bounded) until `condition` holds.
  static func eventually(seconds: Double = 5, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
      if try await condition() { return true }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return try await condition()
  }

  /// The peer's SDP said `announced`; its packets come from `peer` (a NAT's mapping). The echo
  /// must go to `peer`.
  @Test(arguments: [false, true])
  func echoLatchesToWhereThePeersPacketsComeFrom(polled: Bool) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let announced = try await Self.collector(on: group)
    let peer = try await Self.collector(on: group)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: .init(portRange: 44400...44449, pollsOnTick: polled))
    let stream = try await engine.openStream(MediaStreamOptions(remote: announced.address, source: .none))
      .get()
    try await stream.echo(.packets(0)).get()
    for sequence in 0..<5 {
      try await peer.channel.writeAndFlush(
        AddressedEnvelope(remoteAddress: stream.localAddress!, data: Self.rtp(UInt16(sequence))))
    }
    #expect(await Self.eventually { peer.count == 5 })
    #expect(announced.count == 0)
    #expect(try await stream.remoteAddress().get() == peer.address)
    #expect(try await stream.statistics().get().latched == 1)
    try await engine.shutdown().get()
    try await announced.channel.close()
    try await peer.channel.close()
    try await group.shutdownGracefully()
  }

  /// Net::SIP's asymetric_rtp (and an explicit `latching: false`) keep the SDP's address; a
  /// stream on hold never starts sending; datagrams that are not RTP move nothing.
  @Test(arguments: ["asymmetric", "off", "hold", "garbage"], [false, true])
  func noLatching(_ mode: String, polled: Bool) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let announced = try await Self.collector(on: group)
    let peer = try await Self.collector(on: group)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: .init(portRange: 44450...44499, pollsOnTick: polled))
    var options = MediaStreamOptions(remote: announced.address, source: .none)
    switch mode {
    case "asymmetric": options.asymmetric = true
    case "off": options.latching = false
    case "hold": options.remote = nil
    default: break
    }
    let stream = try await engine.openStream(options).get()
    try await stream.echo(.packets(0)).get()
    for sequence in 0..<5 {
      let data = mode == "garbage" ? ByteBuffer(bytes: [1, 2, 3]) : Self.rtp(UInt16(sequence))
      try await peer.channel.writeAndFlush(AddressedEnvelope(remoteAddress: stream.localAddress!, data: data))
    }
    let expectedAtAnnounced = (mode == "hold" || mode == "garbage") ? 0 : 5
    #expect(await Self.eventually(seconds: 2) { announced.count == expectedAtAnnounced })
    try await Task.sleep(for: .milliseconds(100))
    #expect(peer.count == 0)
    #expect(announced.count == expectedAtAnnounced)
    #expect(try await stream.statistics().get().latched == 0)
    #expect(try await stream.remoteAddress().get() == options.remote)
    try await engine.shutdown().get()
    try await announced.channel.close()
    try await peer.channel.close()
    try await group.shutdownGracefully()
  }

  /// Two streams send to each other with a 200 ms RTCP interval: each reads the other's SRs,
  /// reports no loss, and measures a round trip.
  @Test(arguments: [false, true])
  func reportsCrossBetweenTwoStreams(polled: Bool) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: .init(portRange: 44500...44549, pollsOnTick: polled))
    let parameters = MediaStreamParameters(rtcpInterval: 200_000_000)
    let a = try await engine.openStream(MediaStreamOptions(parameters: parameters, source: .silence)).get()
    let b = try await engine.openStream(
      MediaStreamOptions(parameters: parameters, remote: a.localAddress, source: .silence)
    ).get()
    try await a.setRemote(b.localAddress).get()
    let crossed = try await Self.eventually {
      let (x, y) = (try await a.statistics().get(), try await b.statistics().get())
      return x.rtcpReceived >= 2 && y.rtcpReceived >= 2 && x.roundTripMilliseconds != nil
        && y.roundTripMilliseconds != nil
    }
    #expect(crossed)
    let figures = try await a.statistics().get()
    #expect(figures.rtcpSent >= 2)
    #expect(figures.peerCumulativeLost == 0)
    #expect((figures.roundTripMilliseconds ?? -1) >= 0 && (figures.roundTripMilliseconds ?? 1e9) < 1000)
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }

  /// RTCP goes to the peer's RTP port + 1 and carries a BYE when the stream closes; with `rtcp`
  /// off nothing is bound on port + 1.
  @Test func rtcpGoesToPortPlusOneAndEndsWithBye() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(eventLoop: group.next(), configuration: .init(portRange: 44550...44599))
    // A peer on an even port whose odd neighbour we listen on.
    var rtcpPeer: Collector?
    var rtpPort = 44700
    while rtcpPeer == nil, rtpPort < 44800 {
      rtcpPeer = try? await Self.collector(on: group, port: rtpPort + 1)
      if rtcpPeer == nil { rtpPort += 2 }
    }
    let peerRTCP = try #require(rtcpPeer)
    let remote = try SocketAddress(ipAddress: "127.0.0.1", port: rtpPort)
    let stream = try await engine.openStream(
      MediaStreamOptions(
        parameters: MediaStreamParameters(rtcpInterval: 100_000_000), remote: remote, source: .none)
    ).get()
    #expect(await Self.eventually { peerRTCP.count >= 2 })
    let sentBefore = peerRTCP.count
    try await stream.close().get()
    #expect(await Self.eventually { peerRTCP.count > sentBefore })
    // Every RTCP datagram came from the stream's port + 1.
    let port = stream.localAddress!.port! + 1
    #expect(peerRTCP.box.ports.withLock { $0.allSatisfy { $0 == port } })

    var off = MediaStreamOptions(remote: remote, source: .none)
    off.rtcp = false
    let quiet = try await engine.openStream(off).get()
    let neighbour = try await Self.collector(on: group, port: quiet.localAddress!.port! + 1)
    try await quiet.close().get()
    try await neighbour.channel.close()
    try await engine.shutdown().get()
    try await peerRTCP.channel.close()
    try await group.shutdownGracefully()
  }

  /// A peer behind NAT: its RTP comes from another port than its SDP said, and the stream
  /// latches to it. A given RTCP address that is only the SDP's RTP port + 1 (what a call passes
  /// when the SDP has no a=rtcp) moves with it, to the new port + 1; one that a=rtcp named
  /// elsewhere stays.
  @Test(arguments: [false, true])
  func rtcpFollowsLatchedRTPUnlessSDPNamedAnotherPort(explicit: Bool) async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(eventLoop: group.next(), configuration: .init(portRange: 44650...44699))
    let announced = try await Self.collector(on: group)
    let named = try await Self.collector(on: group)
    // The peer's real RTP port and its port + 1, both bound (a few tries for a free pair).
    var pair: (Collector, Collector)?
    for _ in 0..<20 where pair == nil {
      let plusOne = try await Self.collector(on: group)
      if let peer = try? await Self.collector(on: group, port: plusOne.address.port! - 1) {
        pair = (peer, plusOne)
      } else {
        try await plusOne.channel.close()
      }
    }
    let (peer, peerPlusOne) = try #require(pair)
    var options = MediaStreamOptions(
      parameters: MediaStreamParameters(rtcpInterval: 100_000_000), remote: announced.address, source: .none)
    options.remoteRTCP =
      explicit
      ? named.address : try SocketAddress(ipAddress: "127.0.0.1", port: announced.address.port! + 1)
    let stream = try await engine.openStream(options).get()
    for sequence in 0..<5 {
      try await peer.channel.writeAndFlush(
        AddressedEnvelope(remoteAddress: stream.localAddress!, data: Self.rtp(UInt16(sequence))))
    }
    #expect(await Self.eventually { (try? await stream.remoteAddress().get()) == peer.address })
    if explicit {
      let before = named.count
      #expect(await Self.eventually { named.count > before + 1 })
      #expect(peerPlusOne.count == 0)
    } else {
      #expect(await Self.eventually { peerPlusOne.count >= 2 })
    }
    try await stream.close().get()
    try await engine.shutdown().get()
    for collector in [announced, named, peer, peerPlusOne] { try await collector.channel.close() }
    try await group.shutdownGracefully()
  }

  /// SDP `a=rtcp` (RFC 3605): with ``MediaStreamOptions/remoteRTCP`` given, reports go there, not
  /// to the RTP port + 1, and a new remote RTP address (a re-INVITE) does not move them.
  @Test func rtcpGoesWhereTheSDPSaid() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(eventLoop: group.next(), configuration: .init(portRange: 44600...44649))
    let announced = try await Self.collector(on: group)
    // Listens on the port + 1 of the RTP addresses used below: RTCP must not arrive there.
    let plusOne = try await Self.collector(on: group, port: 0)
    let movedPlusOne = try await Self.collector(on: group, port: 0)
    let rtp = try SocketAddress(ipAddress: "127.0.0.1", port: plusOne.address.port! - 1)
    var options = MediaStreamOptions(
      parameters: MediaStreamParameters(rtcpInterval: 100_000_000), remote: rtp, source: .none)
    options.remoteRTCP = announced.address
    let stream = try await engine.openStream(options).get()
    #expect(await Self.eventually { announced.count >= 2 })
    // Re-INVITE: the RTP address moves; RTCP stays where a=rtcp said.
    try await stream.setRemote(
      try SocketAddress(ipAddress: "127.0.0.1", port: movedPlusOne.address.port! - 1)
    )
    .get()
    let before = announced.count
    #expect(await Self.eventually { announced.count > before + 1 })
    #expect(plusOne.count == 0)
    #expect(movedPlusOne.count == 0)
    // A new answer without a=rtcp: back to the (moved) RTP port + 1.
    try await stream.setRemote(
      try SocketAddress(ipAddress: "127.0.0.1", port: movedPlusOne.address.port! - 1), rtcp: .some(nil)
    ).get()
    #expect(await Self.eventually { movedPlusOne.count >= 1 })
    let port = stream.localAddress!.port! + 1
    #expect(announced.box.ports.withLock { $0.allSatisfy { $0 == port } })
    try await stream.close().get()
    try await engine.shutdown().get()
    try await announced.channel.close()
    try await plusOne.channel.close()
    try await movedPlusOne.channel.close()
    try await group.shutdownGracefully()
  }
}
