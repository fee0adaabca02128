public import Logging
public import NIOCore
public import RTPMedia
public import SDP
public import SIPCore
import SIPProtocol
public import SIPTransport

/// Net::SIP::Simple in Swift: places calls (``invite(_:parameters:)``), answers them
/// (``listen(_:)``), and routes every message and dialog event of the transport to its
/// ``Call``. Calls are kept by the agent until they end (DESIGN §8: a script that drops its
/// reference does not lose the call's callbacks).
///
/// ```swift
/// let agent = UserAgent(transport: transport, media: engine, logger: logger)     // on the loop
/// agent.listen(UserAgent.Listener(parameters: echo))                              // answer everything
/// var parameters = CallParameters()
/// parameters.cbFinal = { status, call, info in print(status, info.code) }
/// let call = try agent.invite("sip:bob@127.0.0.1:5070", parameters: parameters)
/// ```
///
/// Threading: not thread-safe; create it and call it on the transport's event loop, where every
/// callback runs too.
public final class UserAgent {
  public struct Configuration: Sendable {
    /// Our address in From (UAC) when the script gives none; nil: `sip:sipscript@<leg>`.
    public var from: SIPNameAddress?
    /// User part of our Contact and default From.
    public var user: String
    /// Codecs, telephone-event and ptime for offers and answers.
    public var capabilities: MediaCapabilities
    /// The address written in SDP and where RTP sockets are bound; nil: the leg's host.
    public var mediaHost: String?
    /// Most calls at once; a new INVITE past it gets 503 with Retry-After (DESIGN §8).
    public var maxCalls: Int
    /// Sent every initial request there first (RFC 3261 §8.1.2 outbound proxy).
    public var outgoingProxy: SIPURI?
    /// Seconds in the Retry-After of the 503 past ``maxCalls``.
    public var retryAfter: Int
    /// The account that answers digest challenges to our requests (`sip.config{auth}`); a call's
    /// own ``CallParameters/auth`` and a registration's credentials take precedence.
    public var credentials: SIPCredentials?
    /// Where ``register(_:)`` registers when the parameters name no registrar (Net::SIP's
    /// `registrar`).
    public var registrar: SIPURI?

    public init(
      from: SIPNameAddress? = nil, user: String = "sipscript", capabilities: MediaCapabilities = .standard,
      mediaHost: String? = nil, maxCalls: Int = 10_000, outgoingProxy: SIPURI? = nil, retryAfter: Int = 5
    ) {
      self.from = from
      self.user = user
      self.capabilities = capabilities
      self.mediaHost = mediaHost
      self.maxCalls = maxCalls
      self.outgoingProxy = outgoingProxy
      self.retryAfter = retryAfter
    }
  }

  /// What ``listen(_:)`` does with incoming calls (Net::SIP::Simple's `listen`).
  public struct Listener {
    /// `filter`: nil accepts; otherwise the status to refuse the INVITE with (403 Forbidden when
    /// the script just says no). Gets the From address and the INVITE.
    public var filter: ((SIPNameAddress, SIPMessage) -> Int?)?
    /// `cb_create`: the call exists; return false to refuse it (603 Decline).
    public var cbCreate: ((Call, SIPMessage) -> Bool)?
    /// `cb_established` and `cb_cleanup` for every call of this listener (beside the call's own).
    public var cbEstablished: ((Call) -> Void)?
    public var cbCleanup: ((Call) -> Void)?
    /// Connection parameters of each new call.
    public var parameters: CallParameters
    /// The sequential style: runs with the new call, which stays unanswered until it says so.
    /// Without a handler the call is answered at once (Net::SIP's listen).
    public var handler: ((Call) -> Void)?

    public init(
      parameters: CallParameters = CallParameters(), filter: ((SIPNameAddress, SIPMessage) -> Int?)? = nil,
      cbCreate: ((Call, SIPMessage) -> Bool)? = nil, cbEstablished: ((Call) -> Void)? = nil,
      cbCleanup: ((Call) -> Void)? = nil, handler: ((Call) -> Void)? = nil
    ) {
      self.parameters = parameters
      self.filter = filter
      self.cbCreate = cbCreate
      self.cbEstablished = cbEstablished
      self.cbCleanup = cbCleanup
      self.handler = handler
    }
  }

  /// What a call of a listener reads of it again after it started: a reference to this, shared
  /// by every call of the listener, instead of a copy of the ``Listener`` in each call.
  final class ListenerCallbacks {
    let cbCreate: ((Call, SIPMessage) -> Bool)?
    let cbEstablished: ((Call) -> Void)?
    let cbCleanup: ((Call) -> Void)?
    let handler: ((Call) -> Void)?

    init(_ listener: Listener) {
      cbCreate = listener.cbCreate
      cbEstablished = listener.cbEstablished
      cbCleanup = listener.cbCleanup
      handler = listener.handler
    }
  }

  /// Counters for `sip.stats()` and the benchmarks.
  public struct Statistics: Sendable, Hashable {
    public var callsPlaced = 0
    public var callsReceived = 0
    public var callsRefused = 0
    public var callsEnded = 0
    /// Calls refused with 503 past ``Configuration/maxCalls``.
    public var overloadRejections = 0
  }

  public let transport: SIPTransport
  public let media: MediaEngine
  public var configuration: Configuration
  public var logger: Logger
  public internal(set) var statistics = Statistics()
  /// Calls alive, by ``Call/key`` (the Call-ID and our role: an agent that calls itself has both
  /// ends of one Call-ID).
  public internal(set) var calls: [Call.Key: Call] = [:]
  /// How many of ``calls`` are ours as UAC: with none, a request of the peer is looked up as
  /// our UAS call only (one hash of its Call-ID, not two; docs/benchmarks-calls.md, "callpath").
  private(set) var outgoingCallCount = 0
  /// Requests that belong to no call and no listener go here (the transport's own handler before
  /// the agent took over: `sip.listen{cb_request}`); without one, INVITEs get 480 and others 501.
  public var fallbackHandler: ((SIPIncomingRequest) -> Void)?
  public internal(set) var listener: Listener? {
    didSet { listenerCallbacks = listener.map(ListenerCallbacks.init) }
  }
  /// The listener's callbacks in one object its calls share (``Call/listener``).
  private(set) var listenerCallbacks: ListenerCallbacks?
  /// Net::SIP's `error`: the last error of an operation of the agent (a failed invite, a
  /// refused call), for scripts that poll it.
  public internal(set) var lastError: String?
  /// Where ``Call``s report their events (the Lua binding), beside their callbacks.
  public var observer: ((Call, CallEvent) -> Void)?
  /// Registrations alive (UserAgent+Registration.swift).
  public internal(set) var registrations: [Registration] = []
  /// Digest authentication of new incoming requests (`sip.listen{auth_user2pass}`); nil: none.
  public var authenticator: DigestAuthenticator?
  var rng = BufferedRandomNumberGenerator()
  /// The advertised host and Contact of each leg calls were made on (``addressing(on:)``).
  var legAddressing: [ObjectIdentifier: LegAddressing] = [:]

  /// Takes over the transport's request and dialog handlers (the previous request handler
  /// becomes ``fallbackHandler``) and ACKs 2xx itself (late offers put the answer in the ACK).
  /// Call on the transport's event loop.
  public init(
    transport: SIPTransport, media: MediaEngine, configuration: Configuration = Configuration(),
    logger: Logger
  ) {
    self.transport = transport
    self.media = media
    self.configuration = configuration
    self.logger = logger
    self.fallbackHandler = transport.requestHandler
    transport.setAcksAutomatically(false)
    var validator = transport.validator
    for method in ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS", "UPDATE", "INFO", "REFER", "NOTIFY"]
    where !validator.allowedMethods.contains(method) {
      validator.allowedMethods.append(method)
    }
    for type in ["application/sdp", "application/dtmf-relay", "application/dtmf", "message/sipfrag"]
    where !validator.acceptedBodyTypes.contains(type) {
      validator.acceptedBodyTypes.append(type)
    }
    transport.setValidator(validator)
    transport.requestHandler = { [unowned self] request in self.route(request) }
    transport.dialogHandler = { [unowned self] event in self.route(event) }
  }

  public var eventLoop: any EventLoop { transport.eventLoop }

  // MARK: - Placing calls

  /// Net::SIP::Simple's `invite`: calls `to` (`sip:bob@host[:port]`, or a name-addr). Returns
  /// the call at once; `cb_final`/`cb_established` (or ``observer``) say how it went.
  public func invite(_ to: String, parameters: CallParameters) throws(CallError) -> Call {
    eventLoop.preconditionInEventLoop()
    do {
      return try placeCall(to, parameters: parameters)
    } catch {
      lastError = error.description
      throw error
    }
  }

  func placeCall(_ to: String, parameters: CallParameters) throws(CallError) -> Call {
    let target: SIPNameAddress
    do {
      // A bare URI is a URI, parameters included (`;transport=tcp`); in a name-addr written
      // without <>, they would be the header's parameters (RFC 3261 §20.10).
      if !to.contains("<"), let uri = try? SIPURI.parse(to) {
        target = SIPNameAddress(uri: uri)
      } else {
        target = try SIPNameAddress.parse(to)
      }
    } catch {
      throw CallError("invite: '\(to)' is not a SIP address: \(error)")
    }
    guard target.uri.isSIP else { throw CallError("invite: only sip: and sips: URIs can be called") }
    if parameters.sdp != nil, parameters.mediaLocalSockets == nil {
      throw CallError("invite: 'sdp' needs 'media_lsocks' (the sockets its m= lines describe)")
    }
    guard calls.count < configuration.maxCalls else {
      throw CallError("invite: \(calls.count) calls alive (max_calls)")
    }
    guard let leg = chooseLeg(parameters.leg, for: target.uri) else {
      throw CallError(
        parameters.leg.map { "invite: no leg \($0)" }
          ?? "invite: no leg can reach \(target.uri) (open one first)")
    }
    let callID = SIPIdentifiers.callID(host: leg.isIPv6 ? "[\(leg.host)]" : leg.host, using: &rng)
    let call = Call(agent: self, role: .uac, callID: callID, leg: leg, parameters: parameters)
    if calls.updateValue(call, forKey: call.key) == nil { outgoingCallCount += 1 }
    statistics.callsPlaced += 1
    call.startOutgoing(to: target)
    return call
  }

  // MARK: - Answering calls

  /// Net::SIP::Simple's `listen`: from now on INVITEs start calls with these settings. A second
  /// call replaces the listener.
  public func listen(_ listener: Listener) {
    self.listener = listener
  }

  /// Stops taking new calls (they get 480); calls in progress go on.
  public func stopListening() {
    listener = nil
  }

  /// Ends every call (BYE, CANCEL or 480 as the state wants) and forgets the listener.
  public func cleanup() {
    listener = nil
    for call in calls.values.sorted(by: { $0.id < $1.id }) { _ = call.bye() }
  }

  // MARK: - Legs

  /// The leg named `name`, else the first one of the URI's transport and family.
  func chooseLeg(_ name: String?, for uri: SIPURI?) -> SIPLeg? {
    if let name {
      return transport.legs.first { $0.description.lowercased() == name.lowercased() }
    }
    let wanted: SIPLeg.Transport = uri?.transport == "tcp" ? .tcp : .udp
    let ipv6 = uri.map { $0.host.hasPrefix("[") || $0.host.contains(":") } ?? false
    return transport.legs.first { $0.transport == wanted && $0.isIPv6 == ipv6 }
      ?? transport.legs.first { $0.transport == wanted }
      ?? transport.legs.first
  }

  /// Our Contact on a leg.
  func contact(on leg: SIPLeg) -> SIPNameAddress {
    contact(on: leg, host: transport.advertisedHost(of: leg))
  }

  /// ``contact(on:)`` with the leg's advertised host already looked up.
  func contact(on leg: SIPLeg, host: String) -> SIPNameAddress {
    var uri = SIPURI(user: configuration.user, host: host, port: leg.port)
    if leg.transport == .tcp { uri.parameters = SIPParameters([.init(name: "transport", value: "tcp")]) }
    return SIPNameAddress(uri: uri)
  }

  /// What a call's session says about us on a leg: the advertised host (Via), our Contact and its
  /// header text. The same for every call of the leg, so made once and kept while the leg, its
  /// advertised host and ``Configuration/user`` stay the same.
  /// A class: handed out by reference, not copied field by field (and its weak leg with them).
  final class LegAddressing {
    weak var leg: SIPLeg?
    let advertisedHost: String?
    let user: String
    let host: String
    let contact: SIPNameAddress
    let contactText: String

    init(
      leg: SIPLeg, advertisedHost: String?, user: String, host: String, contact: SIPNameAddress,
      contactText: String
    ) {
      self.leg = leg
      self.advertisedHost = advertisedHost
      self.user = user
      self.host = host
      self.contact = contact
      self.contactText = contactText
    }
  }

  func addressing(on leg: SIPLeg) -> LegAddressing {
    let key = ObjectIdentifier(leg)
    if let known = legAddressing[key], known.leg === leg, known.advertisedHost == leg.advertisedHost,
      known.user == configuration.user
    {
      return known
    }
    let host = transport.advertisedHost(of: leg)
    let contact = contact(on: leg, host: host)
    let made = LegAddressing(
      leg: leg, advertisedHost: leg.advertisedHost, user: configuration.user, host: host, contact: contact,
      contactText: contact.description)
    // Entries of closed legs are dropped when a new leg is seen (legs are few).
    legAddressing = legAddressing.filter { $0.value.leg != nil }
    legAddressing[key] = made
    return made
  }

  /// Our From for calls on a leg.
  func localAddress(on leg: SIPLeg) -> SIPNameAddress {
    if let from = configuration.from { return from }
    return SIPNameAddress(
      uri: SIPURI(user: configuration.user, host: transport.advertisedHost(of: leg), port: leg.port))
  }

  /// Where RTP sockets are bound and what SDP says: ``Configuration/mediaHost``, else the leg's
  /// address (loopback for a wildcard leg or one on a ``SIPMemoryNetwork``).
  func mediaHost(on leg: SIPLeg) -> String {
    if let host = configuration.mediaHost { return host }
    // A leg on an in-memory network may have any address (192.0.2.1 in tests); no RTP socket can
    // be bound there, so media stays on loopback.
    if leg.isInMemory { return leg.isIPv6 ? "::1" : "127.0.0.1" }
    if leg.isWildcard { return leg.isIPv6 ? "::1" : "127.0.0.1" }
    return leg.host
  }

  func forget(_ call: Call) {
    // Found once and removed at that place (a lookup, then a removal by key, hashed the
    // Call-ID twice).
    guard let index = calls.index(forKey: call.key), calls.values[index] === call else { return }
    calls.remove(at: index)
    if call.role == .uac { outgoingCallCount -= 1 }
    statistics.callsEnded += 1
  }
}

@available(*, unavailable)
extension UserAgent: Sendable {}
