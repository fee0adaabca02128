// Tests of DigestVerifier: client-to-server round trips, stale nonces, wrong passwords, replays
// and credentials that do not answer the challenge.

import Testing

@testable import SIPCore

@Suite struct DigestVerifierTests {
  private let start = Duration.seconds(1000)

  /// One challenge/answer exchange through header strings, as on the wire.
  private func exchange(
    _ verifier: inout DigestVerifier,
    client: inout DigestClient,
    generator: inout DigestTestGenerator,
    method: String = "REGISTER",
    uri: String = "sip:atlanta.com"
  ) throws -> DigestCredentials {
    let headers = verifier.challenges(now: start, using: &generator).map(\.headerValue)
    let answers = try client.respond(to: headers, method: method, uri: uri)
    let credentials = try #require(answers.first)
    return try DigestCredentials(parsing: credentials.headerValue)
  }

  @Test(arguments: [DigestAlgorithm.sha256, .md5, .md5Session, .sha256Session])
  func roundTripSucceeds(algorithm: DigestAlgorithm) throws {
    var verifier = DigestVerifier(realm: "atlanta.com", algorithms: [algorithm], opaque: "op")
    var client = DigestClient(username: "alice", password: "secret")
    var generator = DigestTestGenerator(state: 10)
    let credentials = try exchange(&verifier, client: &client, generator: &generator)
    #expect(credentials.effectiveAlgorithm == algorithm)
    #expect(credentials.opaque == "op")
    #expect(
      verifier.verify(
        credentials, method: "REGISTER", requestURI: "sip:atlanta.com", secret: .password("secret"),
        now: start + .seconds(1)) == .ok)
  }

  @Test func offersStrongestFirstAndTheClientTakesSHA256() throws {
    var verifier = DigestVerifier(realm: "atlanta.com")
    var generator = DigestTestGenerator(state: 11)
    let challenges = verifier.challenges(now: start, using: &generator)
    #expect(challenges.map(\.algorithm) == [.sha256, .md5])
    #expect(Set(challenges.map(\.nonce)).count == 1)
    var client = DigestClient(username: "alice", password: "secret")
    let credentials = try exchange(&verifier, client: &client, generator: &generator)
    #expect(credentials.algorithm == .sha256)
    #expect(verifier.verify(credentials, method: "REGISTER", secret: .password("secret"), now: start) == .ok)
  }

  @Test func storedHA1VerifiesLikeThePassword() throws {
    var verifier = DigestVerifier(realm: "atlanta.com", algorithms: [.sha256Session])
    var client = DigestClient(username: "alice", password: "secret")
    var generator = DigestTestGenerator(state: 12)
    let credentials = try exchange(&verifier, client: &client, generator: &generator)
    let ha1 = try #require(
      DigestAlgorithm.sha256.ha1(username: "alice", realm: "atlanta.com", password: "secret"))
    #expect(verifier.verify(credentials, method: "REGISTER", secret: .ha1(ha1), now: start) == .ok)
  }

  @Test func wrongPasswordIsWrongResponse() throws {
    var verifier = DigestVerifier(realm: "atlanta.com")
    var client = DigestClient(username: "alice", password: "guess")
    var generator = DigestTestGenerator(state: 13)
    let credentials = try exchange(&verifier, client: &client, generator: &generator)
    #expect(
      verifier.verify(credentials, method: "REGISTER", secret: .password("secret"), now: start)
        == .wrongResponse)
    // The method is part of the digest too.
    var right = DigestClient(username: "alice", password: "secret")
    let other = try exchange(&verifier, client: &right, generator: &generator)
    #expect(
      verifier.verify(other, method: "INVITE", secret: .password("secret"), now: start) == .wrongResponse)
  }

  @Test func expiredOrUnknownNonceIsStaleAndTheClientRetries() throws {
    var verifier = DigestVerifier(realm: "atlanta.com", nonceLifetime: .seconds(30))
    var client = DigestClient(username: "alice", password: "secret")
    var generator = DigestTestGenerator(state: 14)
    let credentials = try exchange(&verifier, client: &client, generator: &generator)
    #expect(
      verifier.verify(credentials, method: "REGISTER", secret: .password("secret"), now: start + .seconds(31))
        == .staleNonce)
    // A fresh verifier (a restarted server) does not know the nonce.
    var restarted = DigestVerifier(realm: "atlanta.com")
    #expect(
      restarted.verify(credentials, method: "REGISTER", secret: .password("secret"), now: start)
        == .staleNonce)
    // A wrong digest with an expired nonce is wrong, not stale (RFC 7616 §3.3).
    var forged = credentials
    forged.response = String(repeating: "0", count: 64)
    #expect(
      verifier.verify(forged, method: "REGISTER", secret: .password("secret"), now: start + .seconds(31))
        == .wrongResponse)
    // The server challenges with stale=true; the client answers without being told the password again.
    let later = start + .seconds(40)
    let fresh = verifier.challenges(now: later, stale: true, using: &generator)
    let retry = try #require(
      try client.respond(to: fresh, method: "REGISTER", uri: "sip:atlanta.com", using: &generator).first)
    #expect(verifier.verify(retry, method: "REGISTER", secret: .password("secret"), now: later) == .ok)
  }

  @Test func replayedOrOldNonceCountIsRefused() throws {
    var verifier = DigestVerifier(realm: "atlanta.com")
    var client = DigestClient(username: "alice", password: "secret")
    var generator = DigestTestGenerator(state: 15)
    let first = try exchange(&verifier, client: &client, generator: &generator)
    #expect(verifier.verify(first, method: "REGISTER", secret: .password("secret"), now: start) == .ok)
    #expect(verifier.verify(first, method: "REGISTER", secret: .password("secret"), now: start) == .replayed)
    let second = try #require(try client.authorize(method: "REGISTER", uri: "sip:atlanta.com").first)
    let third = try #require(try client.authorize(method: "REGISTER", uri: "sip:atlanta.com").first)
    #expect(third.nonceCount == 3)
    #expect(verifier.verify(third, method: "REGISTER", secret: .password("secret"), now: start) == .ok)
    // nc=2 arrives after nc=3 was accepted: not above the last, refused.
    #expect(verifier.verify(second, method: "REGISTER", secret: .password("secret"), now: start) == .replayed)
  }

  @Test func credentialsThatDoNotAnswerTheChallengeAreMalformed() throws {
    var verifier = DigestVerifier(realm: "atlanta.com", algorithms: [.sha256], opaque: "op")
    var client = DigestClient(username: "alice", password: "secret")
    var generator = DigestTestGenerator(state: 16)
    let good = try exchange(&verifier, client: &client, generator: &generator)
    func verdict(_ change: (inout DigestCredentials) -> Void) -> DigestVerification {
      var credentials = good
      change(&credentials)
      return verifier.verify(
        credentials, method: "REGISTER", requestURI: "sip:atlanta.com", secret: .password("secret"),
        now: start)
    }
    #expect(verdict { $0.realm = "biloxi.com" } == .malformed(#"realm "biloxi.com" is not "atlanta.com""#))
    #expect(verdict { $0.algorithm = .md5 } == .malformed("algorithm MD5 was not offered"))
    #expect(verdict { $0.qop = nil } == .malformed("qop missing"))
    #expect(verdict { $0.qop = .authInt } == .malformed("qop auth-int was not offered"))
    #expect(verdict { $0.opaque = nil } == .malformed("opaque does not match"))
    #expect(verdict { $0.uri = "sip:evil.com" } == .malformed(#"uri "sip:evil.com" is not the Request-URI"#))
    #expect(verdict { $0.userhash = true } == .malformed("userhash needs the account's username"))
    #expect(verdict { _ in } == .ok)
  }

  @Test func userhashIsVerifiedWithTheRealUsername() throws {
    var verifier = DigestVerifier(realm: "atlanta.com", algorithms: [.sha256])
    var generator = DigestTestGenerator(state: 17)
    var challenge = try #require(verifier.challenges(now: start, using: &generator).first)
    challenge.userhash = true
    let credentials = try DigestCredentials(
      answering: challenge, username: "alice", password: "secret", method: "REGISTER", uri: "sip:atlanta.com",
      nonceCount: 1, cnonce: "c")
    #expect(credentials.username == DigestAlgorithm.sha256.userhash(username: "alice", realm: "atlanta.com"))
    #expect(
      verifier.verify(
        credentials, method: "REGISTER", secret: .password("secret"), username: "alice", now: start)
        == .ok)
  }

  @Test func rfc2069ChallengesVerifyWithoutNonceCount() throws {
    var verifier = DigestVerifier(realm: "atlanta.com", algorithms: [.md5], qop: [])
    var client = DigestClient(username: "alice", password: "secret")
    var generator = DigestTestGenerator(state: 18)
    let credentials = try exchange(&verifier, client: &client, generator: &generator)
    #expect(credentials.qop == nil)
    #expect(verifier.verify(credentials, method: "REGISTER", secret: .password("secret"), now: start) == .ok)
    var withQop = credentials
    withQop.qop = .auth
    withQop.nonceCount = 1
    withQop.cnonce = "c"
    #expect(
      verifier.verify(withQop, method: "REGISTER", secret: .password("secret"), now: start)
        == .malformed("qop auth was not offered"))
  }

  @Test func rememberedNoncesAreBounded() throws {
    var verifier = DigestVerifier(realm: "atlanta.com", maximumNonces: 3)
    var client = DigestClient(username: "alice", password: "secret")
    var generator = DigestTestGenerator(state: 19)
    let oldest = try exchange(&verifier, client: &client, generator: &generator)
    for _ in 0..<500 {
      _ = verifier.challenges(now: start, using: &generator)
      #expect(verifier.rememberedNonceCount <= 3)
    }
    #expect(
      verifier.verify(oldest, method: "REGISTER", secret: .password("secret"), now: start) == .staleNonce)
  }
}
