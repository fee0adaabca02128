import SIPCore
import Testing

@testable import SIPProtocol

/// REGISTER, digest, refresh, failure and un-register as traces on virtual time.
@Suite struct RegistrationRefreshTests {
  static func configuration(expires: UInt32 = 3600, password: String? = "secret")
    -> RegistrationRefresh.Configuration
  {
    RegistrationRefresh.Configuration(
      registrar: try! SIPURI.parse("sip:atlanta.example.com"),
      addressOfRecord: try! SIPNameAddress.parse("Alice <sip:alice@atlanta.example.com>"),
      contact: try! SIPNameAddress.parse("<sip:alice@192.0.2.1:5060>"),
      via: SIPVia(transport: "UDP", host: "192.0.2.1", port: 5060), expires: expires,
      credentials: password.map { DigestClient(username: "alice", password: $0) }, seed: 7)
  }

  /// The registrar's response to `request`: status line, echoed headers, extra lines.
  static func reply(to request: SIPMessage, _ status: String, _ extra: [String] = []) throws -> SIPMessage {
    try peerReply(to: request, status, toTag: "reg1", contact: nil, extra: extra)
  }

  static func challenge(nonce: String, stale: Bool = false) -> String {
    "WWW-Authenticate: Digest realm=\"atlanta.example.com\", nonce=\"\(nonce)\", qop=\"auth\", algorithm=MD5"
      + (stale ? ", stale=true" : "")
  }

  static func sent(_ actions: [RegistrationRefresh.Action]) -> SIPMessage? {
    actions.lazy.compactMap { if case .sendRequest(let message, _) = $0 { message } else { nil } }.first
  }

  static func timers(_ actions: [RegistrationRefresh.Action]) -> [String] {
    actions.compactMap { if case .armTimer(let timer, let after) = $0 { "\(timer) \(after)" } else { nil } }
  }

  @Test func challengeRefreshUnregister() throws {
    var registration = RegistrationRefresh(configuration: Self.configuration())
    let first = try #require(Self.sent(registration.handle(.start)))
    #expect(first.method == "REGISTER" && first.requestURI == "sip:atlanta.example.com")
    #expect(first.header("Expires") == "3600" && first.authorization.isEmpty)

    // RFC 3261 §22.2: the 401 is answered once, with credentials the registrar can verify.
    var verifier = DigestVerifier(realm: "atlanta.example.com", algorithms: [.md5])
    var rng = SeededGenerator(seed: 3)
    let offered = verifier.challenges(now: .zero, using: &rng)
    let challenge = try Self.reply(
      to: first, "401 Unauthorized", offered.map { "WWW-Authenticate: " + $0.headerValue })
    let second = try #require(Self.sent(registration.handle(.received(challenge))))
    #expect(
      second.cseq?.sequence == 2 && second.callID == first.callID && second.from?.tag == first.from?.tag)
    let credentials = try DigestCredentials(parsing: try #require(second.authorization.first))
    let verdict = verifier.verify(
      credentials, method: "REGISTER", requestURI: "sip:atlanta.example.com", secret: .password("secret"),
      now: .zero)
    #expect(verdict == .ok)

    // The 200 grants 1800 s to our binding (its Contact expires wins over Expires).
    let ok = registration.handle(
      .received(
        try Self.reply(
          to: second, "200 OK",
          [
            "Contact: <sip:alice@192.0.2.9:5060>;expires=900",
            "Contact: <sip:alice@192.0.2.1:5060>;expires=1800",
            "Expires: 3600",
          ])))
    #expect(registration.state == .registered)
    #expect(ok.contains { if case .registered(for: .seconds(1800)) = $0 { true } else { false } })
    #expect(Self.timers(ok) == ["refresh 1770.0 seconds"])  // max(1800/2, 1800 − 30)

    // The refresh: same Call-ID, next CSeq, credentials with the next nonce count.
    let refresh = try #require(Self.sent(registration.handle(.timerFired(.refresh))))
    #expect(refresh.cseq?.sequence == 3 && refresh.callID == first.callID)
    #expect(refresh.authorization.first?.contains("nc=00000002") == true)
    let refreshed = registration.handle(.received(try Self.reply(to: refresh, "200 OK", ["Expires: 60"])))
    #expect(Self.timers(refreshed) == ["refresh 30.0 seconds"])  // max(60/2, 60 − 30)

    // Stop: Expires: 0, then unregistered.
    let stop = try #require(Self.sent(registration.handle(.stop)))
    #expect(stop.header("Expires") == "0" && stop.cseq?.sequence == 4)
    let done = registration.handle(.received(try Self.reply(to: stop, "200 OK")))
    #expect(done.contains { if case .unregistered = $0 { true } else { false } })
    #expect(registration.state == .stopped)
  }

  @Test func refreshDelays() {
    let registration = RegistrationRefresh(configuration: Self.configuration())
    #expect(registration.refreshDelay(granted: 3600) == .seconds(3570))
    #expect(registration.refreshDelay(granted: 60) == .seconds(30))
    #expect(registration.refreshDelay(granted: 40) == .seconds(20))
  }

  @Test func forbiddenFailsWithBackOff() throws {
    var registration = RegistrationRefresh(configuration: Self.configuration())
    let first = try #require(Self.sent(registration.handle(.start)))
    let failed = registration.handle(.received(try Self.reply(to: first, "403 Forbidden")))
    #expect(failed.contains { if case .failed(code: 403, _) = $0 { true } else { false } })
    #expect(registration.state == .failed)
    #expect(Self.timers(failed) == ["retry 30.0 seconds"])
    // The retry fails again: the delay doubles, up to the cap.
    let retry = try #require(Self.sent(registration.handle(.timerFired(.retry))))
    #expect(
      Self.timers(registration.handle(.received(try Self.reply(to: retry, "403 Forbidden")))) == [
        "retry 60.0 seconds"
      ])
    #expect(registration.retryDelay(failures: 20) == .seconds(1800))
  }

  @Test func sameNonceTwiceFails() throws {
    var registration = RegistrationRefresh(configuration: Self.configuration(password: "wrong"))
    let first = try #require(Self.sent(registration.handle(.start)))
    let second = try #require(
      Self.sent(
        registration.handle(
          .received(try Self.reply(to: first, "401 Unauthorized", [Self.challenge(nonce: "n1")])))))
    // The same nonce challenged again: the password is wrong; no third REGISTER (no loop).
    let again = registration.handle(
      .received(try Self.reply(to: second, "401 Unauthorized", [Self.challenge(nonce: "n1")])))
    #expect(Self.sent(again) == nil)
    #expect(again.contains { if case .failed(code: 401, _) = $0 { true } else { false } })
  }

  @Test func newNonceWithoutStaleFails() throws {
    var registration = RegistrationRefresh(configuration: Self.configuration(password: "wrong"))
    let first = try #require(Self.sent(registration.handle(.start)))
    let second = try #require(
      Self.sent(
        registration.handle(
          .received(try Self.reply(to: first, "401 Unauthorized", [Self.challenge(nonce: "n1")])))))
    let again = registration.handle(
      .received(try Self.reply(to: second, "401 Unauthorized", [Self.challenge(nonce: "n2")])))
    #expect(Self.sent(again) == nil && registration.state == .failed)
  }

  @Test func staleNonceRetried() throws {
    var registration = RegistrationRefresh(configuration: Self.configuration())
    let first = try #require(Self.sent(registration.handle(.start)))
    let second = try #require(
      Self.sent(
        registration.handle(
          .received(try Self.reply(to: first, "401 Unauthorized", [Self.challenge(nonce: "n1")])))))
    // RFC 7616 §3.3: stale=true: same password, the new nonce.
    let third = try #require(
      Self.sent(
        registration.handle(
          .received(
            try Self.reply(to: second, "401 Unauthorized", [Self.challenge(nonce: "n2", stale: true)])))))
    #expect(third.authorization.first?.contains("nonce=\"n2\"") == true)
    _ = registration.handle(.received(try Self.reply(to: third, "200 OK", ["Expires: 600"])))
    #expect(registration.state == .registered && registration.grantedExpires == 600)
  }

  @Test func noCredentialsFails() throws {
    var registration = RegistrationRefresh(configuration: Self.configuration(password: nil))
    let first = try #require(Self.sent(registration.handle(.start)))
    let failed = registration.handle(
      .received(try Self.reply(to: first, "401 Unauthorized", [Self.challenge(nonce: "n1")])))
    #expect(Self.sent(failed) == nil && registration.state == .failed)
  }

  @Test func intervalTooBrief() throws {
    var registration = RegistrationRefresh(configuration: Self.configuration(expires: 30))
    let first = try #require(Self.sent(registration.handle(.start)))
    let retry = try #require(
      Self.sent(
        registration.handle(
          .received(try Self.reply(to: first, "423 Interval Too Brief", ["Min-Expires: 120"])))))
    #expect(retry.header("Expires") == "120")  // RFC 3261 §10.2.8
  }

  @Test func timeoutRetries() throws {
    var registration = RegistrationRefresh(configuration: Self.configuration())
    _ = registration.handle(.start)
    let failed = registration.handle(.requestFailed(.timeout))
    #expect(failed.contains { if case .failed(code: 408, _) = $0 { true } else { false } })
    #expect(Self.timers(failed) == ["retry 30.0 seconds"])
  }

  @Test func strayResponseIgnored() throws {
    var registration = RegistrationRefresh(configuration: Self.configuration())
    let first = try #require(Self.sent(registration.handle(.start)))
    let stray = try inviteTrace(
      (try Self.reply(to: first, "200 OK")).text.replacingOccurrences(
        of: "CSeq: 1 REGISTER", with: "CSeq: 9 REGISTER"
      )
      .components(separatedBy: "\r\nContent-Length")[0])
    #expect(registration.handle(.received(stray)).isEmpty)
    #expect(registration.state == .registering)
  }
}
