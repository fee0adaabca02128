import Foundation
import NIOCore
import RTPMedia
import SDP
import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport
import Testing

/// The same call over the other kinds of leg: TCP, and UDP over IPv6 (::1).
@Suite("Calls over TCP and IPv6", .serialized)
struct CallTransportTests {
  /// A call with RTP both ways, a re-INVITE, then a BYE from the UAS (which must find the way
  /// back: the Contact over TCP, the IPv6 address over ::1).
  func callBothWays(_ alice: AgentPeer, _ bob: AgentPeer) throws {
    try bob.on {
      var parameters = CallParameters()
      parameters.initMedia = sendSilence(bob, note: "bob media")
      bob.agent.listen(UserAgent.Listener(parameters: parameters))
    }
    try alice.on {
      var parameters = CallParameters()
      parameters.initMedia = sendSilence(alice, note: "alice media")
      parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
      parameters.recvBye = { _ in alice.record("alice recv_bye") }
      _ = try alice.agent.invite(bob.uri, parameters: parameters)
    }
    #expect(alice.waitFor("final OK 200"))
    #expect(alice.waitFor("alice media"))
    #expect(bob.waitFor("bob media"))
    #expect(try eventually { (try alice.firstStreamStatistics()?.packetsReceived ?? 0) >= 3 })
    #expect(try eventually { (try bob.firstStreamStatistics()?.packetsReceived ?? 0) >= 3 })
    try alice.on {
      _ = try alice.onlyCall().reinvite { status, info in
        alice.record("reinvite \(status.rawValue) \(info.code)")
      }
    }
    #expect(alice.waitFor("reinvite OK 200"))
    try bob.on {
      _ = try bob.onlyCall().bye { result in
        if case .success(let response) = result { bob.record("bye \(response.statusCode ?? 0)") }
      }
    }
    #expect(bob.waitFor("bye 200"))
    #expect(alice.waitFor("alice recv_bye"))
    #expect(try alice.callCount() == 0)
    #expect(try bob.callCount() == 0)
  }

  @Test("over TCP: INVITE, RTP both ways, re-INVITE and the UAS's BYE")
  func overTCP() throws {
    try withAgents(transport: .tcp) { alice, bob in
      #expect(bob.uri.hasSuffix(";transport=tcp"))
      try bob.on {
        var parameters = CallParameters()
        parameters.cbInvite = { _, invite in bob.record("via \(invite.topVia?.transport ?? "-")") }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in
          alice.record("first \(status.rawValue) \(info.code) \(info.reason ?? "")")
        }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("first OK 200 OK"))
      #expect(bob.waitFor("via TCP"))
      #expect(bob.waitFor("state established"))
      try alice.on { _ = try alice.onlyCall().bye() }
      #expect(bob.waitFor("terminated remoteBye"))
      try callBothWays(alice, bob)
    }
  }

  @Test("over IPv6 (::1): the SDP says IP6 ::1 and RTP flows on it")
  func overIPv6() throws {
    try withAgents(host: "::1") { alice, bob in
      #expect(bob.uri.contains("[::1]"))
      try bob.on {
        var parameters = CallParameters()
        parameters.cbInvite = { _, invite in
          let offer = try? SessionDescription(parsing: invite.body)
          bob.record("c= \(offer?.connection(forMedia: 0)?.description ?? "-")")
        }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on { _ = try alice.agent.invite(bob.uri, parameters: CallParameters()) }
      #expect(bob.waitFor("c= IN IP6 ::1"))
      #expect(bob.waitFor("state established"))
      try alice.on { _ = try alice.onlyCall().bye() }
      #expect(bob.waitFor("terminated remoteBye"))
      try callBothWays(alice, bob)
      #expect(try bob.on { bob.agent.transport.legs.allSatisfy(\.isIPv6) })
    }
  }
}
