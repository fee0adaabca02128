import Foundation
import NIOCore
import NIOPosix
import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport
import Testing

/// Registration, digest both ways and routing, between agents (and a proxy) over UDP loopback.
@Suite("Registration, digest and routes over loopback", .serialized)
struct RegistrationTests {
  /// Makes `peer` a registrar for the realm `registrar.test` (alice's password is "secret"):
  /// REGISTERs reach its fallback handler only once authenticated, and are answered 200 with the
  /// Contact and at most `grant` seconds; each accepted one is logged.
  static func actAsRegistrar(_ peer: AgentPeer, grant: Int) throws {
    try peer.on {
      let agent = peer.agent
      var validator = agent.transport.validator
      validator.allowedMethods.append("REGISTER")
      agent.transport.setValidator(validator)
      agent.authenticator = DigestAuthenticator(realm: "registrar.test") { user, reply in
        reply(user == "alice" ? "secret" : nil)
      }
      agent.fallbackHandler = { request in
        let message = request.message
        let expires = Int(message.expires ?? 3600)
        peer.record(
          "REGISTER \(message.cseq?.sequence ?? 0) expires=\(expires) call-id=\(message.callID ?? "")"
            + " to=\(message.to?.uri.description ?? "")")
        var ok = message.makeResponse(statusCode: 200, toTag: "reg")
        if expires > 0, let contact = message.header("Contact") {
          ok.addHeader("Contact", contact + ";expires=\(min(expires, grant))")
        }
        agent.transport.respond(ok, to: request.transaction)
      }
    }
  }

  static func counts(_ peer: AgentPeer) throws -> (challenged: Int, accepted: Int) {
    try peer.on {
      (peer.agent.authenticator?.challenged ?? -1, peer.agent.authenticator?.accepted ?? -1)
    }
  }

  @Test(
    "REGISTER → 401 → with credentials → 200; refresh before expiry (pre-authorized, same Call-ID, CSeq up); unregisterAll sends Expires 0"
  )
  func registerRefreshUnregister() throws {
    try withAgents { alice, registrar in
      try Self.actAsRegistrar(registrar, grant: 2)
      try alice.on {
        var parameters = Registration.Parameters(registrar: try SIPURI.parse(registrar.uri), expires: 60)
        parameters.credentials = SIPCredentials(user: "alice", password: "secret")
        let registration = try alice.agent.register(parameters)
        registration.onOutcome = { _, outcome in
          switch outcome {
          case .registered(let expires, _): alice.record("registered \(expires)")
          case .failed(let code, let reason, _): alice.record("failed \(code) \(reason)")
          case .unregistered: alice.record("unregistered")
          }
        }
      }
      #expect(alice.waitFor("registered 2"))
      // max(2/2, 2 − 30) = 1 s later the refresh goes out, with the last nonce and nc=2.
      #expect(alice.waitUntil(seconds: 10) { $0.filter { $0 == "registered 2" }.count >= 2 })
      let registers = registrar.log.filter { $0.hasPrefix("REGISTER") }
      #expect(registers.count >= 2)
      let first = try #require(registers.first)
      #expect(first.hasPrefix("REGISTER 2 expires=60"))  // CSeq 1 was the challenged one
      #expect(first.contains("to=sip:alice@127.0.0.1"))
      #expect(registers[1].hasPrefix("REGISTER 3 expires=60"))
      let callIDs = Set(registers.map { $0.components(separatedBy: "call-id=")[1] })
      #expect(callIDs.count == 1)  // RFC 3261 §10.2.4
      let (challenged, accepted) = try Self.counts(registrar)
      #expect(challenged == 1 && accepted >= 2)  // the refresh needed no new challenge
      try alice.on {
        let done = alice.agent.unregisterAll()
        done.assumeIsolated().whenSuccess { alice.record("all unregistered") }
      }
      #expect(alice.waitFor("all unregistered"))
      #expect(alice.log.contains("unregistered"))
      #expect(registrar.log.contains { $0.contains("expires=0") })
      #expect(try alice.on { alice.agent.registrations.count } == 0)
    }
  }

  @Test("a wrong password: two REGISTERs, then the 401 is the outcome — no loop, no retry without refresh")
  func wrongPasswordFails() throws {
    try withAgents { alice, registrar in
      try Self.actAsRegistrar(registrar, grant: 60)
      try alice.on {
        var parameters = Registration.Parameters(registrar: try SIPURI.parse(registrar.uri), refresh: false)
        parameters.credentials = SIPCredentials(user: "alice", password: "wrong")
        let registration = try alice.agent.register(parameters)
        registration.onOutcome = { registration, outcome in
          if case .failed(let code, let reason, let response) = outcome {
            alice.record("failed \(code) \(response?.statusCode ?? 0) \(reason)")
          }
        }
        registration.onStop = { _ in alice.record("stopped") }
      }
      #expect(alice.waitFor("stopped"))
      let failure = try #require(alice.log.first { $0.hasPrefix("failed") })
      #expect(failure.hasPrefix("failed 401 401 credentials"))
      Thread.sleep(forTimeInterval: 0.3)
      #expect(try Self.counts(registrar) == (2, 0))
      #expect(registrar.log.isEmpty)
      #expect(try alice.on { alice.agent.registrations.count } == 0)
    }
  }

  @Test("a realm we have no account for is not answered: the 401 is final after one REGISTER")
  func otherRealmNotAnswered() throws {
    try withAgents { alice, registrar in
      try Self.actAsRegistrar(registrar, grant: 60)
      try alice.on {
        var parameters = Registration.Parameters(registrar: try SIPURI.parse(registrar.uri), refresh: false)
        parameters.credentials = SIPCredentials(user: "alice", password: "secret", realm: "elsewhere")
        let registration = try alice.agent.register(parameters)
        registration.onOutcome = { _, outcome in
          if case .failed(let code, _, _) = outcome { alice.record("failed \(code)") }
        }
      }
      #expect(alice.waitFor("failed 401"))
      #expect(try Self.counts(registrar) == (1, 0))
    }
  }

  @Test(
    "INVITE through a proxy that wants Proxy-Authorization (407) to a UAS that wants Authorization (401); re-INVITE, INFO and BYE challenged by the proxy are sent again; Record-Route keeps the proxy in the dialog"
  )
  func inviteAnswersBothChallenges() throws {
    try withAgents { alice, bob in
      let proxy = try TestProxy(group: alice.loop, challenge: (user: "alice", password: "secret"))
      defer { proxy.close() }
      try bob.on {
        bob.agent.authenticator = DigestAuthenticator(realm: "bob.test") { user, reply in
          reply(user == "alice" ? "secret" : nil)
        }
        var parameters = CallParameters()
        parameters.recvBye = { _ in bob.record("bob recv_bye") }
        bob.agent.listen(
          UserAgent.Listener(
            parameters: parameters,
            cbEstablished: { call in bob.record("bob established cseq=\(call.invite?.cseq?.sequence ?? 0)") })
        )
      }
      try alice.on {
        alice.agent.configuration.outgoingProxy = try SIPURI.parse(proxy.uri)
        alice.agent.configuration.credentials = SIPCredentials(user: "alice", password: "secret")
        var parameters = CallParameters()
        parameters.cbFinal = { status, call, info in alice.record("final \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final OK 200"))
      #expect(bob.waitFor("bob established cseq=3"))  // 1: 407 by the proxy, 2: 401 by bob
      #expect(try Self.counts(bob) == (1, 1))
      // The 407's ACK stays at the proxy; the 401's ACK goes on to bob (§17.1.1.3).
      #expect(proxy.finals.prefix(3) == ["407 INVITE", "INVITE", "401 INVITE"])
      #expect(proxy.finals.dropFirst(3).prefix(2).sorted() == ["ACK", "INVITE"])
      try alice.on {
        let call = alice.agent.calls.values.first!
        var hold = CallParameters()
        hold.callOnHold = true
        call.reinvite(hold, setKeys: ["call_on_hold"]) { status, info in
          alice.record("reinvite \(status.rawValue) \(info.code)")
        }
      }
      #expect(alice.waitFor("reinvite OK 200"))
      try alice.on {
        let call = alice.agent.calls.values.first!
        call.request(
          "INFO", body: Array("Signal=5\r\nDuration=160\r\n".utf8), contentType: "application/dtmf-relay"
        ) {
          result in
          if case .success(let response) = result { alice.record("info \(response.statusCode ?? 0)") }
        }
      }
      #expect(alice.waitFor("info 200"))
      try alice.on {
        let call = alice.agent.calls.values.first!
        call.bye { result in
          if case .success(let response) = result { alice.record("bye \(response.statusCode ?? 0)") }
        }
      }
      #expect(alice.waitFor("bye 200"))
      #expect(bob.waitFor("bob recv_bye"))
      for method in ["INVITE", "INFO", "BYE"] {
        #expect(proxy.log.contains("407 \(method)") && proxy.log.contains(method), "\(method)")
      }
      #expect(proxy.log.filter { $0 == "407 INVITE" }.count == 2)  // the initial INVITE and the re-INVITE
      #expect(proxy.log.contains("ACK"))  // the ACK of the 2xx follows the route set
    }
  }

  @Test("a wrong password for an INVITE: one retry, then 401 is cb_final's FAIL; no credentials: no retry")
  func inviteWithWrongPassword() throws {
    try withAgents { alice, bob in
      try bob.on {
        bob.agent.authenticator = DigestAuthenticator(realm: "bob.test") { user, reply in
          reply(user == "alice" ? "secret" : nil)
        }
        bob.agent.listen(UserAgent.Listener(cbEstablished: { _ in bob.record("bob established") }))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.auth = SIPCredentials(user: "alice", password: "wrong")
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        parameters.cbCleanup = { call in alice.record("cleanup \(call.hangupCause.map { "\($0)" } ?? "-")") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final FAIL 401"))
      #expect(alice.waitFor("cleanup rejected(401)"))
      #expect(try Self.counts(bob) == (2, 0))
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in alice.record("second \(status.rawValue) \(info.code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("second FAIL 401"))
      #expect(try Self.counts(bob) == (3, 0))
      #expect(!bob.log.contains("bob established"))
      #expect(try bob.callCount() == 0)  // no call (and no RTP socket) for an unauthenticated INVITE
    }
  }

  @Test(
    "outgoing proxy and Record-Route: the INVITE goes to the proxy, and the callee's BYE comes back through it"
  )
  func recordRouteBothWays() throws {
    try withAgents { alice, bob in
      let proxy = try TestProxy(group: alice.loop)
      defer { proxy.close() }
      try bob.on {
        bob.agent.listen(
          UserAgent.Listener(
            cbEstablished: { call in
              bob.record("bob established rr=\(call.invite?.header("Record-Route") ?? "-")")
            }))
      }
      try alice.on {
        alice.agent.configuration.outgoingProxy = try SIPURI.parse(proxy.uri)
        var parameters = CallParameters()
        parameters.cbEstablished = { _ in alice.record("alice established") }
        parameters.recvBye = { _ in alice.record("alice recv_bye") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("alice established"))
      #expect(bob.waitFor("bob established rr=<sip:127.0.0.1:\(proxy.port);lr>"))
      try bob.on { _ = bob.agent.calls.values.first?.bye() }
      #expect(alice.waitFor("alice recv_bye"))
      #expect(proxy.finals.prefix(3) == ["INVITE", "200 INVITE", "ACK"])
      // The 200 for the BYE goes out after recv_bye has run: give it time to cross the proxy.
      let deadline = Date().addingTimeInterval(5)
      while !proxy.log.contains("200 BYE"), Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
      #expect(proxy.log.contains("BYE") && proxy.log.contains("200 BYE"))
    }
  }
}
