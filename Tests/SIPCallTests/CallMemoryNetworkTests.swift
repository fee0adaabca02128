import Foundation
import NIOCore
import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport
import Testing

/// The core call scenarios of CallLoopbackTests with both agents on an in-memory network
/// (`withAgentsInMemory`): SIP goes through no socket, RTP sockets are on loopback.
@Suite("Calls over the in-memory network")
struct CallMemoryNetworkTests {
  @Test("invite, answer and BYE in both directions: caller hangs up, then callee hangs up")
  func inviteAnswerByeBothWays() throws {
    try withAgentsInMemory { alice, bob, _ in
      for peer in [alice, bob] {
        try peer.on {
          var parameters = CallParameters()
          parameters.recvBye = { call in
            peer.record("\(peer.name) recv_bye \(call.hangupCause.map { "\($0)" } ?? "")")
          }
          peer.agent.listen(UserAgent.Listener(parameters: parameters))
        }
      }
      // alice calls bob and hangs up.
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        parameters.cbEstablished = { _ in alice.record("up 1") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final OK 200"))
      #expect(alice.waitFor("up 1"))
      #expect(bob.waitFor("state established"))
      try alice.on {
        _ = try alice.onlyCall().bye { result in
          if case .success(let response) = result { alice.record("bye 1 \(response.statusCode ?? 0)") }
        }
      }
      #expect(alice.waitFor("bye 1 200"))
      #expect(bob.waitFor("bob recv_bye remoteBye"))
      // bob calls alice; alice, the callee, hangs up.
      try bob.on {
        var parameters = CallParameters()
        parameters.cbEstablished = { _ in bob.record("up 2") }
        parameters.recvBye = { call in
          bob.record("bob caller recv_bye \(call.hangupCause.map { "\($0)" } ?? "")")
        }
        _ = try bob.agent.invite(alice.uri, parameters: parameters)
      }
      #expect(bob.waitFor("up 2"))
      #expect(alice.waitFor("state established"))
      try alice.on {
        _ = try alice.onlyCall().bye { result in
          if case .success(let response) = result { alice.record("bye 2 \(response.statusCode ?? 0)") }
        }
      }
      #expect(alice.waitFor("bye 2 200"))
      #expect(bob.waitFor("bob caller recv_bye remoteBye"))
      #expect(try eventually { try alice.callCount() == 0 && bob.callCount() == 0 })
    }
  }

  @Test("CANCEL before the answer: the caller gets 487, the callee's recv_bye says remoteCancel")
  func cancelBeforeAnswer() throws {
    try withAgentsInMemory { alice, bob, _ in
      try bob.on {
        var parameters = CallParameters()
        parameters.recvBye = { call in bob.record("bob recv_bye \(call.hangupCause.map { "\($0)" } ?? "")") }
        bob.agent.listen(UserAgent.Listener(parameters: parameters, handler: { call in _ = call.ring() }))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbPreliminary = { _, code, _ in alice.record("preliminary \(code)") }
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("preliminary 180"))
      try alice.on { _ = try alice.onlyCall().cancel() }
      #expect(alice.waitFor("final FAIL 487"))
      #expect(bob.waitFor("bob recv_bye remoteCancel"))
      #expect(try eventually { try bob.callCount() == 0 })
    }
  }

  @Test("re-INVITE with call_on_hold holds both sides, a second one resumes")
  func reinviteHoldAndResume() throws {
    try withAgentsInMemory { alice, bob, _ in
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
        _ = try alice.onlyCall().reinvite(hold, setKeys: ["call_on_hold"]) { status, info in
          alice.record("hold \(status.rawValue) \(info.code)")
        }
      }
      #expect(alice.waitFor("hold OK 200"))
      #expect(alice.waitFor("state held"))
      #expect(bob.waitFor("state held"))
      #expect(try bob.on { try bob.onlyCall().negotiatedStreams.first?.direction } == .recvonly)
      try alice.on {
        var resume = CallParameters()
        resume.callOnHold = false
        _ = try alice.onlyCall().reinvite(resume, setKeys: ["call_on_hold"]) { status, info in
          alice.record("resume \(status.rawValue) \(info.code)")
        }
      }
      #expect(alice.waitFor("resume OK 200"))
      #expect(bob.waitUntil { $0.filter { $0 == "state established" }.count >= 2 })
      #expect(try bob.on { try bob.onlyCall().negotiatedStreams.first?.direction } == .sendrecv)
    }
  }

  @Test("sdp_on_ack: the INVITE has no SDP, the 2xx offers, the ACK answers; media on both sides")
  func sdpOnAck() throws {
    try withAgentsInMemory { alice, bob, _ in
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
      // Only the ACK carried alice's answer: bob's media starts once it arrives.
      #expect(bob.waitFor("bob media 1"))
      let ports = try alice.sdpPorts()
      #expect(try bob.sdpPorts().peer == ports.local)
    }
  }

  @Test("reject(code) in the handler: the caller's cb_final gets that code")
  func rejectWithCode() throws {
    try withAgentsInMemory { alice, bob, _ in
      try bob.on { bob.agent.listen(UserAgent.Listener(handler: { call in _ = call.reject(code: 486) })) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final FAIL 486"))
      #expect(try eventually { try alice.callCount() == 0 && bob.callCount() == 0 })
    }
  }

  @Test("a request for a dialog nobody has gets 481; one inside a live dialog gets 200")
  func unknownDialog481() throws {
    try withAgentsInMemory { alice, bob, _ in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up"))
      try alice.on {
        _ = try alice.onlyCall().request("OPTIONS") { result in
          if case .success(let response) = result { alice.record("options \(response.statusCode ?? 0)") }
        }
        let bye = SIPMessage.request(
          method: "BYE", uri: try SIPURI.parse(bob.uri),
          from: SIPNameAddress(
            uri: try SIPURI.parse(alice.uri), parameters: SIPParameters([.init(name: "tag", value: "x1")])),
          to: SIPNameAddress(
            uri: try SIPURI.parse(bob.uri), parameters: SIPParameters([.init(name: "tag", value: "nope")])),
          via: SIPVia(transport: "UDP", host: alice.host, port: alice.port), callID: "no-such-call")
        alice.agent.transport.sendRequest(bye) { result in
          if case .success(let response) = result { alice.record("stray bye \(response.statusCode ?? 0)") }
        }
      }
      #expect(alice.waitFor("options 200"))
      #expect(alice.waitFor("stray bye 481"))
      // The live call is untouched.
      #expect(try bob.callCount() == 1)
    }
  }

  @Test("ring_time: an unanswered call is cancelled after it and cb_noanswer runs")
  func ringTimeNoAnswer() throws {
    try withAgentsInMemory { alice, bob, _ in
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
      #expect(alice.waitFor("terminated noAnswer"))
    }
  }

  @Test("20 % of datagrams lost: ten calls still set up and end, by retransmission")
  func callsThroughLoss() throws {
    // Short timers so that the retransmissions come quickly: T2 = 200 ms gives a BYE about 17
    // tries within 64·T1 = 3.2 s, so the chance that one of the calls fails is below 1e-6.
    // Ten calls carry at least 50 datagrams (INVITE, 200, ACK, BYE, 200 each), so that none of
    // them is dropped (the check at the end) has a chance of 0.8^50 ≈ 1.4e-5; with five it was
    // 0.8^25 ≈ 0.4 %, and it happened once.
    let timers = TimerSettings(t1: .milliseconds(50), t2: .milliseconds(200), t4: .milliseconds(500))
    try withAgentsInMemory(loss: 0.2, timers: timers) { alice, bob, _ in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      let count = 10
      try alice.on {
        for index in 0..<count {
          var parameters = CallParameters()
          parameters.cbEstablished = { _ in alice.record("up \(index)") }
          parameters.cbFinal = { status, _, info in
            alice.record("final \(index) \(status.rawValue) \(info.code)")
          }
          _ = try alice.agent.invite(bob.uri, parameters: parameters)
        }
      }
      #expect(alice.waitUntil(seconds: 30) { log in (0..<count).allSatisfy { log.contains("up \($0)") } })
      #expect(
        try eventually(seconds: 30) {
          try bob.on { bob.agent.calls.values.filter { $0.state == .established }.count } == count
        })
      try alice.on {
        for (index, call) in alice.agent.calls.values.enumerated() {
          _ = call.bye { result in
            if case .success(let response) = result {
              alice.record("bye \(index) \(response.statusCode ?? 0)")
            }
          }
        }
      }
      #expect(
        alice.waitUntil(seconds: 30) { log in (0..<count).allSatisfy { log.contains("bye \($0) 200") } })
      #expect(try eventually(seconds: 30) { try alice.callCount() == 0 && bob.callCount() == 0 })
      // The loss was real: datagrams were dropped on the way.
      let drops = try alice.on {
        alice.agent.transport.statistics.simulatedDrops + bob.agent.transport.statistics.simulatedDrops
      }
      #expect(drops > 0)
    }
  }
}
