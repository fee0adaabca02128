import NIOCore
import NIOPosix
import RTPCore
import Testing

@testable import RTPMedia

#if canImport(Glibc)
  import Glibc
#endif

/// The pool hands a resting socket out without a system call (no `recv` to empty it): the kernel
/// stamps what the socket receives, and the next stream's first reads drop what arrived before
/// the hand-out. These tests put an old call's datagram in the kernel just before the hand-out, in
/// the same task of the engine's loop, so that the readiness set cannot have reported (and
/// dropped) it yet. Real UDP on 127.0.0.1; every wait bounded; no assertion on speed.
@Suite(.serialized) struct MediaSocketPoolHandOutTests {
  typealias Peer = MediaEngineOwnSocketsTests.Peer

  static func hasDatagram(_ descriptor: CInt) -> Bool {
    MediaSocketPoolReuseTests.hasDatagram(descriptor)
  }

  /// A compound RTCP packet (an empty receiver report) of the peer's source.
  static func report() throws -> [UInt8] {
    try RTCPPacket.serializeCompound([.receiverReport(RTCPReceiverReport(ssrc: 0x5EED))])
  }

  @Test(arguments: [false, true])
  func anOldCallsPacketThatArrivesJustBeforeTheHandOutNeverReachesTheNextCall(polled: Bool) async throws {
    #if os(Linux)
      let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
      let engine = MediaEngine(
        eventLoop: group.next(),
        configuration: MediaEngineConfiguration(portRange: 46300...46301, pollsOnTick: polled))
      let peer = try Peer()
      let socket = try await engine.openSocket(host: "127.0.0.1").get()
      let port = try #require(socket.localAddress?.port)
      #expect(try await engine.eventLoop.submit { socket.stampsArrivals }.get())
      let options = MediaStreamOptions(local: .socket(socket), remote: peer.address, source: .none)
      let first = try await engine.openStream(options).get()
      try await first.close().get()
      try await engine.closeSocket(socket).get()
      // One task of the loop: the old call's packet is queued in the kernel (a loopback send
      // delivers before it returns), then the range's only port is handed out again.
      let from = peer.descriptor
      let old = try MediaEngineOwnSocketsTests.packet(99, fill: 0x11)
      let handedOut = try await engine.eventLoop.submit { () throws -> (Bool, Bool, Bool) in
        MediaEngineOwnSocketsTests.send(old, from: from, to: port)
        let queued = Self.hasDatagram(socket.descriptor)
        let again = try engine.openSocketNow(host: "127.0.0.1", port: nil).get()
        return (queued, again === socket, Self.hasDatagram(socket.descriptor))
      }.get()
      try #require(handedOut.0, "the old packet was not queued before the hand-out: nothing to test")
      #expect(handedOut.1)
      // No `recv` at the hand-out: the old packet still waits in the kernel.
      #expect(handedOut.2)
      // The new call's own packets, some before its stream opens (early media), some after.
      for sequence in UInt16(0)..<2 { peer.send(try MediaEngineOwnSocketsTests.packet(sequence), to: port) }
      try await Task.sleep(for: .milliseconds(50))
      let second = try await engine.openStream(options).get()
      peer.send(try MediaEngineOwnSocketsTests.packet(2), to: port)
      var received: UInt64 = 0
      for _ in 0..<200 where received < 3 {
        try await Task.sleep(for: .milliseconds(10))
        received = try await second.statistics().get().packetsReceived
      }
      try await Task.sleep(for: .milliseconds(100))
      let statistics = try await second.statistics().get()
      // The three of this call, not the old one (its sequence number would count as a jump).
      #expect(statistics.packetsReceived == 3)
      #expect(statistics.bytesReceived == 3 * 160)
      #expect(!Self.hasDatagram(socket.descriptor))
      // Read once: the mark is gone, later packets are read as they come.
      #expect(try await engine.eventLoop.submit { socket.staleBefore == nil }.get())
      try await second.close().get()
      try await engine.closeSocket(socket).get()
      try await engine.shutdown().get()
      try await group.shutdownGracefully()
    #endif
  }

  @Test func anOldCallsRTCPReportThatArrivesJustBeforeTheHandOutNeverReachesTheNextCall() async throws {
    #if os(Linux)
      let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
      let engine = MediaEngine(
        eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 46310...46311))
      let peer = try Peer()
      let socket = try await engine.openSocket(host: "127.0.0.1").get()
      let port = try #require(socket.localAddress?.port)
      var withRTCP = MediaStreamOptions(local: .socket(socket), remote: peer.address, source: .none)
      withRTCP.rtcp = true
      let options = withRTCP
      let first = try await engine.openStream(options).get()
      try await first.close().get()
      try await engine.closeSocket(socket).get()
      let resting = try await engine.eventLoop.submit { () -> (CInt, Bool)? in
        engine.socketPoolRTCPForTests(port: port + 1).map { ($0.descriptor, $0.stampsArrivals) }
      }.get()
      let rtcp = try #require(resting?.0)
      #expect(resting?.1 == true)
      // One task of the loop: the old call's report is queued, then the socket pair is handed
      // out and the next stream opened on it (it takes the resting RTCP socket).
      let report = try Self.report()
      let from = peer.descriptor
      let opened = try await engine.eventLoop.submit { () throws -> (Bool, Bool, MediaStream?) in
        MediaEngineOwnSocketsTests.send(report, from: from, to: port + 1)
        let queued = Self.hasDatagram(rtcp)
        let again = try engine.openSocketNow(host: "127.0.0.1", port: nil).get()
        guard again === socket, case .opened(let stream) = engine.openStreamOnLoop(options) else {
          return (queued, false, nil)
        }
        return (queued, Self.hasDatagram(rtcp), stream)
      }.get()
      try #require(opened.0, "the old report was not queued before the hand-out: nothing to test")
      // No `recv` at the hand-out: the old report still waits in the kernel.
      #expect(opened.1)
      let second = try #require(opened.2)
      // The tick reads the RTCP socket: the old report is dropped.
      for _ in 0..<30 where Self.hasDatagram(rtcp) {
        try await Task.sleep(for: .milliseconds(10))
      }
      #expect(!Self.hasDatagram(rtcp))
      #expect(try await second.statistics().get().rtcpReceived == 0)
      // A report of the new call counts.
      peer.send(report, to: port + 1)
      var received: UInt64 = 0
      for _ in 0..<200 where received < 1 {
        try await Task.sleep(for: .milliseconds(10))
        received = try await second.statistics().get().rtcpReceived
      }
      #expect(received == 1)
      try await second.close().get()
      try await engine.closeSocket(socket).get()
      try await engine.shutdown().get()
      try await group.shutdownGracefully()
    #endif
  }

  @Test func aSocketWithoutStampsIsEmptiedAtTheHandOut() async throws {
    #if os(Linux)
      let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
      let engine = MediaEngine(
        eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 46320...46321))
      let peer = try Peer()
      let socket = try await engine.openSocket(host: "127.0.0.1").get()
      let port = try #require(socket.localAddress?.port)
      try await engine.closeSocket(socket).get()
      let from = peer.descriptor
      let old = try MediaEngineOwnSocketsTests.packet(99)
      let emptied = try await engine.eventLoop.submit { () throws -> (Bool, Bool) in
        socket.disableArrivalStampsForTests()
        MediaEngineOwnSocketsTests.send(old, from: from, to: port)
        let queued = Self.hasDatagram(socket.descriptor)
        let again = try engine.openSocketNow(host: "127.0.0.1", port: nil).get()
        return (queued && again === socket, Self.hasDatagram(socket.descriptor) || socket.staleBefore != nil)
      }.get()
      try #require(emptied.0)
      #expect(!emptied.1)
      try await engine.closeSocket(socket).get()
      try await engine.shutdown().get()
      try await group.shutdownGracefully()
    #endif
  }
}

extension RawRTPSocket {
  /// As if the kernel had refused `SO_TIMESTAMPNS` (tests).
  func disableArrivalStampsForTests() { stampsArrivals = false }
}

/// When a new call takes the oldest resting socket before its quiet period is over.
@Suite struct MediaSocketPoolFullnessTests {
  @Test func aPoolCountsAsFullAnEighthBelowItsCapacityAtMost256Sockets() {
    // Small pools (tests): full at capacity only.
    #expect(MediaSocketPool.isNearlyFull(resting: 2, capacity: 2))
    #expect(!MediaSocketPool.isNearlyFull(resting: 1, capacity: 2))
    #expect(MediaSocketPool.isNearlyFull(resting: 14, capacity: 16))
    #expect(!MediaSocketPool.isNearlyFull(resting: 13, capacity: 16))
    // 20,000 descriptors: 2,500 pairs, full from 2,244.
    #expect(MediaSocketPool.isNearlyFull(resting: 2_244, capacity: 2_500))
    #expect(!MediaSocketPool.isNearlyFull(resting: 2_243, capacity: 2_500))
    #expect(MediaSocketPool.isNearlyFull(resting: 7_936, capacity: 8_192))
    #expect(!MediaSocketPool.isNearlyFull(resting: 7_935, capacity: 8_192))
  }
}
