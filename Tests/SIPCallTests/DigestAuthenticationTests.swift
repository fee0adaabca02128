import Foundation
import NIOCore
import NIOPosix
import SIPCall
import SIPCore
import Testing

/// The digest rules of the call layer without a network: answering challenges
/// (``SIPCredentials``) and checking them (``DigestAuthenticator``), each against SIPCore's
/// other half.
@Suite struct DigestAuthenticationTests {
  static func request(_ method: String = "INVITE") throws -> SIPMessage {
    SIPMessage.request(
      method: method, uri: try SIPURI.parse("sip:bob@192.0.2.4"),
      from: try SIPNameAddress.parse("<sip:alice@192.0.2.1>"),
      to: try SIPNameAddress.parse("<sip:bob@192.0.2.4>"),
      via: SIPVia(transport: "UDP", host: "192.0.2.1", port: 5060), body: Array("v=0\r\n".utf8),
      contentType: "application/sdp")
  }

  static func challenge(
    _ request: SIPMessage, code: Int, verifier: inout DigestVerifier, stale: Bool = false,
    now: Duration = .zero
  ) -> SIPMessage {
    var response = request.makeResponse(statusCode: code, toTag: "t")
    for challenge in verifier.challenges(now: now, stale: stale) {
      response.addHeader(code == 401 ? "WWW-Authenticate" : "Proxy-Authenticate", challenge.headerValue)
    }
    return response
  }

  static func credentials(_ message: SIPMessage, _ header: String) throws -> [DigestCredentials] {
    try message.headerLines(header).map { try DigestCredentials(parsing: $0) }
  }

  @Test func answersOncePerNonceAndAgainWhenStale() throws {
    let alice = SIPCredentials(user: "alice", password: "secret")
    var verifier = DigestVerifier(realm: "bob.test")
    let invite = try Self.request()
    let first = try alice.authorize(
      invite, challengedBy: Self.challenge(invite, code: 401, verifier: &verifier)
    ).get()
    let sent = try #require(try Self.credentials(first, "Authorization").first)
    #expect(sent.effectiveAlgorithm == .sha256)  // the strongest offered (RFC 8760 §2.4)
    #expect(
      verifier.verify(
        sent, method: "INVITE", requestURI: "sip:bob@192.0.2.4", secret: .password("secret"), now: .zero)
        == .ok)
    // Challenged again without stale: refused, not sent a third time.
    let again = Self.challenge(first, code: 401, verifier: &verifier)
    #expect(throws: CallError.self) { try alice.authorize(first, challengedBy: again).get() }
    // stale=true: the same password with the new nonce, replacing the old credentials.
    let stale = Self.challenge(first, code: 401, verifier: &verifier, stale: true)
    let second = try alice.authorize(first, challengedBy: stale).get()
    let lines = try Self.credentials(second, "Authorization")
    #expect(lines.count == 1 && lines[0].nonce != sent.nonce)
    // A challenge naming the nonce already answered is a refusal even with stale=true.
    var replayed = second.makeResponse(statusCode: 401, toTag: "t")
    replayed.addHeader(
      "WWW-Authenticate",
      DigestChallenge(realm: "bob.test", nonce: lines[0].nonce, algorithm: .sha256, stale: true).headerValue)
    #expect(throws: CallError.self) { try alice.authorize(second, challengedBy: replayed).get() }
  }

  @Test func proxyThenUASKeepsBothAndCountsOn() throws {
    let alice = SIPCredentials(user: "alice", password: "secret")
    var proxy = DigestVerifier(realm: "proxy.test", algorithms: [.md5])
    var uas = DigestVerifier(realm: "bob.test")
    let invite = try Self.request()
    let toProxy = try alice.authorize(
      invite, challengedBy: Self.challenge(invite, code: 407, verifier: &proxy)
    ).get()
    let toUAS = try alice.authorize(toProxy, challengedBy: Self.challenge(toProxy, code: 401, verifier: &uas))
      .get()
    let first = try #require(try Self.credentials(toProxy, "Proxy-Authorization").first)
    let renewed = try #require(try Self.credentials(toUAS, "Proxy-Authorization").first)
    // The proxy's credentials go again, for a new request: same nonce, next count (RFC 7616 §3.4).
    #expect(renewed.nonce == first.nonce && first.nonceCount == 1 && renewed.nonceCount == 2)
    #expect(renewed.cnonce != first.cnonce)
    let uri = "sip:bob@192.0.2.4"
    #expect(
      proxy.verify(first, method: "INVITE", requestURI: uri, secret: .password("secret"), now: .zero) == .ok)
    #expect(
      proxy.verify(renewed, method: "INVITE", requestURI: uri, secret: .password("secret"), now: .zero) == .ok
    )
    let own = try #require(try Self.credentials(toUAS, "Authorization").first)
    #expect(
      uas.verify(own, method: "INVITE", requestURI: uri, secret: .password("secret"), now: .zero) == .ok)
  }

  @Test func realmAndSchemeLimitWhatIsAnswered() throws {
    var verifier = DigestVerifier(realm: "bob.test")
    let invite = try Self.request()
    let response = Self.challenge(invite, code: 401, verifier: &verifier)
    let elsewhere = SIPCredentials(user: "alice", password: "secret", realm: "other.test")
    #expect(throws: CallError.self) { try elsewhere.authorize(invite, challengedBy: response).get() }
    let here = SIPCredentials(user: "alice", password: "secret", realm: "bob.test")
    #expect((try? here.authorize(invite, challengedBy: response).get()) != nil)
    var basic = invite.makeResponse(statusCode: 401, toTag: "t")
    basic.addHeader("WWW-Authenticate", #"Basic realm="bob.test""#)
    #expect(throws: CallError.self) { try here.authorize(invite, challengedBy: basic).get() }
    #expect(throws: CallError.self) {
      try here.authorize(invite, challengedBy: invite.makeResponse(statusCode: 403)).get()
    }
  }

  /// Runs `check` on the loop and waits for the verdict.
  static func verdict(
    _ authenticator: NIOLoopBound<DigestAuthenticator>, _ request: SIPMessage, on loop: any EventLoop
  ) throws -> SIPMessage? {
    let promise = loop.makePromise(of: SIPMessage?.self)
    loop.execute {
      authenticator.value.check(request, on: loop) { verdict in
        switch verdict {
        case .accept: promise.succeed(nil)
        case .refuse(let response): promise.succeed(response)
        }
      }
    }
    return try promise.futureResult.wait()
  }

  @Test func authenticatorChallengesVerifiesAndExpiresNonces() throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    defer { try? group.syncShutdownGracefully() }
    let loop = group.next()
    let authenticator = try loop.submit {
      NIOLoopBound(
        DigestAuthenticator(realm: "bob.test", nonceLifetime: .milliseconds(200)) { user, reply in
          reply(user == "alice" ? "secret" : nil)
        }, eventLoop: loop)
    }.wait()
    let alice = SIPCredentials(user: "alice", password: "secret")
    let invite = try Self.request()
    let challenge = try #require(try Self.verdict(authenticator, invite, on: loop))
    #expect(challenge.statusCode == 401 && challenge.wwwAuthenticate.count == 2)  // SHA-256 and MD5
    let answered = try alice.authorize(invite, challengedBy: challenge).get()
    #expect(try Self.verdict(authenticator, answered, on: loop) == nil)
    // The same credentials again are a replay: a new challenge, not stale.
    let replay = try #require(try Self.verdict(authenticator, answered, on: loop))
    #expect(replay.statusCode == 401 && !replay.wwwAuthenticate.contains { $0.contains("stale") })
    // A wrong password and an unknown user are challenged again.
    let wrong = try SIPCredentials(user: "alice", password: "nope").authorize(invite, challengedBy: challenge)
      .get()
    #expect(try Self.verdict(authenticator, wrong, on: loop)?.statusCode == 401)
    let mallory = try SIPCredentials(user: "mallory", password: "x").authorize(
      invite, challengedBy: challenge
    ).get()
    #expect(try Self.verdict(authenticator, mallory, on: loop)?.statusCode == 401)
    // Past the nonce's lifetime the right password gets stale=true, and the retry gets in.
    let fresh = try #require(try Self.verdict(authenticator, invite, on: loop))
    let late = try alice.authorize(invite, challengedBy: fresh).get()
    Thread.sleep(forTimeInterval: 0.3)
    let stale = try #require(try Self.verdict(authenticator, late, on: loop))
    #expect(stale.wwwAuthenticate.allSatisfy { $0.contains("stale=TRUE") })
    let retried = try alice.authorize(late, challengedBy: stale).get()
    #expect(try Self.verdict(authenticator, retried, on: loop) == nil)
    // ACK and in-dialog requests are not challenged.
    let ack = try Self.request("ACK")
    var bye = try Self.request("BYE")
    bye.setHeader("To", "<sip:bob@192.0.2.4>;tag=b0b")
    let inDialog = bye
    let applies = try loop.submit {
      (authenticator.value.applies(to: ack), authenticator.value.applies(to: inDialog))
    }.wait()
    #expect(!applies.0 && !applies.1)
    #expect(try loop.submit { authenticator.value.accepted }.wait() == 2)
  }
}
