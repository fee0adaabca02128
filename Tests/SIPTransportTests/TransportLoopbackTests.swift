import Foundation
import NIOCore
import NIOPosix
import SIPCore
import SIPProtocol
import Testing

@testable import SIPTransport

/// Two transports on loopback (127.0.0.1 and ::1, UDP and TCP): requests, responses, Via
/// stamping, the core's OPTIONS answer, retransmissions, framing, reuse and limits.
@Suite(.serialized) struct TransportLoopbackTests {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }

  static let cases: [(SIPLeg.Transport, String)] = [
    (.udp, "127.0.0.1"), (.udp, "::1"), (.tcp, "127.0.0.1"), (.tcp, "::1"),
  ]

  @Test(arguments: cases)
  func requestAndResponse(transport: SIPLeg.Transport, host: String) throws {
    let a = try TransportPeer(loop: loop)
    let b = try TransportPeer(loop: loop, configuration: .init(validator: messageValidator))
    defer {
      try? a.close()
      try? b.close()
    }
    let (_, portA) = try a.bind(transport, host)
    let (_, portB) = try b.bind(transport, host)
    #expect(portA > 0 && portB > 0 && portA != portB)
    b.answer = TransportPeer.okAnswer()
    let h = host.contains(":") ? "[\(host)]" : host
    let uri = "sip:b@\(h):\(portB)" + (transport == .tcp ? ";transport=tcp" : "")
    let result = try a.send(try makeRequest("MESSAGE", to: uri, body: "hi"))
    let response = try result.get()
    #expect(response.statusCode == 200)
    #expect(response.header("X-Answered-By") == "peer")
    let received = try #require(b.requests.first)
    #expect(received.body == Array("hi".utf8))
    // RFC 3581 §4: the UAS filled in rport and received.
    let via = try #require(received.topVia)
    #expect(via.transport == transport.viaName)
    #expect(via.port == portA)
    #expect(via.received == host)
    #expect(via.rport == .port(portA) || transport == .tcp)
    if transport == .tcp {
      #expect(try a.on { a.transport.connectionCount } == 1)
      #expect(try b.on { b.transport.connectionCount } == 1)
    }
  }

  @Test(arguments: cases)
  func optionsIsAnsweredByTheCore(transport: SIPLeg.Transport, host: String) throws {
    let a = try TransportPeer(loop: loop)
    let b = try TransportPeer(loop: loop)
    defer {
      try? a.close()
      try? b.close()
    }
    _ = try a.bind(transport, host)
    let (_, portB) = try b.bind(transport, host)
    let h = host.contains(":") ? "[\(host)]" : host
    let response = try a.send(
      try makeRequest("OPTIONS", to: "sip:b@\(h):\(portB)" + (transport == .tcp ? ";transport=tcp" : ""))
    ).get()
    #expect(response.statusCode == 200)
    #expect(response.allow.contains("INVITE"))
    #expect(b.requests.isEmpty)  // answered below the TU (RFC 3261 §11.2)
    // A method nobody handles: 405 with Allow (§8.2.1).
    let refused = try a.send(
      try makeRequest(
        "MESSAGE", to: "sip:b@\(h):\(portB)" + (transport == .tcp ? ";transport=tcp" : ""), body: "x")
    ).get()
    #expect(refused.statusCode == 405)
    #expect(refused.hasHeader("Allow"))
  }

  @Test func retransmissionsAreAbsorbed() throws {
    let b = try TransportPeer(loop: loop, configuration: .init(validator: messageValidator))
    defer { try? b.close() }
    let (_, portB) = try b.bind(.udp, "127.0.0.1")
    b.answer = TransportPeer.okAnswer()
    let raw = try RawSocket.udp(group: Self.group, host: "127.0.0.1")
    defer { _ = raw.channel?.close() }
    let local = raw.channel?.localAddress?.port ?? 0
    let text = rawMessage(to: "127.0.0.1", port: portB, from: local)
    for _ in 0..<3 { try raw.sendDatagram(text, host: "127.0.0.1", port: portB) }
    // Each copy gets the response (RFC 3261 §17.2.2), the TU sees the request once.
    #expect(eventually { raw.datagrams.count == 3 })
    #expect(b.requests.count == 1)
    #expect(raw.datagrams.allSatisfy { $0.hasPrefix("SIP/2.0 200 OK\r\n") })
    // The response went to the source port (rport), and says so in Via.
    #expect(raw.datagrams.first?.contains(";rport=\(local)") == true)
  }

  @Test func tcpFramingAcrossReadsAndSeveralMessagesInOneRead() throws {
    let b = try TransportPeer(loop: loop, configuration: .init(validator: messageValidator))
    defer { try? b.close() }
    let (_, portB) = try b.bind(.tcp, "127.0.0.1")
    b.answer = TransportPeer.okAnswer()
    let raw = try RawSocket.tcp(group: Self.group, host: "127.0.0.1", port: portB)
    defer { _ = raw.channel?.close() }
    let local = raw.channel?.localAddress?.port ?? 0
    let first = rawMessage(
      to: "127.0.0.1", port: portB, transport: "TCP", from: local, branch: "z9hG4bKt1", callID: "c1")
    let bytes = Array(first.utf8)
    // One message in three writes, cut inside the start line and inside the body.
    for range in [0..<10, 10..<(bytes.count - 2), (bytes.count - 2)..<bytes.count] {
      try raw.write(String(decoding: bytes[range], as: UTF8.self))
      Thread.sleep(forTimeInterval: 0.05)
    }
    #expect(eventually { b.requests.count == 1 })
    // Two messages and a CRLF keep-alive in one write.
    let second = rawMessage(
      to: "127.0.0.1", port: portB, transport: "TCP", from: local, branch: "z9hG4bKt2", callID: "c2")
    let third = rawMessage(
      to: "127.0.0.1", port: portB, transport: "TCP", from: local, branch: "z9hG4bKt3", callID: "c3")
    try raw.write(second + "\r\n\r\n" + third)
    #expect(eventually { b.requests.count == 3 })
    #expect(b.requests.map { $0.callID ?? "" } == ["c1", "c2", "c3"])
    // The responses came back on this connection.
    #expect(eventually { raw.receivedText.components(separatedBy: "SIP/2.0 200 OK").count == 4 })
    #expect(try b.on { b.transport.connectionCount } == 1)
  }

  @Test func tcpConnectionIsReusedInBothDirections() throws {
    let a = try TransportPeer(loop: loop, configuration: .init(validator: messageValidator))
    let b = try TransportPeer(loop: loop, configuration: .init(validator: messageValidator))
    defer {
      try? a.close()
      try? b.close()
    }
    _ = try a.bind(.tcp, "127.0.0.1")
    let (_, portB) = try b.bind(.tcp, "127.0.0.1")
    a.answer = TransportPeer.okAnswer()
    b.answer = TransportPeer.okAnswer()
    for _ in 0..<3 {
      let response = try a.send(
        try makeRequest("MESSAGE", to: "sip:b@127.0.0.1:\(portB);transport=tcp", body: "x"))
      #expect(try response.get().statusCode == 200)
    }
    #expect(try a.on { a.transport.connectionCount } == 1)
    #expect(try b.on { b.transport.connectionCount } == 1)
    // B sends to the address the connection came from: the same connection carries it.
    let aEphemeral = try #require(b.requests.first?.topVia?.rport).self
    _ = aEphemeral
    let remotePort = try b.on { b.transport.connections.values.first?.remote.port ?? 0 }
    let back = try b.send(
      try makeRequest("MESSAGE", to: "sip:a@127.0.0.1:\(remotePort);transport=tcp", body: "y"))
    #expect(try back.get().statusCode == 200)
    #expect(a.requests.count == 1)
    #expect(try a.on { a.transport.connectionCount } == 1)
    #expect(try b.on { b.transport.connectionCount } == 1)
  }

  @Test func tooManyTransactionsGet503WithRetryAfter() throws {
    let b = try TransportPeer(
      loop: loop, configuration: .init(validator: messageValidator, maxTransactions: 2, retryAfter: 7))
    defer { try? b.close() }
    let (_, portB) = try b.bind(.udp, "127.0.0.1")
    b.answer = nil  // hold every transaction open
    let raw = try RawSocket.udp(group: Self.group, host: "127.0.0.1")
    defer { _ = raw.channel?.close() }
    let local = raw.channel?.localAddress?.port ?? 0
    for i in 0..<3 {
      try raw.sendDatagram(
        rawMessage(to: "127.0.0.1", port: portB, from: local, branch: "z9hG4bKlim\(i)", callID: "lim\(i)"),
        host: "127.0.0.1", port: portB)
    }
    #expect(eventually { raw.datagrams.count == 1 })
    let busy = try #require(raw.datagrams.first)
    #expect(busy.hasPrefix("SIP/2.0 503 "))
    #expect(busy.contains("Retry-After: 7\r\n"))
    #expect(busy.contains("Call-ID: lim2"))
    #expect(b.requests.count == 2)
    #expect(try b.on { b.transport.statistics.requestsDelivered } == 2)
    #expect(try b.on { b.transport.statistics.overloadRejections } == 1)
  }

  @Test func connectionsPastTheLimitAreClosed() throws {
    let b = try TransportPeer(loop: loop, configuration: .init(maxConnections: 1))
    defer { try? b.close() }
    let (_, portB) = try b.bind(.tcp, "127.0.0.1")
    let first = try RawSocket.tcp(group: Self.group, host: "127.0.0.1", port: portB)
    defer { _ = first.channel?.close() }
    #expect(eventually { (try? b.on { b.transport.connectionCount }) == 1 })
    let second = try RawSocket.tcp(group: Self.group, host: "127.0.0.1", port: portB)
    #expect(eventually { !second.isActive })
    #expect(first.isActive)
    #expect(try b.on { b.transport.statistics.connectionsRefused } == 1)
  }

  @Test func oversizedDatagramsAndGarbageAreDropped() throws {
    let b = try TransportPeer(
      loop: loop, configuration: .init(validator: messageValidator, maxMessageSize: 600))
    defer { try? b.close() }
    let (_, portB) = try b.bind(.udp, "127.0.0.1")
    b.answer = TransportPeer.okAnswer()
    let raw = try RawSocket.udp(group: Self.group, host: "127.0.0.1")
    defer { _ = raw.channel?.close() }
    let local = raw.channel?.localAddress?.port ?? 0
    try raw.sendDatagram(
      rawMessage(to: "127.0.0.1", port: portB, from: local, body: String(repeating: "x", count: 700)),
      host: "127.0.0.1", port: portB)
    try raw.sendDatagram("not sip at all\r\n\r\n", host: "127.0.0.1", port: portB)
    try raw.sendDatagram(
      rawMessage(to: "127.0.0.1", port: portB, from: local, branch: "z9hG4bKok"), host: "127.0.0.1",
      port: portB)
    #expect(eventually { raw.datagrams.count == 1 })
    #expect(b.requests.count == 1)
    #expect(try b.on { b.transport.statistics.malformed } == 2)
  }

  @Test func unreachableTCPPeerIsATransportError() throws {
    let a = try TransportPeer(loop: loop)
    defer { try? a.close() }
    _ = try a.bind(.tcp, "127.0.0.1")
    // A port that was free a moment ago: nobody listens.
    let probe = try TransportPeer(loop: loop)
    let (_, port) = try probe.bind(.tcp, "127.0.0.1")
    try probe.close()
    let result = try a.send(try makeRequest("OPTIONS", to: "sip:x@127.0.0.1:\(port);transport=tcp"))
    guard case .failure(let error) = result else {
      Issue.record("expected a failure, got \(result)")
      return
    }
    #expect(error.kind == .transport)
  }

  @Test func requestTimesOutWithShortTimers() throws {
    let timers = TimerSettings(t1: .milliseconds(10), t2: .milliseconds(40), t4: .milliseconds(50))
    let a = try TransportPeer(loop: loop, configuration: .init(timers: timers))
    let b = try TransportPeer(loop: loop, configuration: .init(timers: timers, validator: messageValidator))
    defer {
      try? a.close()
      try? b.close()
    }
    _ = try a.bind(.udp, "127.0.0.1")
    let (_, portB) = try b.bind(.udp, "127.0.0.1")
    b.answer = nil
    let start = Date()
    let result = try a.send(try makeRequest("MESSAGE", to: "sip:b@127.0.0.1:\(portB)", body: "x"))
    guard case .failure(let error) = result else {
      Issue.record("expected a timeout, got \(result)")
      return
    }
    #expect(error.kind == .timeout)
    #expect(Date().timeIntervalSince(start) >= 0.6)  // Timer F = 64*T1 = 640 ms
    // The UAS saw the request once although it was retransmitted (Timer E).
    #expect(b.requests.count == 1)
    #expect(try b.on { b.transport.statistics.messagesReceived } > 1)
  }

  @Test func namesAreResolvedThroughTheSystemResolver() throws {
    let a = try TransportPeer(loop: loop)
    let b = try TransportPeer(loop: loop)
    defer {
      try? a.close()
      try? b.close()
    }
    _ = try a.bind(.udp, "127.0.0.1")
    let (_, portB) = try b.bind(.udp, "127.0.0.1")
    let response = try a.send(try makeRequest("OPTIONS", to: "sip:b@localhost:\(portB)"))
    #expect(try response.get().statusCode == 200)
  }

  @Test func lossIsRecoveredByRetransmissionWithoutDuplicates() throws {
    // 20 % of the datagrams each side receives are dropped; T1/T2 are short so that the 200
    // transactions finish in a few seconds. (With T1 = 20 ms, 200 concurrent transactions of a
    // debug build on one loop collapse into a retransmission storm: timers outpace the reads.)
    let timers = TimerSettings(t1: .milliseconds(100), t2: .milliseconds(200), t4: .milliseconds(200))
    let a = try TransportPeer(loop: loop, configuration: .init(timers: timers, simulatedLoss: 0.2))
    let b = try TransportPeer(
      loop: loop, configuration: .init(timers: timers, validator: messageValidator, simulatedLoss: 0.2))
    defer {
      try? a.close()
      try? b.close()
    }
    _ = try a.bind(.udp, "127.0.0.1")
    let (_, portB) = try b.bind(.udp, "127.0.0.1")
    b.answer = TransportPeer.okAnswer()
    let results = try loop.submit { NIOLoopBoundBox([Int](), eventLoop: self.loop) }.wait()
    let count = Int(ProcessInfo.processInfo.environment["LOSS_COUNT"] ?? "200") ?? 200
    let request = try makeRequest("MESSAGE", to: "sip:b@127.0.0.1:\(portB)", body: "x")
    try a.on {
      for _ in 0..<count {
        var message = request
        message.setHeader("Call-ID", UUID().uuidString)
        a.transport.sendRequest(message) { result in
          switch result {
          case .success(let response): results.value.append(response.statusCode ?? 0)
          case .failure: results.value.append(-1)
          }
        }
      }
    }
    #expect(eventually(30) { (try? a.on { results.value.count }) == count })
    let codes = try a.on { results.value }
    #expect(codes.filter { $0 == 200 }.count == count)
    // Every transaction reached the UAS's transaction user exactly once.
    #expect(b.requests.count == count)
    #expect(Set(b.requests.compactMap(\.callID)).count == count)
    #expect(try b.on { b.transport.statistics.simulatedDrops } > 0)
    #expect(try a.on { a.transport.statistics.simulatedDrops } > 0)
  }
}
