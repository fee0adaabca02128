public import NIOCore
public import SIPCore
public import SIPProtocol
import SIPTransport

/// One binding at a registrar (Net::SIP::Simple's `register`): SIPProtocol's
/// ``RegistrationRefresh`` driven over the agent's transport with real timers on its loop —
/// REGISTER with `Expires`, digest challenges answered with the account's credentials, refresh
/// before the granted time runs out, retries with back-off, and `Expires: 0` on
/// ``unregister(completion:)`` or when the agent stops (``UserAgent/unregisterAll(timeout:)``).
///
/// ```swift
/// var parameters = Registration.Parameters(registrar: try SIPURI.parse("sip:127.0.0.1:5060"))
/// parameters.credentials = SIPCredentials(user: "alice", password: "secret")
/// let registration = try agent.register(parameters)
/// registration.onOutcome = { registration, outcome in print(outcome) }   // .registered(expires: 3600, ...)
/// registration.unregister { print("binding removed") }
/// ```
///
/// Threading: not thread-safe; everything runs on the agent's event loop.
public final class Registration {
  public struct Parameters {
    /// The Request-URI of the REGISTER: the registrar's domain or address (RFC 3261 §10.2).
    public var registrar: SIPURI
    /// To and From: the address being registered; nil: ``UserAgent/Configuration/from``, else
    /// `sip:<user>@<registrar host>` with the credentials' user or the agent's.
    public var addressOfRecord: SIPNameAddress?
    /// The binding; nil: the agent's Contact on the leg.
    public var contact: SIPNameAddress?
    /// Seconds asked for.
    public var expires: UInt32
    /// Keep the binding: refresh it before it expires and retry after failures. Without it one
    /// REGISTER goes out (Net::SIP's `register`), and the binding lapses at its end.
    public var refresh: Bool
    /// The account for digest challenges; nil: ``UserAgent/Configuration/credentials``.
    public var credentials: SIPCredentials?
    /// The leg to use (``SIPLeg/description``); nil: one that reaches the registrar.
    public var leg: String?

    public init(
      registrar: SIPURI, addressOfRecord: SIPNameAddress? = nil, contact: SIPNameAddress? = nil,
      expires: UInt32 = 3600, refresh: Bool = true, credentials: SIPCredentials? = nil, leg: String? = nil
    ) {
      self.registrar = registrar
      self.addressOfRecord = addressOfRecord
      self.contact = contact
      self.expires = expires
      self.refresh = refresh
      self.credentials = credentials
      self.leg = leg
    }
  }

  /// What a REGISTER cycle came to (`sip.register`'s `cb_final`).
  public enum Outcome: Sendable {
    /// The registrar holds the binding for this many seconds.
    case registered(expires: Int, response: SIPMessage?)
    /// This attempt failed (a retry follows with ``Parameters/refresh``); code 0 and 408 without
    /// a response.
    case failed(code: Int, reason: String, response: SIPMessage?)
    /// The binding was removed (or never made) and the registration stopped.
    case unregistered
  }

  public unowned let agent: UserAgent
  public let parameters: Parameters
  /// The registered address, as sent in To and From.
  public let addressOfRecord: SIPNameAddress
  public let contact: SIPNameAddress
  /// Called with every outcome, on the loop.
  public var onOutcome: ((Registration, Outcome) -> Void)?
  /// Called once when the registration stops, un-registered or closed.
  public var onStop: ((Registration) -> Void)?
  /// The seconds the registrar granted last; nil when not registered.
  public var grantedExpires: Int? { refresh.grantedExpires.map(Int.init) }
  public var state: RegistrationRefresh.State { refresh.state }
  /// Whether the registration has stopped (un-registered, or closed with its agent).
  public var isStopped: Bool { refresh.state == .stopped || closed }

  var refresh: RegistrationRefresh
  let credentials: SIPCredentials?
  var timers: [RegistrationRefresh.Timer: Scheduled<Void>] = [:]
  var stopWaiters: [() -> Void] = []
  /// The response being handed to the state machine, for the outcome's details.
  var currentResponse: SIPMessage?
  var closed = false

  init(agent: UserAgent, parameters: Parameters, leg: SIPLeg) {
    self.agent = agent
    self.parameters = parameters
    let credentials = parameters.credentials ?? agent.configuration.credentials
    self.credentials = credentials
    let aor =
      parameters.addressOfRecord ?? agent.configuration.from
      ?? SIPNameAddress(
        uri: SIPURI(user: credentials?.user ?? agent.configuration.user, host: parameters.registrar.host))
    var record = aor
    record.tag = nil
    addressOfRecord = record
    contact = parameters.contact ?? agent.contact(on: leg)
    let via = SIPVia(
      transport: leg.transport.viaName, host: agent.transport.advertisedHost(of: leg), port: leg.port)
    refresh = RegistrationRefresh(
      configuration: .init(
        registrar: parameters.registrar, addressOfRecord: record, contact: contact, via: via,
        expires: parameters.expires,
        credentials: credentials.map { DigestClient(username: $0.user, password: $0.password) },
        seed: UInt64.random(in: 1...UInt64.max)))
  }

  public var eventLoop: any EventLoop { agent.eventLoop }

  /// Removes the binding (`Expires: 0`, RFC 3261 §10.2.2) and stops refreshing; `completion`
  /// runs once the registrar answered, the REGISTER failed, or at once when nothing is
  /// registered.
  public func unregister(completion: (() -> Void)? = nil) {
    eventLoop.preconditionInEventLoop()
    if isStopped {
      completion?()
      return
    }
    if let completion { stopWaiters.append(completion) }
    handle(.stop)
  }

  /// Stops at once without telling the registrar — no refresh, no retry, no `Expires: 0`; a
  /// binding lapses when its time is up. For a failed registration the script gave up on, and
  /// for a transport going away.
  public func close() {
    guard !closed else { return }
    closed = true
    for timer in timers.values { timer.cancel() }
    timers.removeAll()
    agent.forget(self)
    stopped()
  }

  func start() {
    // Un-registered (or closed) before its first turn: nothing to start.
    guard refresh.state == .idle else { return }
    handle(.start)
  }

  // MARK: - Driving the state machine

  func handle(_ event: RegistrationRefresh.Event) {
    guard !closed else { return }
    let actions = refresh.handle(event)
    perform(actions)
  }

  func perform(_ actions: [RegistrationRefresh.Action]) {
    for action in actions {
      guard !closed else { return }
      switch action {
      case .sendRequest(let request, _):
        send(request)
      case .armTimer(let timer, let after):
        // Without refresh the one REGISTER's outcome is the end: no refresh, no retry.
        guard parameters.refresh else { continue }
        timers.removeValue(forKey: timer)?.cancel()
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        timers[timer] = eventLoop.scheduleTask(in: after.timeAmount) {
          let registration = bound.value
          registration.timers[timer] = nil
          registration.handle(.timerFired(timer))
        }
      case .cancelTimer(let timer):
        timers.removeValue(forKey: timer)?.cancel()
      case .stateChanged:
        break
      case .registered(let granted):
        onOutcome?(self, .registered(expires: Int(granted.components.seconds), response: currentResponse))
      case .failed(let code, let reason):
        onOutcome?(self, .failed(code: code, reason: reason, response: currentResponse))
        // Without refresh nothing follows a failure: no binding is left to remove.
        if !parameters.refresh { close() }
      case .unregistered:
        agent.forget(self)
        onOutcome?(self, .unregistered)
        stopped()
      }
    }
  }

  func send(_ request: SIPMessage) {
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    // RFC 3261 §8.1.2: with an outbound proxy every REGISTER goes there first.
    agent.transport.sendRequest(request, target: agent.configuration.outgoingProxy) { result in
      let registration = bound.value
      switch result {
      case .success(let response):
        registration.currentResponse = response
        // Only the challenges of the account's realm are answered.
        registration.handle(.received(registration.credentials?.keepingOwnRealm(response) ?? response))
        registration.currentResponse = nil
      case .failure(let error):
        registration.handle(.requestFailed(error.kind == .timeout ? .timeout : .transportError))
      }
    }
  }

  /// Tells the waiters and ``onStop``, once.
  func stopped() {
    let waiters = stopWaiters
    stopWaiters.removeAll()
    for waiter in waiters { waiter() }
    let stop = onStop
    onStop = nil
    stop?(self)
  }
}

@available(*, unavailable)
extension Registration: Sendable {}
