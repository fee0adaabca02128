import Foundation
import NIOCore
import NIOPosix
import SIPCore
import SIPProtocol
import Testing

@testable import SIPTransport

/// TCP edge cases: a request whose framing fails after its header section is answered before the
/// connection closes (RFC 3261 §18.3), and idle connections are swept.
@Suite(.serialized) struct TransportTCPRobustnessTests {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }

  /// A request head as a peer would write it, with the given extra header lines.
  func head(port: Int, local: Int, callID: String, _ extra: [String]) -> String {
    ([
      "MESSAGE sip:peer@127.0.0.1:\(port) SIP/2.0",
      "Via: SIP/2.0/TCP 127.0.0.1:\(local);branch=z9hG4bK\(callID)",
      "Max-Forwards: 70",
      "From: <sip:raw@127.0.0.1>;tag=raw",
      "To: <sip:peer@127.0.0.1>",
      "Call-ID: \(callID)",
      "CSeq: 1 MESSAGE",
      "Content-Type: text/plain",
    ] + extra + ["", ""]).joined(separator: "\r\n")
  }

  @Test func missingContentLengthGets400ThenClose() throws {
    let b = try TransportPeer(loop: loop, configuration: .init(validator: messageValidator))
    defer { try? b.close() }
    let (_, port) = try b.bind(.tcp, "127.0.0.1")
    b.answer = TransportPeer.okAnswer()
    let raw = try RawSocket.tcp(group: Self.group, host: "127.0.0.1", port: port)
    defer { _ = raw.channel?.close() }
    let local = raw.channel?.localAddress?.port ?? 0
    try raw.write(head(port: port, local: local, callID: "nolength", []) + "hello")
    #expect(eventually { !raw.isActive })
    let text = raw.receivedText
    #expect(text.hasPrefix("SIP/2.0 400 Bad Request (Content-Length is required"))
    let response = try SIPMessage.parse(Array(text.utf8))
    #expect(response.callID == "nolength")
    #expect(response.cseq?.method == "MESSAGE")
    #expect(response.topVia?.branch == "z9hG4bKnolength")
    #expect(b.requests.isEmpty)
    #expect(try b.on { b.transport.statistics.malformed } == 1)
    #expect(eventually { (try? b.on { b.transport.connectionCount }) == 0 })
  }

  @Test func bodyOverTheLimitGets413ThenClose() throws {
    let b = try TransportPeer(
      loop: loop, configuration: .init(validator: messageValidator, maxMessageSize: 1_000))
    defer { try? b.close() }
    let (_, port) = try b.bind(.tcp, "127.0.0.1")
    let raw = try RawSocket.tcp(group: Self.group, host: "127.0.0.1", port: port)
    defer { _ = raw.channel?.close() }
    let local = raw.channel?.localAddress?.port ?? 0
    try raw.write(head(port: port, local: local, callID: "big", ["Content-Length: 5000000"]) + "xx")
    #expect(eventually { !raw.isActive })
    #expect(raw.receivedText.hasPrefix("SIP/2.0 413 "))
    #expect(b.requests.isEmpty)
  }

  @Test func unparsableStartLineIsClosedWithoutAnswer() throws {
    let b = try TransportPeer(loop: loop, configuration: .init(validator: messageValidator))
    defer { try? b.close() }
    let (_, port) = try b.bind(.tcp, "127.0.0.1")
    let raw = try RawSocket.tcp(group: Self.group, host: "127.0.0.1", port: port)
    defer { _ = raw.channel?.close() }
    try raw.write("HELLO THERE\r\nX: y\r\n\r\n")
    #expect(eventually { !raw.isActive })
    #expect(raw.receivedText.isEmpty)
    #expect(try b.on { b.transport.statistics.malformed } == 1)
  }

  @Test func idleConnectionsAreClosedBusyOnesKept() throws {
    let b = try TransportPeer(
      loop: loop, configuration: .init(validator: messageValidator, connectionIdleTimeout: .seconds(1)))
    defer { try? b.close() }
    let (_, port) = try b.bind(.tcp, "127.0.0.1")
    b.answer = TransportPeer.okAnswer()
    let idle = try RawSocket.tcp(group: Self.group, host: "127.0.0.1", port: port)
    defer { _ = idle.channel?.close() }
    let busy = try RawSocket.tcp(group: Self.group, host: "127.0.0.1", port: port)
    defer { _ = busy.channel?.close() }
    #expect(eventually { (try? b.on { b.transport.connectionCount }) == 2 })
    // The busy connection sends a request every 100 ms for 3 s (3 idle timeouts); the idle one
    // says nothing and is closed by the sweep meanwhile (after 1–2 s: the sweep runs every
    // timeout).
    let local = busy.channel?.localAddress?.port ?? 0
    let start = Date()
    for n in 0..<30 {
      try busy.write(
        rawMessage(
          to: "127.0.0.1", port: port, transport: "TCP", from: local, branch: "z9hG4bKbusy\(n)",
          callID: "busy\(n)"))
      Thread.sleep(forTimeInterval: 0.1)
    }
    #expect(eventually(5) { !idle.isActive })
    #expect(busy.isActive)
    #expect(b.requests.count == 30)
    #expect(try b.on { b.transport.connectionCount } == 1)
    #expect(Date().timeIntervalSince(start) < 60)
    // Once quiet, the busy one goes too (within a few sweeps).
    #expect(eventually(5) { !busy.isActive })
    #expect(try b.on { b.transport.connectionCount } == 0)
  }
}
