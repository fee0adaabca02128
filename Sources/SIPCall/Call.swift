public import NIOCore
public import RTPMedia
public import SDP
public import SIPCore
public import SIPProtocol
public import SIPTransport

/// Net::SIP::Simple::Call in Swift: one call, UAC or UAS, with its connection parameters
/// (``parameters``), its INVITE session (SIPProtocol's ``InviteSession``, driven here with real
/// timers and the transport) and its RTP streams (RTPMedia).
///
/// ```swift
/// let call = try agent.invite("sip:bob@127.0.0.1:5070", parameters: parameters)
/// call.dtmf("123")                       // once established
/// call.reinvite(hold) { status, info in print(status) }
/// call.bye { result in print(result) }
/// ```
///
/// The agent keeps the call until it has ended, so dropping every reference to it loses nothing.
/// Threading: not thread-safe; everything runs on the agent's event loop.
public final class Call {
  /// The Call-ID.
  public let id: String
  public let role: InviteSession.Role
  public unowned let agent: UserAgent
  /// The connection parameters (Net::SIP's `get_param`/`set_param`).
  public var parameters: CallParameters
  /// The leg the call's messages use.
  public internal(set) var leg: SIPLeg
  /// Why the call ended (`call.hangup_cause`), nil while it goes on.
  public internal(set) var hangupCause: InviteSession.HangupCause?
  /// The peer's address (To of our INVITE, From of theirs): Net::SIP's `get_peer`.
  public internal(set) var peer: SIPNameAddress?
  /// Our address in the call.
  public internal(set) var localAddress: SIPNameAddress?
  /// The initial INVITE: the peer's (UAS) or ours (UAC).
  public internal(set) var invite: SIPMessage?
  /// The media statistics when the streams were closed (``rtpCleanup()``), by `m=` line.
  public var lastStatistics: [Int: MediaStreamStatistics] {
    Dictionary(lastFigures, uniquingKeysWith: { first, _ in first })
  }
  /// ``lastStatistics`` as taken, in `m=` line order: made into a dictionary only when read
  /// (`call.rtp_stats` after the end), not for every call that ends.
  var lastFigures: [(index: Int, figures: MediaStreamStatistics)] = []
  /// Callbacks run by ``cleanup()`` (Net::SIP's `call_cleanup` list), then emptied.
  public var cleanupCallbacks: [() -> Void] = []
  /// Callbacks run by ``rtpCleanup()`` (Net::SIP's `rtp_cleanup` list), then emptied.
  public var rtpCleanupCallbacks: [() -> Void] = []

  /// The callbacks of the listener that started the call (UAS), shared with its other calls.
  var listener: UserAgent.ListenerCallbacks?
  var session: InviteSession?
  var sockets: [CallSocket] = []
  var streams = CallStreamSlots()
  /// `init_media` has run.
  var mediaStarted = false
  /// The streams `init_media` set up were replaced (new sockets for `clear_sdp`, a new codec):
  /// run it again on the new ones once they are open, as Net::SIP does after each exchange.
  var mediaRestartWanted = false
  /// Media was asked for (init_media, play, echo…): streams follow every exchange.
  var mediaWanted = false
  var inviteClientTransaction: TransactionID?
  var cancelWanted = false
  var inviteServerTransaction: TransactionID?
  /// The peer's requests waiting for our response, by CSeq (``CallServerTransactions``).
  var serverTransactions = CallServerTransactions()
  var timers: [InviteSession.Timer: Scheduled<Void>] = [:]
  var byeCompletions: [(Result<SIPMessage, CallError>) -> Void] = []
  /// Commands given before the session exists (a UAC whose sockets are still being bound).
  var waitingForSession: [() -> Void] = []
  var finished = false
  var sentBye = false
  /// We accepted a REFER of the peer and owe it NOTIFYs.
  var referAccepted = false
  /// Keys received by RFC 4733, INFO and in-band tones, merged (Call+DTMF.swift).
  var dtmfInput = CallDTMFInput()

  /// What a call holds only now and then (a response being handled, a re-INVITE, request or
  /// transfer under way), out of line: made on first use, one pointer in a call that never needs
  /// it (docs/benchmarks-calls.md, "callmem").
  final class Occasional {
    var finalResponse: SIPMessage?
    var currentResponse: SIPMessage?
    var reinviteCompletion: ((InviteSession.Outcome, FinalInfo) -> Void)?
    var pendingRequestCompletion: ((Result<SIPMessage, CallError>) -> Void)?
    var lastRefusal: String?
    var transferPromise: EventLoopPromise<Int>?
    var transferTimer: Scheduled<Void>?
    var lastTransferStatus: Int?
  }
  private var occasionalBox: Occasional?
  private var occasional: Occasional {
    if let box = occasionalBox { return box }
    let box = Occasional()
    occasionalBox = box
    return box
  }

  /// The final response to our initial INVITE (UAC).
  public internal(set) var finalResponse: SIPMessage? {
    get { occasionalBox?.finalResponse }
    set { if newValue != nil || occasionalBox != nil { occasional.finalResponse = newValue } }
  }
  /// The response being handled (for `cb_final`'s and `cb_preliminary`'s details).
  var currentResponse: SIPMessage? {
    get { occasionalBox?.currentResponse }
    set { if newValue != nil || occasionalBox != nil { occasional.currentResponse = newValue } }
  }
  /// The completion of our pending re-INVITE.
  var reinviteCompletion: ((InviteSession.Outcome, FinalInfo) -> Void)? {
    get { occasionalBox?.reinviteCompletion }
    set { if newValue != nil || occasionalBox != nil { occasional.reinviteCompletion = newValue } }
  }
  var pendingRequestCompletion: ((Result<SIPMessage, CallError>) -> Void)? {
    get { occasionalBox?.pendingRequestCompletion }
    set { if newValue != nil || occasionalBox != nil { occasional.pendingRequestCompletion = newValue } }
  }
  var lastRefusal: String? {
    get { occasionalBox?.lastRefusal }
    set { if newValue != nil || occasionalBox != nil { occasional.lastRefusal = newValue } }
  }
  /// Our REFER waiting for its final NOTIFY, and the timer that gives up on it.
  var transferPromise: EventLoopPromise<Int>? {
    get { occasionalBox?.transferPromise }
    set { if newValue != nil || occasionalBox != nil { occasional.transferPromise = newValue } }
  }
  var transferTimer: Scheduled<Void>? {
    get { occasionalBox?.transferTimer }
    set { if newValue != nil || occasionalBox != nil { occasional.transferTimer = newValue } }
  }
  /// The status our last transfer ended with (the REFER's refusal or the final NOTIFY's).
  public internal(set) var lastTransferStatus: Int? {
    get { occasionalBox?.lastTransferStatus }
    set { if newValue != nil || occasionalBox != nil { occasional.lastTransferStatus = newValue } }
  }

  init(agent: UserAgent, role: InviteSession.Role, callID: String, leg: SIPLeg, parameters: CallParameters) {
    self.agent = agent
    self.role = role
    self.id = callID
    self.key = Self.key(callID, role)
    self.leg = leg
    self.parameters = parameters
  }

  public var eventLoop: any EventLoop { agent.eventLoop }

  /// The call's key in ``UserAgent/calls``.
  public let key: Key

  /// A call's key in ``UserAgent/calls``: its Call-ID and which end we are (an agent that calls
  /// itself has both ends of one Call-ID). Two fields, not one String: the Call-ID with `|uas`
  /// appended was a new String, allocated for every lookup of a call we answer (the INVITE, the
  /// ACK, the BYE) (docs/benchmarks-calls.md, "arc").
  public struct Key: Hashable, Sendable {
    public let callID: String
    /// The role as a flag: `InviteSession.Role`'s String raw value would be hashed as a String.
    let isUAS: Bool

    public var role: InviteSession.Role { isUAS ? .uas : .uac }
  }

  static func key(_ callID: String, _ role: InviteSession.Role) -> Key {
    Key(callID: callID, isUAS: role == .uas)
  }

  /// Our tag in the dialog: the From tag of our INVITE (UAC) or the To tag we answer with (UAS).
  public var localTag: String? {
    role == .uac ? session?.invite?.fromTag : session?.dialog?.id.localTag
  }

  /// `call.state`.
  public var state: InviteSession.State {
    if finished { return .terminated }
    return session?.state ?? .idle
  }

  /// Whether the call is up or on its way (`call:ready()`): not ended.
  public var isAlive: Bool { !finished }

  /// Our SDP (`call.sdp`).
  public var sdp: SessionDescription? { session?.offerAnswer.localDescription }
  /// The peer's SDP (`call.sdp_peer`).
  public var sdpPeer: SessionDescription? { session?.offerAnswer.remoteDescription }
  /// What the latest exchange negotiated, one entry per `m=` line.
  public var negotiatedStreams: [NegotiatedStream] { session?.offerAnswer.streams ?? [] }
  /// The dialog, once there is one.
  public var dialog: Dialog? { session?.dialog }

  /// A header of the peer's INVITE (UAS) or of the final response to ours (UAC).
  public func header(_ name: String) -> String? {
    (role == .uas ? invite : finalResponse ?? invite)?.header(name)
  }

  // MARK: - Commands

  /// UAS: answers 200 with our SDP. Media starts with the ACK.
  @discardableResult
  public func answer() -> Result<Void, CallError> { command(.answer) }

  /// UAS: 180 Ringing, or 183 Session Progress with `code: 183`.
  @discardableResult
  public func ring(code: Int = 180) -> Result<Void, CallError> {
    guard (101..<200).contains(code) else {
      return .failure(CallError("ringing: \(code) is not a provisional status"))
    }
    return command(.ring(code: code))
  }

  /// UAS: refuses the call with a final 3xx–6xx status.
  @discardableResult
  public func reject(code: Int = 603) -> Result<Void, CallError> {
    guard (300..<700).contains(code) else {
      return .failure(CallError("reject: \(code) is not a 3xx–6xx status"))
    }
    return command(.reject(code: code))
  }

  /// Net::SIP `reinvite`: merges `changes` into the parameters and sends a re-INVITE with a new
  /// offer (`call_on_hold` holds and resumes). `completion` (else the parameters' `cb_final`)
  /// gets the final response.
  @discardableResult
  public func reinvite(
    _ changes: CallParameters? = nil, setKeys: Set<String> = [],
    completion: ((InviteSession.Outcome, FinalInfo) -> Void)? = nil
  ) -> Result<Void, CallError> {
    guard !finished else { return .failure(CallError("reinvite: the call has ended")) }
    if let changes { parameters = parameters.merging(changes, setKeys: setKeys) }
    guard reinviteCompletion == nil else {
      return .failure(CallError("reinvite: a re-INVITE is already waiting for its answer"))
    }
    let direction: MediaDirection = parameters.callOnHold ? .sendonly : .sendrecv
    let done = completion ?? { [unowned self] status, info in self.parameters.cbFinal?(status, self, info) }
    if parameters.clearSDP, parameters.sdp == nil, state == .established || state == .held {
      // Net::SIP `clear_sdp`: the new offer describes new sockets. The completion is kept
      // from now on, so a second reinvite waits for this one.
      reinviteCompletion = done
      renewSockets { [self] renewed in
        let result: Result<Void, CallError> =
          renewed ? command(.reinvite(direction: direction)) : .failure(CallError("reinvite: no RTP socket"))
        if case .failure(let error) = result, let waiting = reinviteCompletion {
          reinviteCompletion = nil
          waiting(.fail, FinalInfo(code: 0, reason: error.description))
        }
      }
      return .success(())
    }
    let result = command(.reinvite(direction: direction))
    if case .success = result { reinviteCompletion = done }
    return result
  }

  /// Net::SIP `bye`: ends the call — BYE when confirmed, CANCEL while our INVITE waits, 480
  /// while the peer's INVITE is unanswered. `changes` are merged into the parameters (for
  /// `send_bye`); `completion` gets the BYE's response, or why there is none.
  @discardableResult
  public func bye(
    _ changes: CallParameters? = nil, setKeys: Set<String> = [],
    completion: ((Result<SIPMessage, CallError>) -> Void)? = nil
  ) -> Result<Void, CallError> {
    guard !finished else { return .failure(CallError("bye: the call has ended")) }
    if let changes { parameters = parameters.merging(changes, setKeys: setKeys) }
    if session == nil {
      // Our INVITE is not out yet (sockets still being bound): nothing to tell the peer.
      waitingForSession.removeAll()
      parameters.sendBye?(self)
      finish(.localCancel)
      return .success(())
    }
    if let completion { byeCompletions.append(completion) }
    // Net::SIP's send_bye: we end the call (before the end's own callbacks, cb_cleanup).
    if !sentBye, state != .idle { parameters.sendBye?(self) }
    return command(.bye)
  }

  /// Net::SIP `cancel`: CANCELs our INVITE (sent once a provisional response has come).
  @discardableResult
  public func cancel() -> Result<Void, CallError> {
    guard !finished else { return .failure(CallError("cancel: the call has ended")) }
    let result = command(.cancel)
    if case .success = result { parameters.sendBye?(self) }
    return result
  }

  /// Net::SIP `request`: sends another request inside the dialog (INFO, MESSAGE, NOTIFY,
  /// OPTIONS, REFER, UPDATE); `completion` gets its final response. An UPDATE with an SDP body is
  /// an offer (RFC 3311): its 2xx's answer changes the session as a re-INVITE's does; refused
  /// while another offer/answer exchange is in progress. Once it succeeds, `call_on_hold`
  /// follows the offer (on when its first stream does not receive: `sendonly`, `inactive` or a
  /// `0.0.0.0` address), so a later ``reinvite(_:setKeys:completion:)`` keeps the hold.
  @discardableResult
  public func request(
    _ method: String, body: [UInt8] = [], contentType: String? = nil, headers: [(String, String)] = [],
    completion: ((Result<SIPMessage, CallError>) -> Void)? = nil
  ) -> Result<Void, CallError> {
    guard !finished else { return .failure(CallError("request: the call has ended")) }
    pendingRequestCompletion = completion
    if method.uppercased() == "UPDATE", !body.isEmpty, let offer = try? SessionDescription(parsing: body),
      !offer.media.isEmpty
    {
      let holds =
        !offer.direction(forMedia: 0).receives || offer.connection(forMedia: 0)?.isNullAddress == true
      let bound = NIOLoopBound(self, eventLoop: eventLoop)
      pendingRequestCompletion = { result in
        if case .success(let response) = result, (200..<300).contains(response.statusCode ?? 0) {
          bound.value.parameters.callOnHold = holds
        }
        completion?(result)
      }
    }
    defer { pendingRequestCompletion = nil }
    return command(.request(method: method, body: body, contentType: contentType, headers: headers))
  }

  /// Net::SIP `get_peer`: the peer's address as text.
  public func getPeer() -> String { peer?.description ?? "" }

  /// Runs a session command; a command the session refuses comes back as the error.
  func command(_ event: InviteSession.Event) -> Result<Void, CallError> {
    guard !finished else { return .failure(CallError("the call has ended")) }
    guard session != nil else {
      return .failure(CallError("the call has not started yet (its INVITE is not out)"))
    }
    lastRefusal = nil
    handle(event)
    if let refusal = lastRefusal { return .failure(CallError(refusal)) }
    return .success(())
  }

  // MARK: - Cleanup

  /// Net::SIP `rtp_cleanup`: closes the call's streams and the sockets it opened, and runs the
  /// `rtp_cleanup` callbacks.
  public func rtpCleanup() {
    let slots = streams.values  // in m= line order
    streams.removeAll()
    if !slots.isEmpty {
      // Each stream's figures (``mediaStatisticsNow()``'s, when media shares the call's loop)
      // read just before it closes: the slots are walked once, and no dictionary is made.
      let figuresNow = agent.media.eventLoop === eventLoop
      var figures: [(index: Int, figures: MediaStreamStatistics)] = []
      for slot in slots {
        guard let stream = slot.stream else { continue }
        if figuresNow, let now = stream.statisticsOnLoop() { figures.append((slot.index, now)) }
        close(stream)
      }
      if !figures.isEmpty { lastFigures = figures }
    }
    let owned = sockets
    sockets.removeAll()
    for socket in owned { socket.close(on: agent.media) }
    let callbacks = rtpCleanupCallbacks
    rtpCleanupCallbacks.removeAll()
    for callback in callbacks { callback() }
  }

  /// Net::SIP `cleanup`: ``rtpCleanup()``, then the `call_cleanup` callbacks. Ends the call first
  /// if it is still alive.
  public func cleanup() {
    if !finished { _ = bye() }
    rtpCleanup()
    let callbacks = cleanupCallbacks
    cleanupCallbacks.removeAll()
    for callback in callbacks { callback() }
  }
}

@available(*, unavailable)
extension Call: Sendable {}
