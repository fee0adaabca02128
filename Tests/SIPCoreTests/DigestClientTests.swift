// Tests of DigestClient: choice among challenges, nonce counts, stale and rejected challenges.

import Testing

@testable import SIPCore

/// A deterministic generator (SplitMix64) so cnonces and nonces are reproducible in tests.
struct DigestTestGenerator: RandomNumberGenerator {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite struct DigestClientTests {
  @Test func choosesTheStrongestSupportedAlgorithm() throws {
    let offered = [
      DigestChallenge(realm: "r", nonce: "n1", algorithm: .md5),
      DigestChallenge(realm: "r", nonce: "n2", algorithm: .sha512_256),
      DigestChallenge(realm: "r", nonce: "n3", algorithm: .sha256),
      DigestChallenge(realm: "r", nonce: "n4", algorithm: .sha256Session),
    ]
    #expect(DigestChallenge.strongest(offered)?.nonce == "n3")
    #expect(DigestChallenge.strongest([offered[1]]) == nil)
    var client = DigestClient(username: "u", password: "p")
    var generator = DigestTestGenerator(state: 1)
    let answers = try client.respond(to: offered, method: "INVITE", uri: "sip:b@x", using: &generator)
    #expect(answers.count == 1)
    #expect(answers.first?.algorithm == .sha256)
    #expect(answers.first?.nonce == "n3")
  }

  @Test func answersEachRealmOnce() throws {
    var client = DigestClient(username: "u", password: "p")
    var generator = DigestTestGenerator(state: 2)
    let answers = try client.respond(
      to: [
        DigestChallenge(realm: "a", nonce: "1", algorithm: .md5),
        DigestChallenge(realm: "b", nonce: "2", algorithm: .md5),
        DigestChallenge(realm: "a", nonce: "3", algorithm: .sha256),
      ], method: "INVITE", uri: "sip:b@x", using: &generator)
    #expect(answers.map(\.realm) == ["a", "b"])
    #expect(answers.map(\.nonce) == ["3", "2"])
  }

  @Test func nonceCountGoesUpPerReuseAndCnonceComesFromTheGenerator() throws {
    var client = DigestClient(username: "u", password: "p")
    var generator = DigestTestGenerator(state: 3)
    let first = try client.respond(
      to: [DigestChallenge(realm: "r", nonce: "n")], method: "REGISTER", uri: "sip:r", using: &generator)
    let second = try client.authorize(method: "REGISTER", uri: "sip:r", using: &generator)
    let third = try client.authorize(method: "REGISTER", uri: "sip:r", using: &generator)
    #expect(first.first?.nonceCount == 1)
    #expect(second.first?.nonceCount == 2)
    #expect(third.first?.nonceCount == 3)
    #expect(first.first?.cnonce != second.first?.cnonce)
    #expect(first.first?.cnonce?.utf8.count == 32)
    // The same seed gives the same cnonce.
    var replay = DigestTestGenerator(state: 3)
    #expect(first.first?.cnonce == DigestClient.makeClientNonce(using: &replay))
  }

  @Test func authorizeBeforeAnyChallengeGivesNothing() throws {
    var client = DigestClient(username: "u", password: "p")
    #expect(try client.authorize(method: "OPTIONS", uri: "sip:r").isEmpty)
  }

  @Test func staleChallengeIsAnsweredAgainWithTheNewNonce() throws {
    var client = DigestClient(username: "u", password: "p")
    var generator = DigestTestGenerator(state: 4)
    _ = try client.respond(
      to: [DigestChallenge(realm: "r", nonce: "old")], method: "BYE", uri: "sip:b", using: &generator)
    let again = try client.respond(
      to: [DigestChallenge(realm: "r", nonce: "new", stale: true)], method: "BYE", uri: "sip:b",
      using: &generator)
    #expect(again.first?.nonce == "new")
    #expect(again.first?.nonceCount == 1)
  }

  @Test func aSecondChallengeWithoutStaleMeansRejected() throws {
    var client = DigestClient(username: "u", password: "wrong")
    var generator = DigestTestGenerator(state: 5)
    _ = try client.respond(
      to: [DigestChallenge(realm: "r", nonce: "a")], method: "INVITE", uri: "sip:b", using: &generator)
    #expect(throws: DigestClientError.self) {
      try client.respond(
        to: [DigestChallenge(realm: "r", nonce: "b")], method: "INVITE", uri: "sip:b", using: &generator)
    }
    do {
      _ = try client.respond(
        to: [DigestChallenge(realm: "r", nonce: "b")], method: "INVITE", uri: "sip:b", using: &generator)
    } catch {
      #expect(error.code == .credentialsRejected)
    }
    client.reset()
    client.password = "right"
    #expect(
      try client.respond(
        to: [DigestChallenge(realm: "r", nonce: "b")], method: "INVITE", uri: "sip:b", using: &generator
      )
      .count == 1)
  }

  @Test func headerValuesOfOtherSchemesAreSkipped() throws {
    var client = DigestClient(username: "u", password: "p")
    let answers = try client.respond(
      to: [#"Basic realm="r""#, #"Digest realm="r", nonce="n", algorithm=SHA-256, qop="auth""#, "garbage"],
      method: "REGISTER", uri: "sip:r")
    #expect(answers.first?.algorithm == .sha256)
    #expect(throws: DigestClientError.self) {
      try client.respond(to: [#"Basic realm="x""#], method: "REGISTER", uri: "sip:r")
    }
  }

  @Test func rememberedNoncesAreBounded() throws {
    var generator = DigestTestGenerator(state: 6)
    var bounded = DigestClient(username: "u", password: "p", maximumRememberedNonces: 2)
    for realm in ["r1", "r2", "r3"] {
      _ = try bounded.respond(
        to: [DigestChallenge(realm: realm, nonce: "n-\(realm)")], method: "M", uri: "u", using: &generator)
    }
    // r1's nonce was forgotten first: its count starts again, the others go on.
    #expect(bounded.nextNonceCount(for: "n-r1") == 1)
    #expect(bounded.nextNonceCount(for: "n-r3") == 2)
    #expect(try bounded.authorize(method: "M", uri: "u", using: &generator).map(\.realm) == ["r2", "r3"])
  }
}
