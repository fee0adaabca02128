import Foundation
import NIOCore
import RTPMedia
import SDP
import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport
import Testing

/// The remaining connection parameters and methods of Net::SIP::Simple::Call
/// (shared/net-sip-call.txt), over UDP on loopback: each test fails when its key is ignored.
@Suite("Call parameters and methods over loopback", .serialized)
struct CallParameterTests {
  @Test("sip_header goes into the INVITE and the re-INVITE; cb_invite runs for the peer's re-INVITE")
  func sipHeaderAndCbInvite() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.cbInvite = { _, invite in
          let kind = invite.to?.tag == nil ? "invite" : "reinvite"
          bob.record("\(kind) X-Campaign=\(invite.header("X-Campaign") ?? "-")")
        }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.sipHeaders = [("X-Campaign", "spring-42")]
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(bob.waitFor("invite X-Campaign=spring-42"))
      #expect(alice.waitFor("up"))
      try alice.on {
        _ = try alice.onlyCall().reinvite { status, info in
          alice.record("reinvite \(status.rawValue) \(info.code)")
        }
      }
      #expect(bob.waitFor("reinvite X-Campaign=spring-42"))
      #expect(alice.waitFor("reinvite OK 200"))
    }
  }

  @Test("leg picks which of two legs the call uses (Via and Contact name it); an unknown leg is refused")
  func legChoosesTheLeg() throws {
    try withAgents { alice, bob in
      let (second, secondPort) = try alice.addLeg()
      try bob.on {
        var parameters = CallParameters()
        parameters.cbInvite = { _, invite in
          bob.record("via \(invite.topVia?.port ?? 0) contact \(invite.contacts.first?.uri.port ?? 0)")
        }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.leg = second
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(bob.waitFor("via \(secondPort) contact \(secondPort)"))
      #expect(alice.waitFor("up"))
      // The BYE leaves through the same leg.
      try alice.on { _ = try alice.onlyCall().bye() }
      #expect(bob.waitFor("terminated remoteBye"))
      #expect(throws: CallError.self) {
        try alice.on {
          var parameters = CallParameters()
          parameters.leg = "udp:127.0.0.1:1"
          _ = try alice.agent.invite(bob.uri, parameters: parameters)
        }
      }
      // Without `leg`, the first leg.
      try bob.on { bob.agent.listen(UserAgent.Listener(parameters: CallParameters())) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { _, call, _ in alice.record("second call via \(call.invite?.topVia?.port ?? 0)")
        }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("second call via \(alice.port)"))
    }
  }

  @Test("cb_preliminary gets each provisional response with its code (183 Session Progress)")
  func cbPreliminary() throws {
    try withAgents { alice, bob in
      try bob.on {
        bob.agent.listen(
          UserAgent.Listener(handler: { call in
            _ = call.ring(code: 183)
            bob.record("rang")
          }))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbPreliminary = { _, code, response in
          alice.record("preliminary \(code) \(response.statusCode ?? 0) \(response.reasonPhrase ?? "")")
        }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(bob.waitFor("rang"))
      #expect(alice.waitUntil { $0.contains { $0.hasPrefix("preliminary 183 183") } })
      try bob.on { _ = try bob.onlyCall().answer() }
      #expect(alice.waitFor("state established"))
    }
  }

  @Test("send_bye is called with the parameters merged with bye's arguments; recv_bye on the peer")
  func sendByeMergesByeArguments() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.recvBye = { _ in bob.record("bob recv_bye") }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.extra["reason"] = "unset"
        parameters.sendBye = { _ in alice.record("connection send_bye") }
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up"))
      try alice.on {
        var changes = CallParameters()
        changes.extra["reason"] = "caller done"
        changes.sendBye = { call in
          alice.record("bye's send_bye \(call.parameters.extra["reason"] as? String ?? "?")")
        }
        _ = try alice.onlyCall().bye(changes) { result in
          if case .success(let response) = result { alice.record("bye \(response.statusCode ?? 0)") }
        }
      }
      #expect(alice.waitFor("bye's send_bye caller done"))
      #expect(alice.waitFor("bye 200"))
      #expect(bob.waitFor("bob recv_bye"))
      #expect(!alice.log.contains("connection send_bye"))
    }
  }

  @Test("rtp_cleanup and cleanup run the stored callbacks once and empty the lists")
  func cleanupLists() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.initMedia = sendSilence(alice, note: "media")
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("media"))
      let lists = try alice.on { () -> [Int] in
        let call = try alice.onlyCall()
        call.rtpCleanupCallbacks.append { alice.record("rtp cleanup A") }
        call.rtpCleanupCallbacks.append { alice.record("rtp cleanup B") }
        call.cleanupCallbacks.append { alice.record("call cleanup") }
        call.rtpCleanup()
        let afterRTP = [
          call.rtpCleanupCallbacks.count, call.cleanupCallbacks.count, call.streamIndexes.count,
        ]
        call.rtpCleanup()
        return afterRTP
      }
      // rtp_cleanup: its two callbacks ran (in order), its list is empty, the streams are gone,
      // the call's own list is untouched.
      #expect(lists == [0, 1, 0])
      #expect(alice.log.filter { $0.hasPrefix("rtp cleanup") } == ["rtp cleanup A", "rtp cleanup B"])
      #expect(!alice.log.contains("call cleanup"))
      try alice.on {
        let call = try alice.onlyCall()
        call.cleanup()
        alice.record("lists \(call.rtpCleanupCallbacks.count) \(call.cleanupCallbacks.count) \(call.isAlive)")
        call.cleanup()
      }
      #expect(alice.waitFor("lists 0 0 false"))
      #expect(alice.log.filter { $0 == "call cleanup" }.count == 1)
      #expect(bob.waitFor("terminated remoteBye"))
    }
  }

  @Test("get_param/set_param are call.parameters: a recv_bye set on a live call is the one called")
  func parametersAreLive() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.recvBye = { _ in alice.record("old recv_bye") }
        parameters.extra["ticket"] = 17
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up"))
      try alice.on {
        let call = try alice.onlyCall()
        let ticket = call.parameters.extra["ticket"] as? Int ?? 0
        call.parameters.recvBye = { _ in alice.record("new recv_bye \(ticket)") }
      }
      try bob.on { _ = try bob.onlyCall().bye() }
      #expect(alice.waitFor("new recv_bye 17"))
      #expect(!alice.log.contains("old recv_bye"))
    }
  }

  @Test("dtmf_methods picks the method when dtmf gets none: [info] sends INFO, the default RFC 4733")
  func dtmfMethodsDefault() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.cbDTMF = { _, event in bob.record("key \(event.key) \(event.method.rawValue)") }
        parameters.initMedia = { _ in }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.dtmfMethods = [.info]
        parameters.initMedia = { call in call.dtmf("5").whenComplete { _ in alice.record("sent 5") } }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("sent 5"))
      #expect(bob.waitFor("key 5 info"))
      try alice.on {
        let call = try alice.onlyCall()
        call.parameters.dtmfMethods = [.rfc4733, .info]
        call.dtmf("7").whenComplete { _ in alice.record("sent 7") }
      }
      #expect(alice.waitFor("sent 7"))
      #expect(bob.waitFor("key 7 rfc4733"))
    }
  }

  @Test("call_on_hold on invite starts the call held (sendonly offer) on both sides")
  func callOnHoldAtInvite() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.cbInvite = { _, invite in
          let offer = try? SessionDescription(parsing: invite.body)
          bob.record("offer \(offer?.direction(forMedia: 0).rawValue ?? "-")")
        }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.callOnHold = true
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(bob.waitFor("offer sendonly"))
      #expect(alice.waitFor("state held"))
      #expect(bob.waitFor("state held"))
    }
  }

  @Test("cb_rtp_done replaces media_send_recv's default BYE; sdp_peer is the peer's sdp")
  func cbRTPDoneAndSDPPeer() throws {
    let input = try makeToneWAV(seconds: 0.2)
    defer { try? FileManager.default.removeItem(at: input) }
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.initMedia = CallMedia.receiveEcho(delay: -1)
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.initMedia = CallMedia.sendReceive(input: input.path)
        parameters.cbRTPDone = { call in alice.record("rtp done, alive \(call.isAlive)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("rtp done, alive true"))
      Thread.sleep(forTimeInterval: 0.2)
      #expect(try alice.callCount() == 1)
      let aliceSDP = try alice.on { try alice.onlyCall().sdp }
      let bobSeen = try bob.on { try bob.onlyCall().sdpPeer }
      #expect(aliceSDP != nil && aliceSDP == bobSeen)
    }
  }
}
