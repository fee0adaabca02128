import Foundation
import NIOCore
import NIOPosix
import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport
import Testing

@Suite("The call's leg carries every request of the call")
struct CallLegTests {
  @Test("the ACK of a 2xx leaves from the call's leg (its source and its Via), not from the first leg")
  func ackLeavesFromTheCallsLeg() throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    let loop = group.next()
    let alice = try AgentPeer("alice", loop: loop)
    let bob = try AgentPeer("bob", loop: loop, traceMessages: true)
    defer {
      try? alice.close()
      try? bob.close()
    }
    let (second, secondPort) = try alice.addLeg()
    #expect(secondPort != alice.port)
    try bob.on { bob.agent.listen(UserAgent.Listener()) }
    try alice.on {
      var parameters = CallParameters()
      parameters.leg = second
      parameters.cbEstablished = { _ in alice.record("up") }
      _ = try alice.agent.invite(bob.uri, parameters: parameters)
    }
    #expect(alice.waitFor("up"))
    // bob's call is established once the ACK is in.
    #expect(bob.waitFor("state established"))
    let received = bob.traceLines.filter { $0.hasPrefix("--- recv") }
    let acks = received.filter { $0.contains("\nACK sip:") }
    try #require(acks.count == 1, "bob received \(acks.count) ACKs")
    let ack = acks[0]
    let header = ack.prefix { $0 != "\n" }
    // `--- recv UDP <bob's leg> <- <source address> (<n> bytes)`: the source port is the call's leg.
    #expect(header.contains(":\(secondPort) ("), "ACK arrived as: \(header)")
    #expect(!header.contains(":\(alice.port) ("), "ACK left from the first leg: \(header)")
    let via = ack.split(separator: "\r\n").first { $0.lowercased().hasPrefix("via:") } ?? ""
    #expect(via.contains("127.0.0.1:\(secondPort)"), "ACK's Via: \(via)")
    // The INVITE and the BYE leave from that leg too (the transaction's leg).
    let invite = received.first { $0.contains("\nINVITE sip:") } ?? ""
    #expect(invite.prefix { $0 != "\n" }.contains(":\(secondPort) ("))
    try alice.on { _ = try alice.onlyCall().bye() }
    #expect(bob.waitFor("terminated remoteBye"))
    let bye = bob.traceLines.first { $0.hasPrefix("--- recv") && $0.contains("\nBYE sip:") } ?? ""
    #expect(bye.prefix { $0 != "\n" }.contains(":\(secondPort) ("))
  }

  @Test("a 2xx never ACKed on the second leg: the core's BYE after 64×T1 leaves from that leg and names it")
  func byeAfterAckTimeoutLeavesFromTheDialogsLeg() throws {
    try withAgents { _, bob in
      let (_, secondPort) = try bob.addLeg()
      try bob.on {
        // T1 = 10 ms: the UAS gives up on the ACK after 640 ms (RFC 3261 §13.3.1.4).
        bob.agent.transport.setTimers(TimerSettings(t1: .milliseconds(10), t2: .milliseconds(40)))
        bob.agent.listen(UserAgent.Listener(parameters: CallParameters()))
      }
      let raw = try RawSIPPeer(loop: bob.loop)
      defer { raw.close() }
      let invite = try raw.invite(to: "sip:bob@127.0.0.1:\(secondPort)", callID: "never-acked")
      try raw.send(invite, to: try SocketAddress(ipAddress: "127.0.0.1", port: secondPort))
      #expect(raw.waitForResponse(200, to: "INVITE") != nil)
      let bye = try #require(raw.waitForRequest("BYE"))
      #expect(bye.topVia?.port == secondPort)
      #expect(raw.source { $0.method == "BYE" }?.port == secondPort)
      #expect(secondPort != bob.port)
    }
  }
}
