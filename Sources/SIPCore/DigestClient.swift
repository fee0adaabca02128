// The client side of digest authentication (RFC 3261 §22.2–22.3, RFC 7616 §3.4, RFC 8760 §2.4).

/// Answers digest challenges for one username and password, counting the uses of each nonce.
///
/// A value type with state: keep it with the registration or the dialog that authenticates, and
/// call it from one place at a time (it is `Sendable`, but mutation needs `inout` access).
///
/// ```swift
/// var client = DigestClient(username: "alice", password: "secret")
/// // A 401 or 407 arrived:
/// let answers = try client.respond(
///   to: response.headerValues("WWW-Authenticate"), method: "REGISTER", uri: "sip:atlanta.com")
/// for credentials in answers { retry.headers.append(("Authorization", credentials.headerValue)) }
/// // If the retry is challenged again, pass what it carried: a wrong password then throws
/// // `.credentialsRejected` instead of being retried for ever.
/// _ = try client.respond(to: values, method: "REGISTER", uri: "sip:atlanta.com", previous: answers)
/// // Later requests may carry credentials before being challenged; nc goes up each time:
/// let again = try client.authorize(method: "REGISTER", uri: "sip:atlanta.com")
/// ```
///
/// The cnonce comes from a random number generator that tests can replace
/// (the `using:` variants).
public struct DigestClient: Sendable {
  /// The username sent (or hashed, when the challenge asks for `userhash`).
  public var username: String
  /// The password.
  public var password: String
  /// How many nonces the client remembers the count of; the oldest is forgotten first, and a
  /// forgotten nonce is answered again from nc=1.
  public var maximumRememberedNonces: Int

  /// nonce → the last nc sent with it.
  private var nonceCounts: [String: UInt32] = [:]
  /// Nonces in the order they were first used, for forgetting the oldest.
  private var nonceOrder: [String] = []
  /// realm → the challenge answered last for it, reused by ``authorize(method:uri:body:using:)``.
  private var answered: [String: DigestChallenge] = [:]
  /// Realms in the order they were first answered.
  private var realmOrder: [String] = []

  /// Makes a client for one account.
  public init(username: String, password: String, maximumRememberedNonces: Int = 64) {
    self.username = username
    self.password = password
    self.maximumRememberedNonces = max(1, maximumRememberedNonces)
  }

  /// Answers the challenges of a 401/407 response: one set of credentials per realm (RFC 3261
  /// §22.3), each for the strongest supported algorithm offered for that realm (RFC 8760 §2.4).
  ///
  /// - Parameter previous: the credentials the challenged request carried (what it had in
  ///   `Authorization` / `Proxy-Authorization`). A realm among them challenged again without
  ///   `stale=true` means the server refused them (RFC 3261 §22.2: do not retry them).
  /// - Throws: ``DigestClientError`` with `.noUsableChallenge` when no challenge can be answered,
  ///   and `.credentialsRejected` when `previous` already answered a realm that is challenged
  ///   again without `stale=true`: the username or password is wrong.
  public mutating func respond(
    to challenges: [DigestChallenge],
    method: String,
    uri: String,
    body: [UInt8] = [],
    previous: [DigestCredentials] = [],
    using generator: inout some RandomNumberGenerator
  ) throws(DigestClientError) -> [DigestCredentials] {
    var realms: [String] = []
    var byRealm: [String: [DigestChallenge]] = [:]
    for challenge in challenges {
      if byRealm[challenge.realm] == nil { realms.append(challenge.realm) }
      byRealm[challenge.realm, default: []].append(challenge)
    }
    var chosen: [DigestChallenge] = []
    for realm in realms {
      guard let best = DigestChallenge.strongest(byRealm[realm] ?? []) else { continue }
      if !best.stale, previous.contains(where: { $0.realm == realm }) {
        throw DigestClientError(.credentialsRejected, "credentials for realm \"\(realm)\" were rejected")
      }
      chosen.append(best)
    }
    if chosen.isEmpty {
      let offered = challenges.map(\.effectiveAlgorithm.name).joined(separator: ", ")
      throw DigestClientError(
        .noUsableChallenge, "no challenge with a supported algorithm (offered: \(offered))")
    }
    var answers: [DigestCredentials] = []
    for challenge in chosen {
      answers.append(try answer(challenge, method: method, uri: uri, body: body, using: &generator))
      remember(challenge)
    }
    return answers
  }

  /// Answers challenges like the `using:` variant, with the system's random numbers.
  public mutating func respond(
    to challenges: [DigestChallenge],
    method: String,
    uri: String,
    body: [UInt8] = [],
    previous: [DigestCredentials] = []
  ) throws(DigestClientError) -> [DigestCredentials] {
    var generator = BufferedRandomNumberGenerator()
    return try respond(
      to: challenges, method: method, uri: uri, body: body, previous: previous, using: &generator)
  }

  /// Answers the `WWW-Authenticate` or `Proxy-Authenticate` header values of a 401/407; values
  /// that are not digest challenges (another scheme, or malformed) are skipped.
  public mutating func respond(
    to headerValues: [String],
    method: String,
    uri: String,
    body: [UInt8] = [],
    previous: [DigestCredentials] = []
  ) throws(DigestClientError) -> [DigestCredentials] {
    let challenges = headerValues.compactMap { try? DigestChallenge(parsing: $0) }
    return try respond(to: challenges, method: method, uri: uri, body: body, previous: previous)
  }

  /// Credentials for a new request before any challenge, reusing each realm's last challenge
  /// with the next nonce count (RFC 7616 §3.4: nc counts the requests sent with a nonce).
  /// Empty when nothing was answered yet.
  public mutating func authorize(
    method: String,
    uri: String,
    body: [UInt8] = [],
    using generator: inout some RandomNumberGenerator
  ) throws(DigestClientError) -> [DigestCredentials] {
    var answers: [DigestCredentials] = []
    for realm in realmOrder {
      guard let challenge = answered[realm] else { continue }
      answers.append(try answer(challenge, method: method, uri: uri, body: body, using: &generator))
    }
    return answers
  }

  /// ``authorize(method:uri:body:using:)`` with the system's random numbers.
  public mutating func authorize(method: String, uri: String, body: [UInt8] = []) throws(DigestClientError)
    -> [DigestCredentials]
  {
    var generator = BufferedRandomNumberGenerator()
    return try authorize(method: method, uri: uri, body: body, using: &generator)
  }

  /// Forgets the realms answered and the nonce counts, e.g. after changing the password.
  public mutating func reset() {
    nonceCounts = [:]
    nonceOrder = []
    answered = [:]
    realmOrder = []
  }

  /// The nonce count the next request with `nonce` will carry.
  public func nextNonceCount(for nonce: String) -> UInt32 {
    (nonceCounts[nonce] ?? 0) &+ 1
  }

  private mutating func answer(
    _ challenge: DigestChallenge,
    method: String,
    uri: String,
    body: [UInt8],
    using generator: inout some RandomNumberGenerator
  ) throws(DigestClientError) -> DigestCredentials {
    let count = nextNonceCount(for: challenge.nonce)
    let credentials = try DigestCredentials(
      answering: challenge, username: username, password: password, method: method, uri: uri, body: body,
      nonceCount: count, cnonce: Self.makeClientNonce(using: &generator))
    if nonceCounts.updateValue(count, forKey: challenge.nonce) == nil {
      nonceOrder.append(challenge.nonce)
      if nonceOrder.count > maximumRememberedNonces {
        nonceCounts[nonceOrder.removeFirst()] = nil
      }
    }
    return credentials
  }

  private mutating func remember(_ challenge: DigestChallenge) {
    if answered.updateValue(challenge, forKey: challenge.realm) == nil {
      realmOrder.append(challenge.realm)
      if realmOrder.count > maximumRememberedNonces {
        answered[realmOrder.removeFirst()] = nil
      }
    }
  }

  /// 128 random bits as 32 hex digits: enough that a client never repeats a cnonce (RFC 7616
  /// §5.10 chosen-plaintext protection).
  static func makeClientNonce(using generator: inout some RandomNumberGenerator) -> String {
    let high = generator.next()
    let low = generator.next()
    var bytes: [UInt8] = []
    for word in [high, low] {
      for shift in stride(from: 56, through: 0, by: -8) {
        bytes.append(UInt8(truncatingIfNeeded: word >> UInt64(shift)))
      }
    }
    return DigestHex.encode(bytes)
  }
}
