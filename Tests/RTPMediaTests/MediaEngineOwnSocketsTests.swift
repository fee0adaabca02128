import NIOCore
import NIOPosix
import RTPCore
import Testing

@testable import RTPMedia

#if canImport(Glibc)
  import Glibc
#endif

/// The engine's own RTP sockets (`.bind`, `.allocate`) are bare descriptors with no NIO channel,
/// read on readability by the engine's waiter thread (ReadinessWaiter.swift) or on the tick when
/// polling. Real UDP on 127.0.0.1; every wait bounded; no assertion on speed.
@Suite(.serialized) struct MediaEngineOwnSocketsTests {

  /// One datagram from the socket `descriptor` to 127.0.0.1:`port` (a loopback send queues it
  /// at the receiver before it returns).
  static func send(_ bytes: [UInt8], from descriptor: CInt, to port: Int) {
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(port).bigEndian)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = bytes.withUnsafeBytes { raw in
      withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          sendto(descriptor, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
  }

  /// A plain UDP socket standing for the peer, with bounded blocking reads.
  final class Peer {
    let descriptor: CInt
    let port: Int

    init() throws {
      let descriptor = socket(AF_INET, CInt(SOCK_DGRAM.rawValue), 0)
      var address = sockaddr_in()
      address.sin_family = sa_family_t(AF_INET)
      address.sin_addr.s_addr = inet_addr("127.0.0.1")
      let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
      try #require(descriptor >= 0 && bound == 0)
      var size: CInt = 4 << 20
      _ = setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
      self.descriptor = descriptor
      port = try #require(RawRTPSocket.boundAddress(of: descriptor)?.port)
    }

    deinit { close(descriptor) }

    var address: SocketAddress { try! SocketAddress(ipAddress: "127.0.0.1", port: port) }

    func send(_ bytes: [UInt8], to port: Int) {
      MediaEngineOwnSocketsTests.send(bytes, from: descriptor, to: port)
    }

    /// One datagram, or nil after `milliseconds`.
    func receive(milliseconds: CInt) -> [UInt8]? {
      var ready = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
      guard poll(&ready, 1, milliseconds) > 0 else { return nil }
      var buffer = [UInt8](repeating: 0, count: 2048)
      let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
      return count >= 0 ? Array(buffer[0..<count]) : nil
    }
  }

  /// An RTP packet of 160 payload octets of `fill` (0xFF: µ-law silence).
  static func packet(_ sequence: UInt16, fill: UInt8 = 0xFF) throws -> [UInt8] {
    let header = RTPHeader(
      payloadType: 0, sequenceNumber: sequence, timestamp: UInt32(sequence) &* 160, ssrc: 0x5EED)
    return try RTPPacket(header: header, payload: [UInt8](repeating: fill, count: 160)).serialized()
  }

  /// Where /proc/self/fd/N points ("socket:[inode]"), nil when N is not open.
  static func link(of descriptor: CInt) -> String? {
    var buffer = [CChar](repeating: 0, count: 256)
    let count = readlink("/proc/self/fd/\(descriptor)", &buffer, buffer.count - 1)
    guard count > 0 else { return nil }
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
  }

  @Test func aDatagramIsEchoedOnReadabilityWithoutATick() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    // One tick an hour: only tick 0 (at the first open) runs during the test.
    let engine = MediaEngine(
      eventLoop: group.next(),
      configuration: MediaEngineConfiguration(portRange: 42700...42709, tickInterval: .seconds(3600)))
    let peer = try Peer()
    let stream = try await engine.openStream(
      MediaStreamOptions(local: .allocate(host: "127.0.0.1"), remote: peer.address)
    ).get()
    try await stream.echo(.packets(0)).get()
    let port = try #require(stream.localAddress?.port)
    // The first tick has run (tick 0 is due at the open); from now on none is due for an hour.
    for _ in 0..<200 where try await engine.scheduleErrors().get().count < 1 {
      try await Task.sleep(for: .milliseconds(10))
    }
    let ticks = try await engine.scheduleErrors().get().count
    #expect(ticks == 1)
    // A payload no stream of another test sends (they send µ-law silence, 0xFF): the peer's port
    // is an ephemeral one that a test running beside this one may have used just before, and its
    // stream may still be sending there. Only our echo counts; strays are skipped (bounded).
    peer.send(try Self.packet(7, fill: 0x5A), to: port)
    var echoed: [UInt8]?
    for _ in 0..<50 {
      guard let datagram = peer.receive(milliseconds: 5000) else { break }
      if datagram.count > 12 && datagram[12] == 0x5A {
        echoed = datagram
        break
      }
    }
    let echo = try #require(echoed)
    #expect(echo.count == 172)
    #expect(echo[12...].allSatisfy { $0 == 0x5A })
    #expect(try await engine.scheduleErrors().get().count == ticks)
    let statistics = try await stream.statistics().get()
    #expect(
      statistics.packetsReceived == 1,
      "received \(statistics.packetsReceived), echoed \(statistics.packetsEchoed), duplicates \(statistics.duplicates), latched \(statistics.latched)"
    )
    let waiter = try await engine.eventLoop.submit { engine.ownSocketWaiter }.get()
    #expect(waiter != nil)
    try await stream.close().get()
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }

  @Test func shutdownEndsTheWaiterThreadAndClosesEveryDescriptor() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 42710...42719))
    let peer = try Peer()
    var options = MediaStreamOptions(local: .allocate(host: "127.0.0.1"), remote: peer.address)
    options.asymmetric = true
    let first = try await engine.openStream(options).get()
    let second = try await engine.openStream(
      MediaStreamOptions(local: .bind(host: "127.0.0.1", port: 0), remote: peer.address)
    ).get()
    // One datagram each, so that the thread has handed over at least one batch.
    peer.send(try Self.packet(1), to: try #require(first.localAddress?.port))
    peer.send(try Self.packet(1), to: try #require(second.localAddress?.port))
    for _ in 0..<500 {
      let a = try await first.statistics().get().packetsReceived
      let b = try await second.statistics().get().packetsReceived
      if a == 1 && b == 1 { break }
      try await Task.sleep(for: .milliseconds(10))
    }
    #expect(try await first.statistics().get().packetsReceived == 1)
    #expect(try await second.statistics().get().packetsReceived == 1)
    let (waiter, descriptors) = try await engine.eventLoop.submit {
      () -> (ReadinessWaiter?, [CInt]) in
      var descriptors: [CInt] = []
      for id in [first.id, second.id] {
        guard let slot = engine.slot(id) else { continue }
        descriptors += [slot.receive.descriptor, slot.send?.descriptor, slot.rtcp?.descriptor].compactMap {
          $0
        }
      }
      return (engine.ownSocketWaiter, descriptors)
    }.get()
    let running = try #require(waiter)
    // RTP receive and send of the asymmetric stream, its RTCP, the second's RTP and RTCP.
    #expect(descriptors.count == 5)
    let links = descriptors.map { Self.link(of: $0) }
    #expect(links.allSatisfy { $0?.hasPrefix("socket:") == true })
    let threadID = try await engine.eventLoop.submit { running.threadID }.get()
    #expect(threadID > 0)
    var thread = stat()
    #expect(stat("/proc/self/task/\(threadID)", &thread) == 0)

    try await engine.shutdown().get()
    #expect(try await engine.eventLoop.submit { running.isStopped }.get())
    #expect(stat("/proc/self/task/\(threadID)", &thread) != 0)
    // A descriptor number may be reused at once by another test's socket, but never the socket.
    for (descriptor, before) in zip(descriptors, links) {
      #expect(Self.link(of: descriptor) != before)
    }
    // Nothing opens after a shutdown, and no new thread starts.
    await #expect(throws: MediaError.self) {
      try await engine.openStream(MediaStreamOptions(local: .allocate(host: "127.0.0.1"))).get()
    }
    #expect(try await engine.eventLoop.submit { engine.ownSocketWaiter === running }.get())
    try await group.shutdownGracefully()
  }

  @Test(arguments: [false, true]) func aBurstLargerThanOneReadBatchIsReadCompletely(polled: Bool) async throws
  {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(),
      configuration: MediaEngineConfiguration(
        portRange: 42720...42729, vectorReadCount: 4, pollsOnTick: polled))
    let peer = try Peer()
    let stream = try await engine.openStream(
      MediaStreamOptions(local: .allocate(host: "127.0.0.1"), remote: peer.address)
    ).get()
    let port = try #require(stream.localAddress?.port)
    // 300 datagrams at once: 75 reads of 4, more than one hand-off's 8 reads per socket.
    let burst = 300
    for sequence in 0..<burst { peer.send(try Self.packet(UInt16(sequence)), to: port) }
    var received: UInt64 = 0
    for _ in 0..<500 where received < UInt64(burst) {
      try await Task.sleep(for: .milliseconds(10))
      received = try await stream.statistics().get().packetsReceived
    }
    #expect(received == UInt64(burst))
    try await stream.close().get()
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }

  @Test func icmpErrorsOnTheSocketAreIgnored() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 42730...42739))
    // A port nobody listens on: every packet sent there comes back as ICMP port unreachable,
    // reported as an error on the socket (readable, then ECONNREFUSED on the next read).
    let closed: Int
    do {
      let gone = try Peer()
      closed = gone.port
    }
    let stream = try await engine.openStream(
      MediaStreamOptions(
        local: .allocate(host: "127.0.0.1"), remote: try SocketAddress(ipAddress: "127.0.0.1", port: closed),
        source: .silence)
    ).get()
    try await Task.sleep(for: .milliseconds(200))
    let sent = try await stream.statistics().get().packetsSent
    #expect(sent > 0)
    // The stream still receives, and still sends on its ticks.
    let peer = try Peer()
    peer.send(try Self.packet(3), to: try #require(stream.localAddress?.port))
    var received: UInt64 = 0
    for _ in 0..<500 where received < 1 {
      try await Task.sleep(for: .milliseconds(10))
      received = try await stream.statistics().get().packetsReceived
    }
    #expect(received == 1)
    var sentSince = sent
    for _ in 0..<500 where sentSince <= sent {
      try await Task.sleep(for: .milliseconds(10))
      sentSince = try await stream.statistics().get().packetsSent
    }
    #expect(sentSince > sent)
    try await stream.close().get()
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }

  @Test func aPortAskedForByNumberTakesItFromAParkedSocket() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 42740...42749))
    let parked = try await engine.openSocket(host: "127.0.0.1").get()
    let port = try #require(parked.localAddress?.port)
    try await engine.closeSocket(parked).get()
    #expect(parked.isOpen)
    // The resting socket gives way to a stream bound to its port by number.
    let peer = try Peer()
    let stream = try await engine.openStream(
      MediaStreamOptions(local: .bind(host: "127.0.0.1", port: port), remote: peer.address)
    ).get()
    #expect(!parked.isOpen)
    #expect(stream.localAddress?.port == port)
    peer.send(try Self.packet(5), to: port)
    var received: UInt64 = 0
    for _ in 0..<500 where received < 1 {
      try await Task.sleep(for: .milliseconds(10))
      received = try await stream.statistics().get().packetsReceived
    }
    #expect(received == 1)
    try await stream.close().get()
    try await engine.shutdown().get()
    try await group.shutdownGracefully()
  }
}
