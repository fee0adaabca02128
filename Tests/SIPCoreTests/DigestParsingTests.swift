// Tests of the digest header value parser and serializer (RFC 3261 §25.1, RFC 7616 §3.3–3.4).

import Testing

@testable import SIPCore

@Suite struct DigestParsingTests {
  @Test func challengeWithAllKnownParameters() throws {
    let challenge = try DigestChallenge(
      parsing: #"Digest realm="atlanta.com", domain="sip:ss1.carrier.com", qop="auth, auth-int", "#
        + #"nonce="f84f1cec41e6cbe5aea9c8e88d359", opaque="", stale=FALSE, algorithm=md5, userhash=true"#)
    #expect(challenge.realm == "atlanta.com")
    #expect(challenge.domain == "sip:ss1.carrier.com")
    #expect(challenge.qop == [.auth, .authInt])
    #expect(challenge.nonce == "f84f1cec41e6cbe5aea9c8e88d359")
    #expect(challenge.opaque == "")
    #expect(challenge.stale == false)
    #expect(challenge.algorithm == .md5)
    #expect(challenge.algorithm?.name == "MD5")
    #expect(challenge.userhash)
    #expect(challenge.extensions.isEmpty)
  }

  @Test func challengeDefaultsWhenParametersAreAbsent() throws {
    let challenge = try DigestChallenge(parsing: #"Digest realm="r", nonce="n""#)
    #expect(challenge.algorithm == nil)
    #expect(challenge.effectiveAlgorithm == .md5)
    #expect(challenge.qop.isEmpty)
    #expect(challenge.opaque == nil)
    #expect(!challenge.stale)
  }

  @Test func schemeAndNamesAreCaseInsensitiveAndLWSIsAllowed() throws {
    let challenge = try DigestChallenge(
      parsing: "  dIgEsT\tREALM = \"r\" ,\r\n  Nonce=\"n\",STALE=true , Algorithm=sha-256")
    #expect(challenge.realm == "r")
    #expect(challenge.nonce == "n")
    #expect(challenge.stale)
    #expect(challenge.algorithm == .sha256)
  }

  @Test func quotedStringEscapesAreRemovedAndRestoredOnSerialization() throws {
    let value = #"Digest realm="say \"hi\" \\ there", nonce="n""#
    let challenge = try DigestChallenge(parsing: value)
    #expect(challenge.realm == #"say "hi" \ there"#)
    #expect(challenge.headerValue.contains(#"realm="say \"hi\" \\ there""#))
    #expect(try DigestChallenge(parsing: challenge.headerValue) == challenge)
  }

  /// Found by fuzzing: an escaped control character must be written escaped again.
  @Test func controlCharactersAreEscapedSoTheValueParsesBack() throws {
    let parsed = try DigestChallenge(parsing: "Digest realm=\"a\\\u{1F}b\", nonce=n")
    #expect(parsed.realm == "a\u{1F}b")
    #expect(try DigestChallenge(parsing: parsed.headerValue) == parsed)
    let made = DigestChallenge(realm: "a\u{7F}b\tc\r\nd", nonce: "n")
    #expect(try DigestChallenge(parsing: made.headerValue).realm == "a\u{7F}b\tc  d")
  }

  @Test func unknownParametersAreKeptInOrder() throws {
    let challenge = try DigestChallenge(parsing: #"Digest realm="r", x-b=tok, nonce="n", x-a="q v""#)
    #expect(
      challenge.extensions == [
        DigestParameter(name: "x-b", value: "tok", isQuoted: false),
        DigestParameter(name: "x-a", value: "q v"),
      ])
    #expect(challenge.headerValue == #"Digest realm="r", nonce="n", x-b=tok, x-a="q v""#)
  }

  @Test func challengeSerializationRoundTrips() throws {
    let challenge = DigestChallenge(
      realm: "biloxi.com", nonce: "abc/def=", opaque: "o", algorithm: .sha256, qop: [.auth, .authInt],
      stale: true,
      userhash: true)
    #expect(
      challenge.headerValue
        == #"Digest realm="biloxi.com", nonce="abc/def=", opaque="o", stale=TRUE, algorithm=SHA-256, qop="auth,auth-int", userhash=true"#
    )
    #expect(try DigestChallenge(parsing: challenge.headerValue) == challenge)
  }

  @Test func credentialsRFC2617Example() throws {
    // RFC 2617 §3.5, folded as in the RFC.
    let value =
      "Digest username=\"Mufasa\",\r\n realm=\"testrealm@host.com\",\r\n"
      + " nonce=\"dcd98b7102dd2f0e8b11d0f600bfb0c093\",\r\n uri=\"/dir/index.html\",\r\n qop=auth,\r\n"
      + " nc=00000001,\r\n cnonce=\"0a4f113b\",\r\n response=\"6629fae49393a05397450978507c4ef1\",\r\n"
      + " opaque=\"5ccc069c403ebaf9f0171e9517f40e41\""
    let credentials = try DigestCredentials(parsing: value)
    #expect(credentials.username == "Mufasa")
    #expect(credentials.realm == "testrealm@host.com")
    #expect(credentials.uri == "/dir/index.html")
    #expect(credentials.qop == .auth)
    #expect(credentials.nonceCount == 1)
    #expect(credentials.cnonce == "0a4f113b")
    #expect(credentials.response == "6629fae49393a05397450978507c4ef1")
    #expect(credentials.opaque == "5ccc069c403ebaf9f0171e9517f40e41")
    #expect(credentials.algorithm == nil)
    #expect(try DigestCredentials(parsing: credentials.headerValue) == credentials)
  }

  @Test func credentialsAcceptQuotedQopAndUppercaseHex() throws {
    let credentials = try DigestCredentials(
      parsing:
        #"Digest username="u", realm="r", nonce="n", uri="sip:a", response="ABCDEF01", qop="auth", nc=0000001F, cnonce="c""#
    )
    #expect(credentials.qop == .auth)
    #expect(credentials.nonceCount == 31)
    #expect(credentials.response == "abcdef01")
    #expect(credentials.headerValue.contains("qop=auth, nc=0000001f"))
  }

  @Test(arguments: [
    ("", "expected an authentication scheme"),
    ("Digest", "missing parameters after scheme 'Digest'"),
    ("Digest realm=\"r\" nonce=\"n\"", "expected ',' after the value of 'realm'"),
    ("Digest realm=\"r\", realm=\"s\", nonce=\"n\"", "duplicated parameter 'realm'"),
    ("Digest realm=\"r\", REALM=\"s\", nonce=\"n\"", "duplicated parameter 'REALM'"),
    ("Digest realm=\"r, nonce=\"n\"", "expected ',' after the value of 'realm'"),
    ("Digest realm=\"unterminated", "unterminated quoted-string"),
    ("Digest realm=\"r\", nonce=\"n\",", "expected a parameter name, found the end"),
    ("Digest realm=\"r\",, nonce=\"n\"", "expected a parameter name"),
    ("Digest realm=, nonce=\"n\"", "expected a token or quoted-string value for 'realm'"),
    ("Digest realm \"r\"", "expected '=' after parameter 'realm'"),
    ("Digest realm=\"r\"\r\nnonce=\"n\"", "CR or LF that is not a line fold"),
    ("Digest realm=\"a\u{01}b\", nonce=\"n\"", "control character in quoted-string"),
    ("Digest realm=\"a\\\r\", nonce=\"n\"", "invalid escape in quoted-string"),
    ("Digest realm=\"r\"", "missing parameter 'nonce'"),
    ("Digest nonce=\"n\"", "missing parameter 'realm'"),
    ("Basic realm=\"r\"", "unsupported scheme 'Basic'"),
    ("Digest realm=\"r\", nonce=\"n\", stale=maybe", "'stale' must be true or false"),
    ("Digest realm=\"r\", nonce=\"n\", qop=\"auth,,auth-int\"", "invalid qop list \"auth,,auth-int\""),
    ("Digest realm=\"r\", nonce=\"n\", algorithm=\"\"", "empty algorithm"),
    ("Digest realm=r/s, nonce=\"n\"", "expected ',' after the value of 'realm'"),
  ])
  func malformedChallengesSayWhatIsWrong(value: String, reason: String) {
    #expect(throws: DigestParseError.self) { try DigestChallenge(parsing: value) }
    do {
      _ = try DigestChallenge(parsing: value)
    } catch {
      #expect(error.reason == reason)
      #expect(error.offset >= 0 && error.offset <= value.utf8.count)
    }
  }

  @Test func errorOffsetPointsAtTheDuplicate() {
    #expect(throws: DigestParseError("duplicated parameter 'realm'", at: 18)) {
      try DigestChallenge(parsing: #"Digest realm="x", realm="y""#)
    }
  }

  @Test(arguments: [
    (#"Digest realm="r", nonce="n", uri="u", response="0a""#, "missing parameter 'username'"),
    (#"Digest username="u", realm="r", nonce="n", uri="u""#, "missing parameter 'response'"),
    (#"Digest username="u", realm="r", nonce="n", uri="u", response="xyz""#, "response must be hex digits"),
    (
      #"Digest username="u", realm="r", nonce="n", uri="u", response="0a", qop=auth, cnonce="c""#,
      "missing parameter 'nc'"
    ),
    (
      #"Digest username="u", realm="r", nonce="n", uri="u", response="0a", qop=auth, nc=00000001"#,
      "missing parameter 'cnonce'"
    ),
    (
      #"Digest username="u", realm="r", nonce="n", uri="u", response="0a", qop=auth, nc=1, cnonce="c""#,
      "nc must be 8 hex digits"
    ),
    (
      #"Digest username="u", realm="r", nonce="n", uri="u", response="0a", qop=auth, nc=0000000g, cnonce="c""#,
      "nc must be 8 hex digits"
    ),
    (
      #"Digest username="u", realm="r", nonce="n", uri="u", response="0a", qop="auth auth-int", nc=00000001, cnonce="c""#,
      "qop must be one token"
    ),
    (#"Digest username="u", realm="r", nonce="n", uri="u", response="0a", nc=00000001"#, "'nc' without qop"),
  ])
  func malformedCredentialsSayWhatIsWrong(value: String, reason: String) {
    do {
      _ = try DigestCredentials(parsing: value)
      Issue.record("parsed \(value)")
    } catch {
      #expect(error.reason == reason)
    }
  }

  @Test func algorithmNamesAreCanonicalizedAndUnknownOnesKept() {
    #expect(DigestAlgorithm("md5-SESS") == .md5Session)
    #expect(DigestAlgorithm("SHA-512-256") == .sha512_256)
    #expect(!DigestAlgorithm.sha512_256.isSupported)
    #expect(DigestAlgorithm("X-New").name == "X-New")
    #expect(!DigestAlgorithm("X-New").isSupported)
    #expect(DigestAlgorithm.sha256Session.isSession)
  }
}
