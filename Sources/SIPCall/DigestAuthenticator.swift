public import NIOCore
public import SIPCore

/// Digest authentication of incoming requests (Net::SIP::Authorize in front of `listen`,
/// `sip.listen{auth_user2pass = ..., realm = ...}`): a new request without valid credentials
/// for ``realm`` is answered 401 with fresh challenges (RFC 3261 §22.1, §22.4); nonces expire
/// after ``nonceLifetime`` (answered with `stale=true`, RFC 7616 §3.3) and each nonce count is
/// accepted once (replays get a new challenge). Checked by SIPCore's ``DigestVerifier``.
///
/// ```swift
/// agent.authenticator = DigestAuthenticator(realm: "sipscript") { user, reply in
///   reply(user == "alice" ? "secret" : nil)          // may answer later, on the loop
/// }
/// ```
///
/// Requests inside a dialog (with a To tag) are not challenged: the dialog was. ACK and CANCEL
/// never are (they cannot be answered with a challenge, RFC 3261 §22.1).
///
/// Threading: not thread-safe; used on the agent's event loop.
public final class DigestAuthenticator {
  /// Finds a user's password and calls `reply` with it (nil: no such user), on the loop, now or
  /// later.
  public typealias PasswordLookup = (_ user: String, _ reply: @escaping (String?) -> Void) -> Void

  /// What to do with a request.
  public enum Verdict {
    /// Credentials verified for this user: handle the request.
    case accept(user: String)
    /// Answer with this response (401 and its challenges).
    case refuse(SIPMessage)
  }

  public let realm: String
  public var nonceLifetime: Duration { verifier.nonceLifetime }
  /// Requests checked and refused so far, and the ones accepted.
  public private(set) var challenged = 0
  public private(set) var accepted = 0

  var verifier: DigestVerifier
  let lookup: PasswordLookup
  var rng = BufferedRandomNumberGenerator()

  public init(realm: String, nonceLifetime: Duration = .seconds(300), lookup: @escaping PasswordLookup) {
    self.realm = realm
    self.lookup = lookup
    verifier = DigestVerifier(realm: realm, nonceLifetime: nonceLifetime)
  }

  /// Whether `request` must carry credentials: a new request (no To tag) other than ACK and
  /// CANCEL.
  public func applies(to request: SIPMessage) -> Bool {
    guard let method = request.method, method != "ACK", method != "CANCEL" else { return false }
    return request.toTag == nil
  }

  /// Checks the request's credentials for our realm; `verdict` runs on `loop` once the
  /// password lookup has answered.
  public func check(_ request: SIPMessage, on loop: any EventLoop, verdict: @escaping (Verdict) -> Void) {
    let offered = request.authorization.compactMap { try? DigestCredentials(parsing: $0) }
    guard let credentials = offered.first(where: { $0.realm == realm }) else {
      return verdict(.refuse(challenge(request, stale: false, now: loop.now)))
    }
    let bound = NIOLoopBound(self, eventLoop: loop)
    lookup(credentials.username) { password in
      let authenticator = bound.value
      loop.preconditionInEventLoop()
      let now = loop.now
      guard let password else {
        return verdict(.refuse(authenticator.challenge(request, stale: false, now: now)))
      }
      let result = authenticator.verifier.verify(
        credentials, method: request.method ?? "", requestURI: request.requestURI, body: request.body,
        secret: .password(password), now: Self.duration(now))
      switch result {
      case .ok:
        authenticator.accepted += 1
        verdict(.accept(user: credentials.username))
      case .staleNonce:
        // RFC 7616 §3.3: the right password with an old nonce: the client retries at once.
        verdict(.refuse(authenticator.challenge(request, stale: true, now: now)))
      default:
        // A wrong response, a replay or malformed credentials: challenge again; a client that
        // answered this realm already takes it as a refusal (RFC 3261 §22.2).
        verdict(.refuse(authenticator.challenge(request, stale: false, now: now)))
      }
    }
  }

  /// A 401 with one challenge per algorithm and a new nonce.
  func challenge(_ request: SIPMessage, stale: Bool, now: NIODeadline) -> SIPMessage {
    challenged += 1
    var response = request.makeResponse(statusCode: 401, toTag: SIPIdentifiers.tag(using: &rng))
    for challenge in verifier.challenges(now: Self.duration(now), stale: stale, using: &rng) {
      response.addHeader("WWW-Authenticate", challenge.headerValue)
    }
    return response
  }

  static func duration(_ deadline: NIODeadline) -> Duration {
    .nanoseconds(Int64(clamping: deadline.uptimeNanoseconds))
  }
}

@available(*, unavailable)
extension DigestAuthenticator: Sendable {}
