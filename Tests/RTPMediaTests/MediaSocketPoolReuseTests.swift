import NIOCore
import NIOPosix
import RTPCore
import Testing

@testable import RTPMedia

#if canImport(Glibc)
  import Glibc
#endif

/// How the socket pool reuses sockets without system calls of its own: a resting socket stays in
/// the engine's readiness set (what reaches it meanwhile is dropped), and a full pool hands out
/// its oldest socket at once. Real UDP on 127.0.0.1; every wait bounded; no assertion on speed.
@Suite(.serialized) struct MediaSocketPoolReuseTests {
  typealias Peer = MediaEngineOwnSocketsTests.Peer

  /// Datagrams waiting on `descriptor` (FIONREAD would count bytes; a peek says whether any).
  static func hasDatagram(_ descriptor: CInt) -> Bool {
    var byte: UInt8 = 0
    return recv(descriptor, &byte, 1, CInt(MSG_PEEK | MSG_DONTWAIT)) >= 0
  }

  @Test(arguments: [false, true])
  func aRestingSocketStaysWatchedDropsWhatArrivesAndServesTheNextStream(polled: Bool) async throws {
    #if os(Linux)
      let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
      let engine = MediaEngine(
        eventLoop: group.next(),
        configuration: MediaEngineConfiguration(portRange: 42640...42641, pollsOnTick: polled))
      let peer = try Peer()
      let socket = try await engine.openSocket(host: "127.0.0.1").get()
      let port = try #require(socket.localAddress?.port)
      var options = MediaStreamOptions(local: .socket(socket), remote: peer.address, source: .none)
      options.rtcp = true
      let first = try await engine.openStream(options).get()
      let watchedBy = try await engine.eventLoop.submit { (socket.watchedBy != nil) }.get()
      #expect(watchedBy)
      try await first.close().get()
      try await engine.closeSocket(socket).get()
      // Resting, still in the set: no epoll_ctl on the way out (or in again below).
      let resting = try await engine.eventLoop.submit { (socket.parked, socket.watchedBy != nil) }.get()
      #expect(resting.0 && resting.1)
      // A late packet of the old call: the engine reads and drops it while the socket rests (the
      // waiter reports it at once; polling, the tick of a live stream would; here the next
      // stream's drain does).
      peer.send(try MediaEngineOwnSocketsTests.packet(99), to: port)
      if !polled {
        var waiting = true
        for _ in 0..<200 where waiting {
          try await Task.sleep(for: .milliseconds(10))
          waiting = Self.hasDatagram(socket.descriptor)
        }
        #expect(!waiting)
      }
      // The range has no other port: the resting socket serves the next call.
      let again = try await engine.openSocket(host: "127.0.0.1").get()
      #expect(again === socket)
      // The new call's peer sends before the stream opens (early media): that is the call's, and
      // waits for the stream (the socket leaves the set meanwhile instead of being emptied).
      for sequence in UInt16(0)..<3 { peer.send(try MediaEngineOwnSocketsTests.packet(sequence), to: port) }
      try await Task.sleep(for: .milliseconds(100))
      let second = try await engine.openStream(options).get()
      var received: UInt64 = 0
      for _ in 0..<200 where received < 3 {
        try await Task.sleep(for: .milliseconds(10))
        received = try await second.statistics().get().packetsReceived
      }
      // The three of this call, not the old one.
      #expect(received == 3)
      try await second.close().get()
      try await engine.closeSocket(socket).get()
      try await engine.shutdown().get()
      #expect(!socket.isOpen)
      #expect(socket.watchedBy == nil)
      try await group.shutdownGracefully()
    #endif
  }

  @Test func aFullPoolHandsOutItsOldestSocketAtOnce() async throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let engine = MediaEngine(
      eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 42650...42679))
    // A quiet period no slow run can outlast: the resting sockets below stay "recent".
    try await engine.eventLoop.submit {
      engine.socketPool.capacity = 2
      engine.socketPool.quietPeriod = .seconds(600)
    }.get()
    var sockets: [RawRTPSocket] = []
    for _ in 0..<3 { sockets.append(try await engine.openSocket(host: "127.0.0.1").get()) }
    for socket in sockets { try await engine.closeSocket(socket).get() }
    // Three given back, two rest: the oldest was closed and its port freed.
    #expect(!sockets[0].isOpen)
    #expect(sockets[1].isOpen && sockets[2].isOpen)
    #expect(try await engine.eventLoop.submit { engine.socketPool.rtp.count }.get() == 2)
    // Free ports remain and nothing rested 2 s, but the pool is full: its oldest comes back.
    let next = try await engine.openSocket(host: "127.0.0.1").get()
    #expect(next === sockets[1])
    // Not full any more: a new socket on a free port, the resting one waits its quiet period.
    let other = try await engine.openSocket(host: "127.0.0.1").get()
    #expect(other !== sockets[2])
    #expect(other.localAddress?.port != sockets[2].localAddress?.port)
    #expect(try await engine.reservedPortCount().get() == 2)
    try await engine.closeSocket(next).get()
    try await engine.closeSocket(other).get()
    try await engine.shutdown().get()
    #expect(sockets.allSatisfy { !$0.isOpen })
    #expect(!other.isOpen)
    try await group.shutdownGracefully()
  }

  @Test func aRestingRTCPSocketStaysWatchedAndIsTakenAgain() async throws {
    #if os(Linux)
      let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
      let engine = MediaEngine(
        eventLoop: group.next(), configuration: MediaEngineConfiguration(portRange: 42680...42681))
      let peer = try Peer()
      var rtcpSockets: [ObjectIdentifier] = []
      for _ in 0..<2 {
        let socket = try await engine.openSocket(host: "127.0.0.1").get()
        var options = MediaStreamOptions(local: .socket(socket), remote: peer.address, source: .none)
        options.rtcp = true
        let stream = try await engine.openStream(options).get()
        let rtcp = try await engine.eventLoop.submit { () -> (ObjectIdentifier?, Bool) in
          let socket = engine.socketPoolRTCPForTests(port: 42681)
          return (socket.map(ObjectIdentifier.init), socket?.watchedBy != nil)
        }.get()
        // In use: not in the pool's table, watched.
        #expect(rtcp.0 == nil)
        try await stream.close().get()
        try await engine.closeSocket(socket).get()
        let parked = try await engine.eventLoop.submit { () -> (ObjectIdentifier?, Bool) in
          let socket = engine.socketPoolRTCPForTests(port: 42681)
          return (socket.map(ObjectIdentifier.init), socket?.watchedBy != nil)
        }.get()
        // Resting beside its RTP socket, still in the RTCP set.
        #expect(parked.1)
        if let id = parked.0 { rtcpSockets.append(id) }
      }
      // The second stream took the first one's RTCP socket again.
      #expect(rtcpSockets.count == 2 && rtcpSockets[0] == rtcpSockets[1])
      try await engine.shutdown().get()
      try await group.shutdownGracefully()
    #endif
  }
}

extension MediaEngine {
  /// The RTCP socket resting on `port`, if any (tests; on the loop).
  func socketPoolRTCPForTests(port: Int) -> RTCPSocket? { socketPool.rtcp[port] }
}
