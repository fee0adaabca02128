// Known-answer tests of the request digest: the RFCs' worked examples, and values computed
// independently with Python's hashlib for the variants the RFCs give no example of.

import Testing

@testable import SIPCore

@Suite struct DigestVectorTests {
  /// RFC 2617 §3.5: the challenge and the password "Circle Of Life" (capital O).
  @Test func rfc2617Example() throws {
    let challenge = try DigestChallenge(
      parsing: #"Digest realm="testrealm@host.com", qop="auth,auth-int", "#
        + #"nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41""#)
    let credentials = try DigestCredentials(
      answering: challenge, username: "Mufasa", password: "Circle Of Life", method: "GET",
      uri: "/dir/index.html",
      nonceCount: 1, cnonce: "0a4f113b")
    #expect(credentials.response == "6629fae49393a05397450978507c4ef1")
    #expect(credentials.qop == .auth)
    #expect(credentials.opaque == "5ccc069c403ebaf9f0171e9517f40e41")
    #expect(credentials.algorithm == nil)
    #expect(
      credentials.headerValue
        == #"Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", "#
        + #"uri="/dir/index.html", response="6629fae49393a05397450978507c4ef1", cnonce="0a4f113b", "#
        + #"opaque="5ccc069c403ebaf9f0171e9517f40e41", qop=auth, nc=00000001"#)
  }

  /// RFC 7616 §3.9.1 (password "Circle of Life", lowercase o: erratum 4495), MD5 and SHA-256.
  @Test(arguments: [
    ("MD5", "8ca523f5e9506fed4657c9700eebdbec"),
    ("SHA-256", "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"),
  ])
  func rfc7616Examples(algorithm: String, response: String) throws {
    let challenge = try DigestChallenge(
      parsing: #"Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=\#(algorithm), "#
        + #"nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS""#
    )
    let credentials = try DigestCredentials(
      answering: challenge, username: "Mufasa", password: "Circle of Life", method: "GET",
      uri: "/dir/index.html",
      nonceCount: 1, cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ")
    #expect(credentials.response == response)
    #expect(credentials.algorithm?.name == algorithm)
    #expect(credentials.headerValue.contains("algorithm=\(algorithm), cnonce="))
  }

  /// RFC 2069 style (no qop): KD(HA1, nonce:HA2) with RFC 2617 §3.5's inputs.
  @Test func rfc2069WithoutQop() throws {
    let challenge = DigestChallenge(
      realm: "testrealm@host.com", nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093", qop: [])
    let credentials = try DigestCredentials(
      answering: challenge, username: "Mufasa", password: "Circle Of Life", method: "GET",
      uri: "/dir/index.html",
      nonceCount: 1, cnonce: "unused")
    #expect(credentials.response == "670fd8c2df070c60b045671b8b24ff02")
    #expect(credentials.qop == nil)
    #expect(credentials.cnonce == nil)
    #expect(credentials.nonceCount == nil)
    #expect(!credentials.headerValue.contains("nc="))
  }

  @Test(arguments: [
    (DigestAlgorithm.md5Session, "61a5495452f080317327f76ec89eee7f"),
    (DigestAlgorithm.sha256Session, "78cd99bc05bfecfb59e34df3e01a68851c73fd7b92648d8f8fd02025becdee1b"),
  ])
  func sessionVariants(algorithm: DigestAlgorithm, response: String) throws {
    let challenge = DigestChallenge(realm: "atlanta.com", nonce: "n1", algorithm: algorithm)
    let credentials = try DigestCredentials(
      answering: challenge, username: "alice", password: "secret", method: "REGISTER", uri: "sip:atlanta.com",
      nonceCount: 1, cnonce: "c1")
    #expect(credentials.response == response)
  }

  @Test(arguments: [
    (DigestAlgorithm.md5, "1b871bc0c1e698c53ebadd10060ec79f"),
    (DigestAlgorithm.sha256, "a3efb2561f4c6423bc2fad4b0afd8bfa232e6fb31cd48b13339d7a5b93186799"),
  ])
  func authIntCoversTheBody(algorithm: DigestAlgorithm, response: String) throws {
    let challenge = DigestChallenge(realm: "atlanta.com", nonce: "n1", algorithm: algorithm, qop: [.authInt])
    let credentials = try DigestCredentials(
      answering: challenge, username: "alice", password: "secret", method: "INVITE",
      uri: "sip:bob@biloxi.com",
      body: Array("v=0\r\n".utf8), nonceCount: 2, cnonce: "c1")
    #expect(credentials.qop == .authInt)
    #expect(credentials.response == response)
    let otherBody = try DigestCredentials(
      answering: challenge, username: "alice", password: "secret", method: "INVITE",
      uri: "sip:bob@biloxi.com",
      body: Array("v=1\r\n".utf8), nonceCount: 2, cnonce: "c1")
    #expect(otherBody.response != response)
  }

  @Test func userhashAndStoredHA1() throws {
    #expect(
      DigestAlgorithm.sha256.userhash(username: "Mufasa", realm: "http-auth@example.org")
        == "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6")
    #expect(
      DigestAlgorithm.sha256.ha1(
        username: "Mufasa", realm: "http-auth@example.org", password: "Circle of Life")
        == "7987c64c30e25f1b74be53f966b49b90f2808aa92faf9a00262392d7b4794232")
    let challenge = DigestChallenge(
      realm: "http-auth@example.org", nonce: "n", algorithm: .sha256, userhash: true)
    let credentials = try DigestCredentials(
      answering: challenge, username: "Mufasa", password: "Circle of Life", method: "GET", uri: "/",
      nonceCount: 1,
      cnonce: "c")
    #expect(credentials.userhash)
    #expect(credentials.username == "a947aad205e80e429958a387394944c6b496301e79f89d35a4cc23b6ee12b5b6")
    #expect(credentials.headerValue.hasSuffix("userhash=true"))
  }

  @Test func unsupportedAlgorithmAndQopAreErrors() {
    #expect(throws: DigestClientError.self) {
      try DigestCredentials(
        answering: DigestChallenge(realm: "r", nonce: "n", algorithm: .sha512_256), username: "u",
        password: "p",
        method: "GET", uri: "/", nonceCount: 1, cnonce: "c")
    }
    do {
      _ = try DigestCredentials(
        answering: DigestChallenge(realm: "r", nonce: "n", qop: [DigestQop("x-future")]), username: "u",
        password: "p",
        method: "GET", uri: "/", nonceCount: 1, cnonce: "c")
      Issue.record("answered an unknown qop")
    } catch {
      #expect(error.code == .unsupportedQop)
    }
  }
}
