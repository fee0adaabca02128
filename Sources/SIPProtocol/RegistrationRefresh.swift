public import SIPCore

/// One binding at a registrar, kept alive (RFC 3261 §10.2): REGISTER with Expires, digest
/// challenges answered once per nonce (§22.2), refresh before the granted time runs out, retries
/// with back-off after failures, and un-registration (Expires: 0) on stop.
///
/// Pure: responses, timer firings and commands in, actions out. All REGISTERs share one Call-ID
/// and From tag and count CSeq up (§10.2.4).
///
/// ```swift
/// var registration = RegistrationRefresh(configuration: .init(
///   registrar: registrarURI, addressOfRecord: alice, contact: aliceContact, via: via,
///   expires: 3600, credentials: DigestClient(username: "alice", password: "secret")))
/// perform(registration.handle(.start))                 // REGISTER
/// perform(registration.handle(.received(challenge)))   // REGISTER with Authorization
/// perform(registration.handle(.received(ok)))          // .registered(for: 3600 s), refresh armed at 3570 s
/// ```
///
/// Refresh time: for a granted `e` seconds, the refresh is sent after max(e/2, e − margin)
/// (margin 30 s by default): near the end for long bindings, half-way for short ones so that a
/// lost REGISTER still has time for its retransmissions (Timer F is 32 s).
///
/// Not thread-safe: owned by one event loop.
public struct RegistrationRefresh: Sendable {
  public struct Configuration: Sendable {
    /// The Request-URI: the registrar's domain (§10.2).
    public var registrar: SIPURI
    /// To and From: the address of record being registered.
    public var addressOfRecord: SIPNameAddress
    public var contact: SIPNameAddress
    public var via: SIPVia
    /// Seconds asked for.
    public var expires: UInt32
    /// The account, nil when the registrar needs none.
    public var credentials: DigestClient?
    /// How long before expiry a refresh goes out (see the type's documentation).
    public var refreshMargin: Duration
    /// Back-off after a failure: the first retry delay, doubled after each failure up to the cap.
    public var retryBase: Duration
    public var retryCap: Duration
    public var seed: UInt64

    public init(
      registrar: SIPURI, addressOfRecord: SIPNameAddress, contact: SIPNameAddress, via: SIPVia,
      expires: UInt32 = 3600, credentials: DigestClient? = nil, refreshMargin: Duration = .seconds(30),
      retryBase: Duration = .seconds(30), retryCap: Duration = .seconds(1800), seed: UInt64 = 0
    ) {
      self.registrar = registrar
      self.addressOfRecord = addressOfRecord
      self.contact = contact
      self.via = via
      self.expires = expires
      self.credentials = credentials
      self.refreshMargin = refreshMargin
      self.retryBase = retryBase
      self.retryCap = retryCap
      self.seed = seed
    }
  }

  public enum State: String, Sendable, Hashable {
    case idle, registering, registered, failed, unregistering, stopped
  }

  public enum Timer: Sendable, Hashable {
    /// Time to refresh the binding.
    case refresh
    /// Time to try again after a failure.
    case retry
  }

  public enum Event: Sendable {
    case start
    /// A response to one of our REGISTERs.
    case received(SIPMessage)
    case timerFired(Timer)
    /// The REGISTER got no response (Timer F) or could not be sent.
    case requestFailed(InviteSession.RequestFailure)
    /// Un-register (Expires: 0) and stop.
    case stop
  }

  public enum Action: Sendable {
    case sendRequest(SIPMessage, to: SIPEndpoint)
    case armTimer(Timer, after: Duration)
    case cancelTimer(Timer)
    case stateChanged(State)
    /// The binding holds for this long from now (`cb_final` OK of `sip.register`).
    case registered(for: Duration)
    /// This attempt failed with this code (a retry is armed unless stopped).
    case failed(code: Int, reason: String)
    /// The binding was removed (or never existed) and the registration stopped.
    case unregistered
  }

  public let configuration: Configuration
  public internal(set) var state: State = .idle
  /// The seconds the registrar granted last.
  public internal(set) var grantedExpires: UInt32?
  /// Failures in a row, for the back-off.
  public internal(set) var consecutiveFailures = 0

  var rng: SeededGenerator
  var credentials: DigestClient?
  let callID: String
  let fromTag: String
  var cseq: UInt32 = 0
  /// The REGISTER waiting for its response.
  var outstanding: SIPMessage?
  /// Nonces answered for the current REGISTER cycle: a second challenge with one of them means the
  /// credentials were refused (RFC 3261 §22.2), never a loop.
  var answeredNonces: Set<String> = []
  /// The Expires asked for, raised by a 423 (§10.2.8).
  var requestedExpires: UInt32

  /// Challenges answered at most in one REGISTER cycle: the first, and two stale nonces.
  public static let maximumChallenges = 3

  public init(configuration: Configuration) {
    self.configuration = configuration
    var rng = SeededGenerator(seed: configuration.seed)
    callID = SIPIdentifiers.callID(host: configuration.via.host, using: &rng)
    fromTag = SIPIdentifiers.tag(using: &rng)
    self.rng = rng
    credentials = configuration.credentials
    requestedExpires = configuration.expires
  }

  public mutating func handle(_ event: Event) -> [Action] {
    var out: [Action] = []
    switch event {
    case .start:
      guard state == .idle || state == .stopped || state == .failed else { break }
      out.append(.cancelTimer(.retry))
      beginCycle(&out)
    case .received(let response): receive(response, &out)
    case .timerFired(.refresh):
      if state == .registered { beginCycle(&out) }
    case .timerFired(.retry):
      if state == .failed { beginCycle(&out) }
    case .requestFailed(let failure):
      guard outstanding != nil else { break }
      let wasUnregistering = state == .unregistering
      outstanding = nil
      if wasUnregistering {
        finishStop(&out)
      } else {
        fail(code: failure == .timeout ? 408 : 503, reason: "no response from the registrar", &out)
      }
    case .stop: stop(&out)
    }
    return out
  }

  /// The refresh delay for a granted time (see the type's documentation).
  public func refreshDelay(granted seconds: UInt32) -> Duration {
    let full = Duration.seconds(Int64(seconds))
    return max(full / 2, full - configuration.refreshMargin)
  }

  /// The retry delay after `failures` failures in a row: base, doubled each time, capped.
  public func retryDelay(failures: Int) -> Duration {
    var delay = configuration.retryBase
    for _ in 1..<max(1, min(failures, 32)) where delay < configuration.retryCap { delay = delay * 2 }
    return min(delay, configuration.retryCap)
  }

  mutating func setState(_ new: State, _ out: inout [Action]) {
    guard new != state else { return }
    state = new
    out.append(.stateChanged(new))
  }

  mutating func beginCycle(_ out: inout [Action]) {
    answeredNonces = []
    setState(.registering, &out)
    send(expires: requestedExpires, authorization: preAuthorization(), &out)
  }

  /// Credentials from the last challenge with the next nonce count (RFC 7616 §3.4), so a refresh
  /// needs no new round trip when the nonce is still good.
  mutating func preAuthorization() -> [(String, String)] {
    guard var client = credentials,
      let answers = try? client.authorize(
        method: "REGISTER", uri: configuration.registrar.description, using: &rng)
    else { return [] }
    credentials = client
    return answers.map { ("Authorization", $0.headerValue) }
  }

  mutating func send(expires: UInt32, authorization: [(String, String)], _ out: inout [Action]) {
    cseq &+= 1
    var from = configuration.addressOfRecord
    from.tag = fromTag
    var to = configuration.addressOfRecord
    to.tag = nil
    var via = configuration.via
    via.branch = SIPIdentifiers.branch(using: &rng)
    var request = SIPMessage.request(
      method: "REGISTER", uri: configuration.registrar, from: from, to: to, via: via, callID: callID,
      cseq: cseq,
      contact: configuration.contact, using: &rng)
    request.addHeader("Expires", String(expires))
    for (name, value) in authorization { request.addHeader(name, value) }
    request.setBody([])
    outstanding = request
    out.append(.sendRequest(request, to: SIPEndpoint(uri: configuration.registrar)))
  }

  mutating func receive(_ response: SIPMessage, _ out: inout [Action]) {
    guard let code = response.statusCode, let request = outstanding, response.cseq == request.cseq,
      response.callID == callID
    else { return }  // a stray or late response: not ours to act on
    guard code >= 200 else { return }
    outstanding = nil
    switch code {
    case 200..<300:
      if state == .unregistering {
        finishStop(&out)
        return
      }
      let granted = grantedExpires(in: response)
      guard granted > 0 else {
        fail(code: code, reason: "the registrar granted no time to our Contact", &out)
        return
      }
      grantedExpires = granted
      consecutiveFailures = 0
      setState(.registered, &out)
      out.append(.registered(for: .seconds(Int64(granted))))
      out.append(.armTimer(.refresh, after: refreshDelay(granted: granted)))
    case 401, 407:
      challenged(response, code: code, request: request, &out)
    case 423:
      // RFC 3261 §10.2.8: Interval Too Brief: ask again for at least Min-Expires.
      if let text = response.header("Min-Expires"), let minimum = UInt32(text.trimmingSpaces),
        minimum > requestedExpires, state != .unregistering
      {
        requestedExpires = minimum
        send(expires: minimum, authorization: preAuthorization(), &out)
      } else {
        fail(code: code, reason: "423 without a usable Min-Expires", &out)
      }
    default:
      if state == .unregistering {
        finishStop(&out)
      } else {
        fail(code: code, reason: response.reasonPhrase ?? "", &out)
      }
    }
  }

  /// RFC 3261 §22.2: answer a challenge once per nonce; a second challenge for an answered nonce
  /// (or, without `stale=true`, for an answered realm) means the credentials are wrong.
  mutating func challenged(_ response: SIPMessage, code: Int, request: SIPMessage, _ out: inout [Action]) {
    let lines = code == 401 ? response.wwwAuthenticate : response.proxyAuthenticate
    let challenges = lines.compactMap { try? DigestChallenge(parsing: $0) }
    guard var client = credentials else {
      failOrStop(code: code, reason: "authentication required and no credentials configured", &out)
      return
    }
    if let repeated = challenges.first(where: { answeredNonces.contains($0.nonce) }) {
      failOrStop(
        code: code, reason: "credentials refused (nonce \(repeated.nonce.prefix(32)) challenged again)", &out)
      return
    }
    guard answeredNonces.count < Self.maximumChallenges else {
      // A registrar that says stale=true with a new nonce every time would loop for ever.
      failOrStop(code: code, reason: "challenged \(answeredNonces.count + 1) times for one REGISTER", &out)
      return
    }
    if answeredNonces.isEmpty {
      // The first challenge of this REGISTER: a new nonce after a successful cycle is not a
      // refusal, so the realms answered before are forgotten.
      client.reset()
    }
    do {
      // The credentials the challenged REGISTER carried: a new challenge for one of their realms
      // without stale=true refuses them (DigestClient decides; RFC 3261 §22.2).
      let carried = (code == 401 ? request.authorization : request.proxyAuthorization)
        .compactMap { try? DigestCredentials(parsing: $0) }
      let answers = try client.respond(
        to: challenges, method: "REGISTER", uri: configuration.registrar.description,
        previous: carried, using: &rng)
      credentials = client
      for challenge in challenges { answeredNonces.insert(challenge.nonce) }
      let header = code == 401 ? "Authorization" : "Proxy-Authorization"
      let expires = state == .unregistering ? 0 : requestedExpires
      send(expires: expires, authorization: answers.map { (header, $0.headerValue) }, &out)
    } catch {
      failOrStop(code: code, reason: error.reason, &out)
    }
  }

  /// RFC 3261 §10.3 step 8: the 200 lists every binding of the AOR; ours is the Contact with our
  /// URI, and its `expires` wins over the Expires header.
  func grantedExpires(in response: SIPMessage) -> UInt32 {
    let ours = configuration.contact.uri
    if let binding = response.contacts.first(where: { Self.sameBinding($0.uri, ours) }),
      let expires = binding.expires
    {
      return expires
    }
    if let contact = response.contacts.first, response.contacts.count == 1, let expires = contact.expires {
      // A registrar that rewrote our Contact (a NAT-fixing proxy) still names one binding.
      return expires
    }
    return response.expires ?? requestedExpires
  }

  /// RFC 3261 §10.3: Contact URIs compare by the URI rules; user, host and port is the part a
  /// registrar keeps as written.
  static func sameBinding(_ a: SIPURI, _ b: SIPURI) -> Bool {
    a.user == b.user && a.host.lowercased() == b.host.lowercased() && (a.port ?? 5060) == (b.port ?? 5060)
  }

  mutating func failOrStop(code: Int, reason: String, _ out: inout [Action]) {
    if state == .unregistering { finishStop(&out) } else { fail(code: code, reason: reason, &out) }
  }

  mutating func fail(code: Int, reason: String, _ out: inout [Action]) {
    consecutiveFailures += 1
    grantedExpires = nil
    setState(.failed, &out)
    out.append(.failed(code: code, reason: reason))
    out.append(.armTimer(.retry, after: retryDelay(failures: consecutiveFailures)))
  }

  mutating func stop(_ out: inout [Action]) {
    out.append(.cancelTimer(.refresh))
    out.append(.cancelTimer(.retry))
    switch state {
    case .registered, .registering:
      // RFC 3261 §10.2.2: Expires: 0 removes our binding.
      answeredNonces = []
      setState(.unregistering, &out)
      send(expires: 0, authorization: preAuthorization(), &out)
    case .idle, .failed:
      outstanding = nil
      finishStop(&out)
    case .unregistering, .stopped:
      break
    }
  }

  mutating func finishStop(_ out: inout [Action]) {
    grantedExpires = nil
    setState(.stopped, &out)
    out.append(.unregistered)
  }
}
