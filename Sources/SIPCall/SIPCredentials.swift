public import SIPCore

/// An account for answering digest challenges: the Lua `auth = {user=, password=, realm=}`
/// (Net::SIP's `auth`), for `sip.config`, `sip.register`, `sip.invite` and `sip.request`.
///
/// ```swift
/// let alice = SIPCredentials(user: "alice", password: "secret")
/// switch alice.authorize(request, challengedBy: response) {      // a 401 or 407 arrived
/// case .success(let retry): send(retry)                          // CSeq + 1 is the caller's
/// case .failure(let refusal): print(refusal)                     // the 401/407 is final
/// }
/// ```
public struct SIPCredentials: Sendable, Hashable, CustomStringConvertible {
  public var user: String
  public var password: String
  /// Only challenges of this realm are answered; nil answers any realm.
  public var realm: String?

  public init(user: String, password: String, realm: String? = nil) {
    self.user = user
    self.password = password
    self.realm = realm
  }

  /// Without the password, for logs.
  public var description: String { "\(user)" + (realm.map { "@\($0)" } ?? "") }

  /// How often one request is sent again after challenges, at most: once, plus two stale
  /// nonces (RFC 7616 §3.3), so a server that keeps saying `stale=true` ends the exchange.
  public static let maximumRetries = 3

  /// `request` with credentials answering the 401/407 `response` (RFC 3261 §22.2–22.3): one
  /// `Authorization` (401) or `Proxy-Authorization` (407) per challenged realm, replacing what
  /// the request carried for that realm; the others are kept (a proxy's and the UAS's
  /// challenges may come one after the other). CSeq and Via are left to the caller.
  ///
  /// Fails — and the challenge is then the request's final response — when no challenge is
  /// usable (another scheme or realm, an unknown algorithm), and when the request already
  /// answered the realm and the challenge does not say `stale=true`, or names the very nonce it
  /// answered: the credentials were refused, and sending them again would only loop.
  public func authorize(_ request: SIPMessage, challengedBy response: SIPMessage) -> Result<
    SIPMessage, CallError
  > {
    guard let code = response.statusCode, code == 401 || code == 407, let method = request.method,
      let uri = request.requestURI
    else { return .failure(CallError("not a digest challenge")) }
    let header = code == 401 ? "Authorization" : "Proxy-Authorization"
    let lines = code == 401 ? response.wwwAuthenticate : response.proxyAuthenticate
    var challenges = lines.compactMap { try? DigestChallenge(parsing: $0) }
    if let realm { challenges = challenges.filter { $0.realm == realm } }
    guard !challenges.isEmpty else {
      return .failure(
        CallError(
          realm.map { "\(code) without a digest challenge for realm \"\($0)\"" }
            ?? "\(code) without a digest challenge"))
    }
    let carried = request.headerLines(header).compactMap { try? DigestCredentials(parsing: $0) }
    if let repeated = challenges.first(where: { challenge in carried.contains { $0.nonce == challenge.nonce }
    }) {
      return .failure(CallError("credentials refused (nonce \(repeated.nonce.prefix(32)) challenged again)"))
    }
    var client = DigestClient(username: user, password: password)
    let answers: [DigestCredentials]
    do {
      answers = try client.respond(
        to: challenges, method: method, uri: uri, body: request.body, previous: carried)
    } catch {
      return .failure(CallError("credentials for \(user): \(error.reason)"))
    }
    let answered = Set(answers.map(\.realm))
    let kept = carried.filter { !answered.contains($0.realm) }
    var retry = request
    retry.removeHeader(header)
    for credentials in kept { retry.addHeader(header, renewed(credentials, for: request).headerValue) }
    for credentials in answers { retry.addHeader(header, credentials.headerValue) }
    // The other kind (Proxy-Authorization after a 401, Authorization after a 407) goes again
    // too, for a new request: with the next nonce count, or a server checking nc takes it for a
    // replay (RFC 7616 §3.4).
    let other = code == 401 ? "Proxy-Authorization" : "Authorization"
    let others = request.headerLines(other).compactMap { try? DigestCredentials(parsing: $0) }
    if !others.isEmpty {
      retry.removeHeader(other)
      for credentials in others { retry.addHeader(other, renewed(credentials, for: request).headerValue) }
    }
    return .success(retry)
  }

  /// Credentials the request carried, for the next request with the same nonce: nc + 1 and a
  /// new cnonce. Those of another account, and those without a nonce count (RFC 2069), stay as
  /// they are.
  func renewed(_ credentials: DigestCredentials, for request: SIPMessage) -> DigestCredentials {
    guard let count = credentials.nonceCount, credentials.username == user, let method = request.method,
      let uri = request.requestURI
    else { return credentials }
    let challenge = DigestChallenge(
      realm: credentials.realm, nonce: credentials.nonce, opaque: credentials.opaque,
      algorithm: credentials.algorithm, qop: credentials.qop.map { [$0] } ?? [])
    var generator = BufferedRandomNumberGenerator()
    let cnonce = (0..<2).map { _ in String(generator.next(), radix: 16) }.joined()
    return
      (try? DigestCredentials(
        answering: challenge, username: user, password: password, method: method, uri: uri,
        body: request.body, qop: credentials.qop, nonceCount: count &+ 1, cnonce: cnonce)) ?? credentials
  }

  /// The response with only the challenges this account may answer (its realm's), for
  /// SIPProtocol's `RegistrationRefresh`, which answers every challenge it is given.
  func keepingOwnRealm(_ response: SIPMessage) -> SIPMessage {
    guard let realm else { return response }
    var filtered = response
    for header in ["WWW-Authenticate", "Proxy-Authenticate"] where response.hasHeader(header) {
      let own = response.headerLines(header).filter { (try? DigestChallenge(parsing: $0))?.realm == realm }
      filtered.removeHeader(header)
      for line in own { filtered.addHeader(header, line) }
    }
    return filtered
  }
}
