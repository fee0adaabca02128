import Foundation
import NIOCore
import RTPMedia
import SIPCore
import SIPProtocol
import SIPTransport
import Testing

@testable import SIPCall

/// Two user agents in one process over UDP on loopback: every Net::SIP connection parameter and
/// method of the Call has a test here that fails when it is ignored.
@Suite("Calls over loopback", .serialized)
struct CallLoopbackTests {
  @Test(
    "listen answers at once; cb_final OK 200, cb_established and init_media on both sides; BYE → recv_bye, cb_cleanup"
  )
  func basicCall() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.initMedia = { _ in bob.record("bob init_media") }
        parameters.recvBye = { _ in bob.record("bob recv_bye") }
        bob.agent.listen(
          UserAgent.Listener(
            parameters: parameters, cbEstablished: { _ in bob.record("bob established") },
            cbCleanup: { call in bob.record("bob cleanup \(call.hangupCause.map { "\($0)" } ?? "-")") }))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.initMedia = { _ in alice.record("alice init_media") }
        parameters.cbFinal = { status, call, info in
          alice.record("alice final \(status.rawValue) \(info.code)")
        }
        parameters.cbEstablished = { _ in alice.record("alice established") }
        parameters.sendBye = { _ in alice.record("alice send_bye") }
        parameters.cbCleanup = { _ in alice.record("alice cleanup") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("alice final OK 200"))
      #expect(alice.waitFor("alice established"))
      #expect(alice.waitFor("alice init_media"))
      #expect(bob.waitFor("bob established"))
      #expect(bob.waitFor("bob init_media"))
      #expect(try bob.callCount() == 1)
      // Only alice has a call of hers as UAC (bob's requests are looked up as his UAS calls only).
      #expect(try alice.on { alice.agent.outgoingCallCount } == 1)
      #expect(try bob.on { bob.agent.outgoingCallCount } == 0)
      try alice.on {
        let call = alice.agent.calls.values.first!
        #expect(call.state == .established)
        #expect(call.getPeer().contains("bob@127.0.0.1"))
        #expect(call.sdpPeer != nil && call.sdp != nil)
        _ = call.bye { result in
          if case .success(let response) = result { alice.record("bye answered \(response.statusCode ?? 0)") }
        }
      }
      #expect(alice.waitFor("alice send_bye"))
      #expect(alice.waitFor("bye answered 200"))
      #expect(bob.waitFor("bob recv_bye"))
      #expect(bob.waitFor("bob cleanup remoteBye"))
      #expect(alice.waitFor("alice cleanup"))
      #expect(try alice.callCount() == 0)
      #expect(try bob.callCount() == 0)
      #expect(try alice.on { alice.agent.outgoingCallCount } == 0)
    }
  }

  @Test("a filter refuses with a final status (403 by default); cb_final FAIL with the code")
  func filterRefuses() throws {
    try withAgents { alice, bob in
      try bob.on {
        bob.agent.listen(UserAgent.Listener(filter: { from, _ in from.uri.user == "sipscript" ? 486 : nil }))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final FAIL 486"))
      try bob.on { bob.agent.listen(UserAgent.Listener(filter: { _, _ in 1 })) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final FAIL 403"))
      try bob.on {
        bob.agent.listen(UserAgent.Listener(cbCreate: { _, _ in false }))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final FAIL 603"))
      try bob.on { bob.agent.stopListening() }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final FAIL 480"))
    }
  }

  @Test("handler style: ringing, then cancel before answer → 487 FAIL, recv_bye on the UAS")
  func cancelBeforeAnswer() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.recvBye = { call in bob.record("bob recv_bye \(call.hangupCause.map { "\($0)" } ?? "")") }
        bob.agent.listen(
          UserAgent.Listener(parameters: parameters, handler: { call in _ = call.ring() }))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbPreliminary = { _, code, _ in alice.record("preliminary \(code)") }
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("preliminary 180"))
      try alice.on { _ = alice.agent.calls.values.first!.cancel() }
      #expect(alice.waitFor("final FAIL 487"))
      // recv_bye sees why (call.hangup_cause), and the UAS can no longer answer.
      #expect(bob.waitFor("bob recv_bye remoteCancel"))
      #expect(try bob.callCount() == 0)
    }
  }

  @Test("ring_time cancels an unanswered call and calls cb_noanswer")
  func ringTime() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener(handler: { call in _ = call.ring() })) }
      try alice.on {
        var parameters = CallParameters()
        parameters.ringTime = .milliseconds(300)
        parameters.cbNoAnswer = { _ in alice.record("noanswer") }
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("noanswer"))
      #expect(alice.waitFor("final FAIL 487"))
    }
  }

  @Test("handler style: reject(code) gives the caller that code")
  func handlerRejects() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener(handler: { call in _ = call.reject(code: 486) })) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final FAIL 486"))
    }
  }

  @Test("sdp_on_ack: the INVITE has no SDP, the ACK carries the answer; both sides get media")
  func sdpOnAck() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.cbInvite = { _, invite in bob.record("invite body \(invite.body.count)") }
        parameters.initMedia = { call in bob.record("bob media \(call.negotiatedStreams.count)") }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.sdpOnAck = true
        parameters.initMedia = { call in alice.record("alice media \(call.negotiatedStreams.count)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(bob.waitFor("invite body 0"))
      #expect(alice.waitFor("alice media 1"))
      #expect(bob.waitFor("bob media 1"))
    }
  }

  @Test("reinvite with call_on_hold holds the peer (held on both sides) and resumes")
  func reinviteHold() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up"))
      try alice.on {
        var hold = CallParameters()
        hold.callOnHold = true
        _ = alice.agent.calls.values.first!.reinvite(hold, setKeys: ["call_on_hold"]) { status, info in
          alice.record("hold \(status.rawValue) \(info.code)")
        }
      }
      #expect(alice.waitFor("hold OK 200"))
      #expect(alice.waitFor("state held"))
      #expect(bob.waitFor("state held"))
      try alice.on {
        var resume = CallParameters()
        resume.callOnHold = false
        _ = alice.agent.calls.values.first!.reinvite(resume, setKeys: ["call_on_hold"]) { status, info in
          alice.record("resume \(status.rawValue) \(info.code)")
        }
      }
      #expect(alice.waitFor("resume OK 200"))
      #expect(bob.waitUntil { $0.filter { $0 == "state established" }.count >= 2 })
    }
  }

  @Test("dtmf: RFC 4733 and SIP INFO both reach cb_dtmf with every key")
  func dtmfBothWays() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.cbDTMF = { _, event in bob.record("key \(event.key) \(event.method.rawValue)") }
        parameters.initMedia = CallMedia.receiveEcho(delay: -1)
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.initMedia = { call in
          call.dtmf("12#", method: .rfc4733).whenComplete { _ in alice.record("sent rtp") }
        }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("sent rtp"))
      #expect(
        bob.waitUntil { log in ["key 1 rfc4733", "key 2 rfc4733", "key # rfc4733"].allSatisfy(log.contains) })
      try alice.on {
        alice.agent.calls.values.first!.dtmf("9*", method: .info).whenComplete { _ in
          alice.record("sent info")
        }
      }
      #expect(alice.waitFor("sent info"))
      #expect(bob.waitUntil { log in ["key 9 info", "key * info"].allSatisfy(log.contains) })
      try alice.on {
        alice.agent.calls.values.first!.dtmf("x").whenFailure { error in alice.record("refused \(error)") }
      }
      #expect(alice.waitUntil { $0.contains { $0.hasPrefix("refused dtmf: 'x'") } })
    }
  }

  @Test("media_send_recv plays a file to a media_recv_echo UAS that records it; cb_rtp_done's default is BYE")
  func sendReceiveAndEcho() throws {
    let input = try makeToneWAV(seconds: 0.4)
    let bobRecording = temporaryPath(".wav")
    let aliceRecording = temporaryPath(".wav")
    defer {
      for path in [input.path, bobRecording, aliceRecording] {
        try? FileManager.default.removeItem(atPath: path)
      }
    }
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.initMedia = CallMedia.receiveEcho(output: bobRecording)
        parameters.recvBye = { _ in bob.record("bob recv_bye") }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.initMedia = CallMedia.sendReceive(input: input.path, output: aliceRecording)
        parameters.cbCleanup = { _ in alice.record("alice done") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(bob.waitFor("bob recv_bye"))
      #expect(alice.waitFor("alice done"))
    }
    let received = try Data(contentsOf: URL(fileURLWithPath: bobRecording))
    // 0.4 s at 8 kHz 16-bit: 6,400 octets of audio after the 44-octet header; allow for the
    // first and last packets in flight.
    #expect(received.count > 44 + 3_200)
    let echoed = try Data(contentsOf: URL(fileURLWithPath: aliceRecording))
    #expect(echoed.count > 44)
  }

  @Test("request sends OPTIONS inside the dialog; a BYE for an unknown dialog gets 481")
  func inDialogRequestAnd481() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up"))
      try alice.on {
        _ = alice.agent.calls.values.first!.request("OPTIONS") { result in
          if case .success(let response) = result { alice.record("options \(response.statusCode ?? 0)") }
        }
        let refused = alice.agent.calls.values.first!.request("BYE")
        if case .failure(let error) = refused { alice.record("request BYE refused: \(error)") }
      }
      #expect(alice.waitFor("options 200"))
      #expect(alice.waitUntil { $0.contains { $0.hasPrefix("request BYE refused") } })
      try alice.on {
        let bye = SIPMessage.request(
          method: "BYE", uri: try SIPURI.parse(bob.uri),
          from: SIPNameAddress(
            uri: try SIPURI.parse("sip:alice@127.0.0.1"),
            parameters: SIPParameters([.init(name: "tag", value: "x1")])),
          to: SIPNameAddress(
            uri: try SIPURI.parse(bob.uri), parameters: SIPParameters([.init(name: "tag", value: "nope")])),
          via: SIPVia(transport: "UDP", host: "127.0.0.1", port: alice.port), callID: "no-such-call")
        alice.agent.transport.sendRequest(bye) { result in
          if case .success(let response) = result { alice.record("stray bye \(response.statusCode ?? 0)") }
        }
      }
      #expect(alice.waitFor("stray bye 481"))
    }
  }

  @Test("the agent keeps a call whose every script reference is gone; extra keys stay visible")
  func callKeptAlive() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.extra["customer"] = "A-17"
        parameters.cbEstablished = { call in
          alice.record("up \(call.parameters.extra["customer"] as? String ?? "?")")
        }
        // The returned call is dropped at once.
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up A-17"))
      #expect(try alice.callCount() == 1)
    }
  }
}
