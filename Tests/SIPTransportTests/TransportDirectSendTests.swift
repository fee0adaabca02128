import Foundation
import NIOCore
import NIOPosix
import SIPCore
import SIPProtocol
import Testing

@testable import SIPTransport

#if canImport(Glibc)
  import Glibc
#endif

/// UDP legs send on their own descriptors (SIPDatagramOutbox): datagrams leave from the leg's
/// address, a full socket hands them to NIO in order, another error drops one datagram only,
/// and the trace still shows every message.
@Suite(.serialized) struct TransportDirectSendTests {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }
  /// A sender whose requests are not retransmitted while a test looks (T1 = 10 s).
  static let quiet = SIPTransportConfiguration(
    timers: TimerSettings(t1: .seconds(10), t2: .seconds(20), t4: .seconds(20)))

  /// A UDP socket that records each datagram with its source address.
  final class Recorder: @unchecked Sendable {
    // @unchecked: `received` is guarded by the lock.
    private let lock = NSLock()
    private var received: [(source: SocketAddress, text: String)] = []
    var channel: (any Channel)?

    final class Handler: ChannelInboundHandler, Sendable {
      typealias InboundIn = AddressedEnvelope<ByteBuffer>
      let recorder: Recorder
      init(_ recorder: Recorder) { self.recorder = recorder }
      func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let text = String(decoding: envelope.data.readableBytesView, as: UTF8.self)
        recorder.lock.withLock { recorder.received.append((envelope.remoteAddress, text)) }
      }
    }

    init(group: any EventLoopGroup, host: String) throws {
      channel = try DatagramBootstrap(group: group)
        .channelInitializer { [self] channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(Handler(self))
          }
        }
        .bind(host: host, port: 0).wait()
    }

    var datagrams: [(source: SocketAddress, text: String)] { lock.withLock { received } }
    var port: Int { channel?.localAddress?.port ?? 0 }

    /// The bodies of the MESSAGE requests received, in arrival order.
    var bodies: [String] {
      datagrams.compactMap { datagram in
        guard datagram.text.hasPrefix("MESSAGE"), let range = datagram.text.range(of: "\r\n\r\n") else {
          return nil
        }
        return String(datagram.text[range.upperBound...])
      }
    }

    func send(_ text: String, host: String, port: Int) throws {
      let address = try SocketAddress(ipAddress: host, port: port)
      try channel?.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: text)))
        .wait()
    }

    func close() { _ = channel?.close() }
  }

  /// The requests a handler was given, with their transactions.
  final class Delivered: @unchecked Sendable {
    // @unchecked: `requests` is guarded by the lock.
    private let lock = NSLock()
    private var requests: [(TransactionID, SIPMessage)] = []
    func append(_ request: (TransactionID, SIPMessage)) { lock.withLock { requests.append(request) } }
    var all: [(TransactionID, SIPMessage)] { lock.withLock { requests } }
  }

  /// The trace's blocks, in order.
  final class TraceLines: @unchecked Sendable {
    // @unchecked: `lines` is guarded by the lock.
    private let lock = NSLock()
    private var lines: [String] = []
    func append(_ line: String) { lock.withLock { lines.append(line) } }
    var all: [String] { lock.withLock { lines } }
  }

  /// Sends MESSAGEs with `bodies` to the recorder in one loop turn (they share one flush).
  func sendBurst(from peer: TransportPeer, to recorder: Recorder, host: String, _ bodies: [String]) throws {
    let h = host.contains(":") ? "[\(host)]" : host
    let requests = try bodies.map { try makeRequest("MESSAGE", to: "sip:r@\(h):\(recorder.port)", body: $0) }
    try peer.on {
      for request in requests { peer.transport.sendRequest(request) { _ in } }
    }
  }

  /// A UDP peer on `host` that answers every request with 200 OK, and a recorder whose request
  /// it has answered (the answer is the recorder's first datagram). The caller closes both.
  func answeredRequest(
    host: String, configuration: SIPTransportConfiguration = .init(validator: messageValidator)
  ) throws -> (peer: TransportPeer, port: Int, recorder: Recorder) {
    let peer = try TransportPeer(loop: loop, configuration: configuration)
    do {
      let (_, port) = try peer.bind(.udp, host)
      peer.answer = TransportPeer.okAnswer()
      let recorder = try Recorder(group: Self.group, host: host)
      do {
        try recorder.send(rawMessage(to: host, port: port, from: recorder.port), host: host, port: port)
      } catch {
        recorder.close()
        throw error
      }
      #expect(eventually { recorder.datagrams.count == 1 })
      return (peer, port, recorder)
    } catch {
      try? peer.close()
      throw error
    }
  }

  @Test(arguments: ["127.0.0.1", "::1"])
  func answerLeavesFromTheLegsAddressWithoutNIO(host: String) throws {
    let (b, portB, recorder) = try answeredRequest(host: host)
    defer {
      recorder.close()
      try? b.close()
    }
    let answer = try #require(recorder.datagrams.first)
    #expect(answer.text.hasPrefix("SIP/2.0 200"))
    #expect(answer.source.port == portB)
    #expect(answer.source.ipAddress == (try SocketAddress(ipAddress: host, port: 0)).ipAddress)
    #expect(try b.on { b.transport.outbox.sentDirectly } == 1)
    #expect(try b.on { b.transport.statistics.datagramsQueuedInNIO } == 0)
  }

  /// A request answered later by its transaction id (as a script answers an INVITE): the
  /// answers go back to the packet's source through the route kept with the transaction, which is
  /// dropped at the final response (a finished transaction keeps no more than before).
  @Test(arguments: ["127.0.0.1", "::1"])
  func aLaterAnswerByTransactionIDUsesTheRequestsRouteUntilTheFinalResponse(host: String) throws {
    let b = try TransportPeer(loop: loop, configuration: .init(validator: messageValidator))
    defer { try? b.close() }
    let (_, portB) = try b.bind(.udp, host)
    let delivered = Delivered()
    try b.on {
      b.transport.requestHandler = { request in
        delivered.append((request.transaction, request.message))
      }
    }
    let recorder = try Recorder(group: Self.group, host: host)
    defer { recorder.close() }
    try recorder.send(rawMessage(to: host, port: portB, from: recorder.port), host: host, port: portB)
    #expect(eventually { delivered.all.count == 1 })
    let (id, request) = try #require(delivered.all.first)
    // Unanswered: the route waits with the transaction.
    #expect(try b.on { b.transport.transactionLegs[id]?.reply != nil })
    try b.on { b.transport.respond(request.makeResponse(statusCode: 180, toTag: "t1"), to: id) }
    #expect(eventually { recorder.datagrams.count == 1 })
    #expect(try b.on { b.transport.transactionLegs[id]?.reply != nil })
    try b.on { b.transport.respond(request.makeResponse(statusCode: 200, toTag: "t1"), to: id) }
    #expect(eventually { recorder.datagrams.count == 2 })
    let answers = recorder.datagrams
    #expect(answers.map { String($0.text.prefix(11)) } == ["SIP/2.0 180", "SIP/2.0 200"])
    for answer in answers {
      #expect(answer.source.port == portB)
      #expect(answer.source.ipAddress == (try SocketAddress(ipAddress: host, port: 0)).ipAddress)
      #expect(answer.text.contains(";rport=\(recorder.port)"))
    }
    // Sent straight (no resolution of the Via), and the route is gone with the final response
    // while the leg stays for the transaction's retransmissions.
    #expect(try b.on { b.transport.outbox.sentDirectly } == 2)
    #expect(try b.on { b.transport.transactionLegs[id]?.reply == nil })
    #expect(try b.on { b.transport.transactionLegs[id] != nil })
  }

  /// A request answered while it is read keeps no route after its final response either.
  @Test func anAnswerWhileReadingDropsTheRoute() throws {
    let (b, _, recorder) = try answeredRequest(host: "127.0.0.1")
    defer {
      recorder.close()
      try? b.close()
    }
    #expect(try b.on { b.transport.transactionLegs.count } == 1)
    #expect(try b.on { b.transport.transactionLegs.values.allSatisfy { $0.reply == nil } })
  }

  @Test func aBurstLeavesInOrderFromOneFlush() throws {
    let a = try TransportPeer(loop: loop, configuration: Self.quiet)
    defer { try? a.close() }
    _ = try a.bind(.udp, "127.0.0.1")
    let recorder = try Recorder(group: Self.group, host: "127.0.0.1")
    defer { recorder.close() }
    let bodies = (1...5).map { "m\($0)" }
    try sendBurst(from: a, to: recorder, host: "127.0.0.1", bodies)
    #expect(eventually { recorder.bodies.count == 5 })
    #expect(recorder.bodies == bodies)
    #expect(try a.on { a.transport.outbox.sentDirectly } == 5)
  }

  @Test func aFullSocketHandsTheBurstToNIOInOrder() throws {
    let a = try TransportPeer(loop: loop, configuration: Self.quiet)
    defer { try? a.close() }
    _ = try a.bind(.udp, "127.0.0.1")
    let recorder = try Recorder(group: Self.group, host: "127.0.0.1")
    defer { recorder.close() }
    // The first attempt (the burst's sendmmsg) finds the socket full.
    try a.on { a.transport.outbox.simulatedErrors = [EAGAIN] }
    try sendBurst(from: a, to: recorder, host: "127.0.0.1", ["one", "two", "three"])
    #expect(eventually { recorder.bodies.count == 3 })
    #expect(recorder.bodies == ["one", "two", "three"])
    #expect(try a.on { a.transport.statistics.datagramsQueuedInNIO } == 3)
    #expect(try a.on { a.transport.outbox.sentDirectly } == 0)
    // Once NIO has written them, the leg sends directly again.
    #expect(try a.on { a.transport.legs[0].datagramsInNIO } == 0)
    try sendBurst(from: a, to: recorder, host: "127.0.0.1", ["four"])
    #expect(eventually { recorder.bodies.contains("four") })
    #expect(try a.on { a.transport.outbox.sentDirectly } == 1)
    #expect(try a.on { a.transport.statistics.datagramsQueuedInNIO } == 3)
  }

  @Test func whileNIOHoldsDatagramsTheLegsNextOnesQueueBehindThem() throws {
    let a = try TransportPeer(loop: loop, configuration: Self.quiet)
    defer { try? a.close() }
    _ = try a.bind(.udp, "127.0.0.1")
    let recorder = try Recorder(group: Self.group, host: "127.0.0.1")
    defer { recorder.close() }
    // As if an earlier datagram still waited in NIO's queue for the socket to drain.
    try a.on { a.transport.legs[0].datagramsInNIO = 1 }
    try sendBurst(from: a, to: recorder, host: "127.0.0.1", ["after"])
    #expect(eventually { recorder.bodies.contains("after") })
    #expect(try a.on { a.transport.statistics.datagramsQueuedInNIO } == 1)
    #expect(try a.on { a.transport.outbox.sentDirectly } == 0)
    #expect(try a.on { a.transport.legs[0].datagramsInNIO } == 1)
  }

  @Test func anotherSendErrorDropsThatDatagramOnly() throws {
    let a = try TransportPeer(loop: loop, configuration: Self.quiet)
    defer { try? a.close() }
    _ = try a.bind(.udp, "127.0.0.1")
    let recorder = try Recorder(group: Self.group, host: "127.0.0.1")
    defer { recorder.close() }
    try a.on { a.transport.outbox.simulatedErrors = [EMSGSIZE] }
    try sendBurst(from: a, to: recorder, host: "127.0.0.1", ["lost", "kept1", "kept2"])
    #expect(eventually { recorder.bodies.count == 2 })
    Thread.sleep(forTimeInterval: 0.1)
    // "lost" would come back only as Timer E's retransmission (T1 later).
    #expect(recorder.bodies == ["kept1", "kept2"])
    #expect(try a.on { a.transport.outbox.sentDirectly } == 2)
    #expect(try a.on { a.transport.statistics.datagramsQueuedInNIO } == 0)
  }

  @Test func theTraceShowsEveryMessageSentDirectly() throws {
    let lines = TraceLines()
    let (b, portB, recorder) = try answeredRequest(
      host: "127.0.0.1",
      configuration: .init(validator: messageValidator, trace: { line in lines.append(line) }))
    defer {
      recorder.close()
      try? b.close()
    }
    let trace = lines.all
    #expect(trace.count == 2)
    #expect(trace.first?.hasPrefix("--- recv UDP udp:127.0.0.1:\(portB) <- ") == true)
    #expect(trace.last?.hasPrefix("--- send UDP udp:127.0.0.1:\(portB) -> ") == true)
    #expect(trace.last?.contains(":\(recorder.port) (") == true)
    #expect(trace.last?.contains("SIP/2.0 200") == true)
    #expect(try b.on { b.transport.outbox.sentDirectly } == 1)
  }

  @Test func aClosedTransportSendsNothingAndKeepsNoDescriptor() throws {
    let a = try TransportPeer(loop: loop)
    _ = try a.bind(.udp, "127.0.0.1")
    let leg = try a.on { NIOLoopBound(a.transport.legs[0], eventLoop: a.loop) }
    #expect(try a.on { leg.value.descriptor } >= 0)
    try a.close()
    #expect(eventually { (try? a.on { leg.value.descriptor }) == -1 })
  }
}
