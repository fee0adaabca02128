// The server side of digest authentication: challenges and verification with replay protection
// (RFC 7616 §3.3–3.5, §5; RFC 8760 §2.3; RFC 3261 §22.1, §22.4).

/// Issues digest challenges for one realm and checks the credentials that answer them.
///
/// Sans-I/O: the caller gives the time (`now`, a `Duration` since any fixed origin of its clock)
/// and, if it wants, the random number generator. The verifier remembers each nonce it issued
/// and the highest nonce count accepted with it, so a replayed request is refused; it remembers
/// at most ``maximumNonces`` nonces (the oldest is forgotten first, and credentials for a
/// forgotten nonce get ``DigestVerification/staleNonce``).
///
/// A value type with state; keep one per realm where requests are handled (e.g. on the event
/// loop that owns the SIP state) and mutate it from there only.
///
/// ```swift
/// var verifier = DigestVerifier(realm: "atlanta.com")
/// // A request without credentials: answer 401 with one WWW-Authenticate per challenge.
/// for challenge in verifier.challenges(now: now) {
///   response.headers.append(("WWW-Authenticate", challenge.headerValue))
/// }
/// // The retried request:
/// let credentials = try DigestCredentials(parsing: authorizationValue)
/// let verdict = verifier.verify(credentials, method: "REGISTER", requestURI: "sip:atlanta.com",
///                               secret: .password(passwords[credentials.username] ?? ""), now: now)
/// ```
public struct DigestVerifier: Sendable {
  /// The realm of the challenges.
  public let realm: String
  /// The algorithms offered, strongest first: one challenge each (RFC 8760 §2.3). Only
  /// supported algorithms are kept.
  public let algorithms: [DigestAlgorithm]
  /// The qop values offered; empty for RFC 2069 challenges (no nonce count, so no replay check).
  public let qop: [DigestQop]
  /// How long after issue a nonce is accepted.
  public let nonceLifetime: Duration
  /// How many nonces are remembered at most.
  public let maximumNonces: Int
  /// The opaque value sent with every challenge and expected back; `nil` for none.
  public let opaque: String?

  private struct NonceState: Sendable {
    var issued: Duration
    var lastCount: UInt32
  }

  private var nonces: [String: NonceState] = [:]
  /// Nonces in issue order; entries before `orderStart` are already forgotten.
  private var order: [String] = []
  private var orderStart = 0

  /// Makes a verifier.
  ///
  /// - Parameters:
  ///   - algorithms: offered strongest first; unsupported ones (SHA-512-256) are dropped, and MD5
  ///     is used if none remains.
  ///   - nonceLifetime: after this, a nonce is stale.
  ///   - maximumNonces: the bound on remembered nonces (at least 1).
  public init(
    realm: String,
    algorithms: [DigestAlgorithm] = [.sha256, .md5],
    qop: [DigestQop] = [.auth],
    nonceLifetime: Duration = .seconds(300),
    maximumNonces: Int = 4096,
    opaque: String? = nil
  ) {
    self.realm = realm
    let supported = algorithms.filter(\.isSupported)
    self.algorithms = supported.isEmpty ? [.md5] : supported
    self.qop = qop
    self.nonceLifetime = nonceLifetime
    self.maximumNonces = max(1, maximumNonces)
    self.opaque = opaque
  }

  /// How many nonces are remembered now.
  public var rememberedNonceCount: Int { nonces.count }

  /// Issues a fresh nonce and returns one challenge per offered algorithm, in preference order,
  /// to send as `WWW-Authenticate` (401) or `Proxy-Authenticate` (407) header fields.
  ///
  /// - Parameter stale: set after ``DigestVerification/staleNonce``: the client then retries
  ///   with the same password (RFC 7616 §3.3).
  public mutating func challenges(
    now: Duration,
    stale: Bool = false,
    using generator: inout some RandomNumberGenerator
  ) -> [DigestChallenge] {
    let nonce = DigestClient.makeClientNonce(using: &generator)
    remember(nonce, issued: now)
    return algorithms.map { algorithm in
      DigestChallenge(
        realm: realm, nonce: nonce, opaque: opaque, algorithm: algorithm, qop: qop, stale: stale)
    }
  }

  /// ``challenges(now:stale:using:)`` with the system's random numbers.
  public mutating func challenges(now: Duration, stale: Bool = false) -> [DigestChallenge] {
    var generator = BufferedRandomNumberGenerator()
    return challenges(now: now, stale: stale, using: &generator)
  }

  /// Checks credentials sent with a request.
  ///
  /// - Parameters:
  ///   - method: the request's method, part of A2 (RFC 7616 §3.4.3).
  ///   - requestURI: when given, the credentials' `uri` must be equal to it (RFC 3261 §22.4).
  ///   - body: the request body, for `qop=auth-int`.
  ///   - secret: the account's password or stored HA1.
  ///   - username: the account's real username, needed with a `.password` secret when the
  ///     client hid its username (`userhash=true`); by default the credentials' username.
  ///   - now: the time on the clock given to ``challenges(now:stale:using:)``.
  public mutating func verify(
    _ credentials: DigestCredentials,
    method: String,
    requestURI: String? = nil,
    body: [UInt8] = [],
    secret: DigestSecret,
    username: String? = nil,
    now: Duration
  ) -> DigestVerification {
    guard credentials.realm == realm else {
      return .malformed("realm \"\(credentials.realm)\" is not \"\(realm)\"")
    }
    let algorithm = credentials.effectiveAlgorithm
    guard algorithms.contains(algorithm) else {
      return .malformed("algorithm \(algorithm.name) was not offered")
    }
    if let sentQop = credentials.qop {
      guard qop.contains(sentQop) else { return .malformed("qop \(sentQop.name) was not offered") }
    } else if !qop.isEmpty {
      // A client that drops qop would escape the nonce-count replay check.
      return .malformed("qop missing")
    }
    if credentials.opaque != opaque {
      return .malformed("opaque does not match")
    }
    if let requestURI, requestURI != credentials.uri {
      return .malformed("uri \"\(credentials.uri)\" is not the Request-URI")
    }
    let ha1: String
    switch secret {
    case .ha1(let stored):
      ha1 = stored
    case .password(let password):
      if credentials.userhash, username == nil {
        return .malformed("userhash needs the account's username")
      }
      let name = username ?? credentials.username
      guard let computed = algorithm.ha1(username: name, realm: realm, password: password) else {
        return .malformed("algorithm \(algorithm.name) is not supported")
      }
      ha1 = computed
    }
    guard let expected = credentials.expectedResponse(ha1: ha1, method: method, body: body) else {
      return .malformed("response cannot be computed (cnonce missing?)")
    }
    guard Self.constantTimeEqual(expected, credentials.response) else {
      return .wrongResponse
    }
    // RFC 7616 §3.3: stale only when the digest is right for the nonce sent.
    guard var state = nonces[credentials.nonce], now - state.issued <= nonceLifetime else {
      return .staleNonce
    }
    if let count = credentials.nonceCount {
      // RFC 7616 §3.4: the server must check nc to detect replays; counts must increase.
      guard count > state.lastCount else { return .replayed }
      state.lastCount = count
      nonces[credentials.nonce] = state
    }
    return .ok
  }

  private mutating func remember(_ nonce: String, issued: Duration) {
    if nonces.updateValue(NonceState(issued: issued, lastCount: 0), forKey: nonce) == nil {
      order.append(nonce)
    }
    while nonces.count > maximumNonces, orderStart < order.count {
      nonces[order[orderStart]] = nil
      orderStart += 1
    }
    // Compact the queue once half of it is forgotten entries: amortized O(1) per nonce.
    if orderStart > 64, orderStart * 2 > order.count {
      order.removeFirst(orderStart)
      orderStart = 0
    }
  }

  /// Compares two hex digests without an early exit, so timing tells nothing about how many
  /// leading characters of a forged response were right.
  private static func constantTimeEqual(_ left: String, _ right: String) -> Bool {
    let a = Array(left.utf8)
    let b = Array(right.utf8)
    guard a.count == b.count else { return false }
    var difference: UInt8 = 0
    for index in 0..<a.count {
      difference |= a[index] ^ b[index]
    }
    return difference == 0
  }
}
