import Foundation
import NIOCore
import NIOPosix
import SIPCore
import SIPProtocol
import Testing

@testable import SIPTransport

/// The deferred 100 Trying (RFC 3261 §17.2.1, ``TimerSettings/tryingDelay``) through the NIO
/// transport and its real timers: an INVITE from a bare UDP socket, answered fast, late or never.
@Suite(.serialized) struct TransportTryingDelayTests {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }

  static func invite(to port: Int, from localPort: Int, branch: String) -> String {
    [
      "INVITE sip:peer@127.0.0.1:\(port) SIP/2.0",
      "Via: SIP/2.0/UDP 127.0.0.1:\(localPort);branch=\(branch);rport",
      "Max-Forwards: 70",
      "From: <sip:raw@127.0.0.1>;tag=raw",
      "To: <sip:peer@127.0.0.1>",
      "Call-ID: \(branch)@raw",
      "CSeq: 1 INVITE",
      "Contact: <sip:raw@127.0.0.1:\(localPort)>",
      "Content-Length: 0",
      "",
      "",
    ].joined(separator: "\r\n")
  }

  /// A peer that answers INVITEs with `code` after `delay` (nil: never), on its loop.
  static func peer(
    loop: any EventLoop, delay: TimeAmount?, code: Int = 486, timers: TimerSettings = TimerSettings()
  ) throws -> (TransportPeer, Int) {
    let peer = try TransportPeer(loop: loop, configuration: .init(timers: timers))
    let (_, port) = try peer.bind(.udp, "127.0.0.1")
    try peer.on {
      peer.transport.requestHandler = { [unowned peer] request in
        guard let delay else { return }
        let response = request.message.makeResponse(statusCode: code, toTag: "late")
        loop.scheduleTask(in: delay) { peer.transport.respond(response, to: request.transaction) }
      }
    }
    return (peer, port)
  }

  /// Sends the INVITE and returns each datagram that came back with its delay, after `wait`.
  func exchange(port: Int, branch: String, wait: TimeInterval) throws -> [(String, TimeInterval)] {
    let raw = try RawSocket.udp(group: Self.group, host: "127.0.0.1")
    defer { _ = raw.channel?.close() }
    let local = raw.channel?.localAddress?.port ?? 0
    let start = Date()
    try raw.sendDatagram(Self.invite(to: port, from: local, branch: branch), host: "127.0.0.1", port: port)
    var seen: [(String, TimeInterval)] = []
    while Date().timeIntervalSince(start) < wait {
      let datagrams = raw.datagrams
      if datagrams.count > seen.count {
        for datagram in datagrams[seen.count...] {
          seen.append((String(datagram.prefix(12)), Date().timeIntervalSince(start)))
        }
      }
      Thread.sleep(forTimeInterval: 0.005)
    }
    return seen
  }

  @Test func aTUThatAnswersAtOnceSendsNo100() throws {
    let (peer, port) = try Self.peer(loop: loop, delay: .zero)
    defer { try? peer.close() }
    let seen = try exchange(port: port, branch: "z9hG4bKfast", wait: 0.6)
    // The 486, and its retransmissions by Timer G (500 ms: nobody ACKs here), never a 100.
    #expect(seen.first?.0 == "SIP/2.0 486 ")
    #expect(seen.allSatisfy { $0.0 == "SIP/2.0 486 " })
  }

  @Test func aTUThatAnswersLateGetsThe100AfterTheDelay() throws {
    let (peer, port) = try Self.peer(loop: loop, delay: .milliseconds(450))
    defer { try? peer.close() }
    let seen = try exchange(port: port, branch: "z9hG4bKlate", wait: 0.9)
    #expect(seen.map(\.0).prefix(2) == ["SIP/2.0 100 ", "SIP/2.0 486 "])
    #expect(seen.filter { $0.0 == "SIP/2.0 100 " }.count == 1)
    // Never before 200 ms; well before the answer (the timer's real deadline, not the 486's).
    if let trying = seen.first?.1 { #expect(trying >= 0.2 && trying < 0.45) }
  }

  @Test func aDelayOfZeroSendsThe100AtOnce() throws {
    let (peer, port) = try Self.peer(loop: loop, delay: nil, timers: TimerSettings(tryingDelay: .zero))
    defer { try? peer.close() }
    let seen = try exchange(port: port, branch: "z9hG4bKzero", wait: 0.15)
    #expect(seen.map(\.0) == ["SIP/2.0 100 "])
    if let trying = seen.first?.1 { #expect(trying < 0.15) }
  }
}
