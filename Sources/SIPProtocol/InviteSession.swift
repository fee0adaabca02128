public import SDP
public import SIPCore

/// One call's INVITE session (RFC 3261 §13–15, RFC 3264, RFC 3311): the offer/answer state across
/// INVITE, 2xx and ACK, re-INVITE and UPDATE, CANCEL, BYE, and the events the script sees.
///
/// Pure, like the transaction machines: an ``Event`` in (a message of this call, a timer fired, a
/// command of the Call layer), the ``Action``s to perform out, in order. Messages it sends are
/// fully built; in-dialog requests come from ``Dialog/makeRequest(method:via:cseq:body:contentType:)``.
/// Transactions (retransmission, the ACK of a non-2xx, the 2xx retransmission until ACK) stay in
/// the layer below; the session only sees the messages they deliver.
///
/// ```swift
/// var call = InviteSession(role: .uac, configuration: configuration)
/// perform(call.handle(.invite(to: bob)))           // INVITE with our offer, ring timer armed
/// perform(call.handle(.received(ringing)))         // .preliminary(180), .stateChanged(.early)
/// perform(call.handle(.received(ok)))              // ACK, .mediaUpdate, .final(.ok, 200), .established
/// perform(call.handle(.reinvite(direction: .sendonly)))  // hold
/// perform(call.handle(.bye))
/// ```
///
/// Not thread-safe: owned by the event loop of its call.
public struct InviteSession: Sendable {
  public enum Role: String, Sendable, Hashable { case uac, uas }

  /// The call's state as the script sees it (`call.state`).
  public enum State: String, Sendable, Hashable {
    /// Nothing sent or received yet.
    case idle
    /// UAC: INVITE sent, no provisional response yet.
    case calling
    /// UAS: an INVITE arrived, not answered yet.
    case incoming
    /// A provisional response with a To tag: ringing (`early` dialog, RFC 3261 §12).
    case early
    /// UAS: our 2xx is sent, its ACK has not arrived.
    case answered
    /// Confirmed dialog, media flowing both ways.
    case established
    /// Confirmed dialog with every active stream not `sendrecv` (RFC 3264 §8.4), by either side.
    case held
    case terminated
  }

  /// Why a call ended (`call.hangup_cause`).
  public enum HangupCause: Sendable, Hashable {
    case localBye
    case remoteBye
    /// We cancelled the INVITE (`call:cancel()`).
    case localCancel
    /// The peer cancelled its INVITE.
    case remoteCancel
    /// A final non-2xx response ended the call, ours (UAS) or the peer's (UAC).
    case rejected(Int)
    /// `ring_time` expired and the INVITE was cancelled (`cb_noanswer`).
    case noAnswer
    /// A request of the call timed out (Timer B/F, or no ACK for our 2xx, §13.3.1.4).
    case timeout
    case transportError
    /// The offer/answer exchange failed (no answer where one is due, or an unusable one).
    case badMedia(String)
  }

  /// `cb_final`'s STATUS.
  public enum Outcome: String, Sendable, Hashable { case ok = "OK", fail = "FAIL" }

  /// The session's own timers; durations are in the ``Action/armTimer(_:after:)`` actions.
  public enum Timer: Sendable, Hashable {
    /// `ring_time`: no final response in time → CANCEL.
    case ringTime
    /// RFC 3261 §14.1: after a 491, retry our re-INVITE.
    case glareRetry
  }

  /// Why a request got no response.
  public enum RequestFailure: Sendable, Hashable { case timeout, transportError }

  public struct Configuration: Sendable {
    /// Our address without tag: the From of our INVITE (UAC), the To we answer with (UAS).
    public var localAddress: SIPNameAddress
    /// Our Contact, in the INVITE, in 1xx/2xx and in target-refresh requests.
    public var contact: SIPNameAddress
    /// ``contact`` as header text (its `description`), when the caller has it already: a user
    /// agent gives every call on a leg the same Contact, so it writes it once, not per response.
    /// Nil: the session writes ``contact``.
    public var contactText: String?
    /// The Via of requests we make; each request gets a new branch.
    public var via: SIPVia
    /// Our media address, codecs and `o=` line.
    public var offerAnswer: OfferAnswer
    /// Our RTP ports, one per `m=` line we offer or accept.
    public var streams: [LocalStream]
    /// Net::SIP `sdp_on_ack`: send the INVITE without SDP; the peer offers in its 2xx and our
    /// answer goes in the ACK (RFC 3261 §13.2.1).
    public var sdpOnAck: Bool
    /// Net::SIP `ring_time`: cancel the INVITE when no final response came in this time.
    public var ringTime: Duration?
    /// Seed of the generator for tags, branches and the 491 retry delay.
    public var seed: UInt64
    /// The direction of our first offer or answer: `.sendonly` starts the call on hold
    /// (Net::SIP `call_on_hold`).
    public var initialDirection: MediaDirection = .sendrecv

    /// The configuration a session reads back (``InviteSession/configuration``).
    init(_ settings: Settings, offerAnswer: OfferAnswer) {
      self.init(
        localAddress: settings.localAddress, contact: settings.contact, via: settings.via,
        offerAnswer: offerAnswer, streams: settings.streams, sdpOnAck: settings.sdpOnAck,
        ringTime: settings.ringTime, seed: settings.seed)
      initialDirection = settings.initialDirection
      contactText = settings.contactText
    }

    public init(
      localAddress: SIPNameAddress, contact: SIPNameAddress, via: SIPVia, offerAnswer: OfferAnswer,
      streams: [LocalStream], sdpOnAck: Bool = false, ringTime: Duration? = nil, seed: UInt64 = 0
    ) {
      self.localAddress = localAddress
      self.contact = contact
      self.via = via
      self.offerAnswer = offerAnswer
      self.streams = streams
      self.sdpOnAck = sdpOnAck
      self.ringTime = ringTime
      self.seed = seed
    }
  }

  /// ``Configuration`` but its `offerAnswer`, which the session keeps as ``offerAnswer``.
  struct Settings: Sendable {
    var localAddress: SIPNameAddress
    var contact: SIPNameAddress
    var contactText: String?
    var via: SIPVia
    var streams: [LocalStream]
    var sdpOnAck: Bool
    var ringTime: Duration?
    var seed: UInt64
    var initialDirection: MediaDirection

    init(
      localAddress: SIPNameAddress, contact: SIPNameAddress, contactText: String?, via: SIPVia,
      streams: [LocalStream], sdpOnAck: Bool, ringTime: Duration?, seed: UInt64,
      initialDirection: MediaDirection
    ) {
      self.localAddress = localAddress
      self.contact = contact
      self.contactText = contactText
      self.via = via
      self.streams = streams
      self.sdpOnAck = sdpOnAck
      self.ringTime = ringTime
      self.seed = seed
      self.initialDirection = initialDirection
    }

    // Inlined into the session's initializer, whose configuration it takes fields from (outlined,
    // it copied each field of a borrowed configuration).
    @inline(__always)
    init(_ configuration: Configuration) {
      localAddress = configuration.localAddress
      contact = configuration.contact
      contactText = configuration.contactText
      via = configuration.via
      streams = configuration.streams
      sdpOnAck = configuration.sdpOnAck
      ringTime = configuration.ringTime
      seed = configuration.seed
      initialDirection = configuration.initialDirection
    }
  }

  public enum Event: Sendable {
    /// UAC: send the initial INVITE to `to` (Request-URI `requestURI`, default `to`'s URI).
    case invite(to: SIPNameAddress, requestURI: SIPURI? = nil, callID: String? = nil)
    /// A request or response of this call (initial INVITE at the UAS included).
    case received(SIPMessage)
    /// UAS: the peer's initial INVITE with its body already read by ``sdpBody(of:)`` (the caller
    /// looked at the offer to bind its sockets first), so that it is not parsed again.
    case receivedInitialInvite(SIPMessage, offer: SDPBody)
    /// UAS: send a provisional response (180 Ringing, 183 Session Progress).
    case ring(code: Int)
    /// UAS: answer 200 with our answer (or our offer when the INVITE had none).
    case answer
    /// UAS: refuse the INVITE with a final non-2xx response.
    case reject(code: Int)
    /// Send a re-INVITE with a new offer: `.sendonly`/`.inactive` holds, `.sendrecv` resumes.
    case reinvite(direction: MediaDirection)
    /// `call:bye()`: BYE when confirmed, CANCEL while the UAC waits, 480 while the UAS has not answered.
    case bye
    /// `call:cancel()`: CANCEL our INVITE (sent once a provisional response has come, §9.1).
    case cancel
    /// `call:request(method, body)`: any other request inside the dialog (INFO, MESSAGE, NOTIFY,
    /// OPTIONS, REFER, UPDATE), built by the dialog with the next CSeq. Its response is the
    /// caller's: the session does not look at it, but for an UPDATE with SDP, an offer whose
    /// 2xx carries the answer (RFC 3311, InviteSession+Update.swift).
    case request(
      method: String, body: [UInt8] = [], contentType: String? = nil, headers: [(String, String)] = [])
    case timerFired(Timer)
    /// A request we sent got no response (the transaction's Timer B/F, or the transport failed).
    case requestFailed(method: String, failure: RequestFailure)
    /// The layer below gave up waiting for the ACK of our 2xx and sent BYE (§13.3.1.4).
    case ackTimeout
    /// The layer below answered a CANCEL for the peer's INVITE (200 + 487) itself.
    case peerCancelled
  }

  public enum Action: Sendable {
    /// Send this request to that endpoint (INVITE, ACK for 2xx, CANCEL, BYE, re-INVITE).
    case sendRequest(SIPMessage, to: SIPEndpoint)
    /// Send this response through the server transaction of the request it answers.
    case sendResponse(SIPMessage)
    case armTimer(Timer, after: Duration)
    case cancelTimer(Timer)
    case stateChanged(State)
    /// `cb_preliminary`: a provisional response to our INVITE.
    case preliminary(Int)
    /// `cb_final`: the final response to our (re-)INVITE.
    case final(Outcome, code: Int)
    /// `cb_established`: the call is confirmed (ACK sent or received) with media agreed.
    case established
    /// What the latest offer/answer exchange negotiated (`init_media`, hold and resume).
    case mediaUpdate([NegotiatedStream])
    /// `cb_noanswer`: `ring_time` expired; a CANCEL follows.
    case noAnswer
    /// `recv_bye`: the peer ended the call with BYE or CANCEL.
    case remoteHangup(HangupCause)
    /// `cb_dtmf` for a digit received in SIP INFO.
    case dtmfInfo(DTMFInfo)
    /// An incoming REFER (RFC 3515), surfaced as it is: the Call layer answers it.
    case refer(target: SIPNameAddress, request: SIPMessage)
    /// An in-dialog NOTIFY (RFC 6665; the progress of our REFER, RFC 3515 §2.4.5), answered 200.
    case notify(SIPMessage)
    /// A message refused for its SDP, or an answer we could not use.
    case mediaError(String)
    /// A command that does not apply in the current state, and why.
    case refused(String)
    case terminated(HangupCause)
  }

  public let role: Role
  /// The configuration the session was made with, but for `offerAnswer`, which is the session's
  /// own ``offerAnswer`` as it is now: the session keeps one copy of it, not two (one of which
  /// nothing read after the start: a few hundred bytes in every call).
  public internal(set) var configuration: Configuration {
    get { Configuration(settings, offerAnswer: offerAnswer) }
    set {
      settings = Settings(newValue)
      offerAnswer = newValue.offerAnswer
    }
  }
  /// ``Configuration`` without its `offerAnswer`.
  var settings: Settings
  public internal(set) var state: State = .idle
  public internal(set) var offerAnswer: OfferAnswer
  public internal(set) var dialog: Dialog?
  public internal(set) var hangupCause: HangupCause?
  /// The initial INVITE: ours (UAC) or the peer's (UAS).
  public internal(set) var invite: SIPMessage?
  /// The direction we ask for in our offers and answers (hold sets it).
  public internal(set) var localDirection: MediaDirection = .sendrecv

  var rng: SeededGenerator
  /// UAS: the SDP body of the peer's initial INVITE, read once when it arrived.
  var initialOffer: SDPBody?
  /// UAS: our tag for the To of every response.
  var localTag: String?
  var provisionalReceived = false
  var cancelRequested = false
  var cancelSent = false
  /// The cause to report when our CANCEL completes: `.localCancel` or `.noAnswer`.
  var cancelCause: HangupCause = .localCancel
  /// The ACK we sent for the 2xx of an INVITE (its CSeq number), resent for 2xx retransmissions.
  /// Out of line: a UAS never sends one, and it is one pointer in every session that does not.
  var lastAck: (cseq: UInt32, message: SIPMessage, peer: SIPEndpoint)? {
    get { sentAck.value }
    set { sentAck = OutOfLine(newValue) }
  }
  private var sentAck: OutOfLine<(cseq: UInt32, message: SIPMessage, peer: SIPEndpoint)> = .none
  /// The re-INVITE, UPDATE or ACK under way, out of line: made when an exchange starts, dropped
  /// when it ends, so that a settled (held, established) call carries one pointer for it.
  private var exchange: OutOfLine<Exchange> = .none

  /// Our re-INVITE waiting for its final response: CSeq number and the direction offered.
  var pendingReinvite: (cseq: UInt32, direction: MediaDirection)? {
    get { exchange.value?.pendingReinvite }
    set { updateExchange { $0.pendingReinvite = newValue } }
  }
  /// The offer/answer state and direction before our re-INVITE, restored when it fails (RFC 3261
  /// §14.1: a failed re-INVITE leaves the session as it was).
  var beforeReinvite: (offerAnswer: OfferAnswer, direction: MediaDirection)? {
    get { exchange.value?.beforeReinvite }
    set { updateExchange { $0.beforeReinvite = newValue } }
  }
  /// The direction to offer again when the glare retry timer fires.
  var glareDirection: MediaDirection? {
    get { exchange.value?.glareDirection }
    set { updateExchange { $0.glareDirection = newValue } }
  }
  /// Our UPDATE carrying an offer, waiting for its final response (RFC 3311 §5.1), and the
  /// offer/answer state to return to when it fails.
  var pendingUpdate: (cseq: UInt32, before: OfferAnswer)? {
    get { exchange.value?.pendingUpdate }
    set { updateExchange { $0.pendingUpdate = newValue } }
  }
  /// An INVITE of the peer we answered 2xx and whose ACK is due; `offeredInResponse` when our
  /// 2xx carried the offer, so the ACK must carry the answer (RFC 3264 §5, RFC 3261 §13.2.1).
  var awaitingAck: (cseq: UInt32, offeredInResponse: Bool)? {
    get { exchange.value?.awaitingAck }
    set { updateExchange { $0.awaitingAck = newValue } }
  }
  /// A re-INVITE of the peer being handled (its ACK not yet in): a second one gets 500 (§14.2).
  var peerReinviteOpen: Bool {
    get { exchange.value?.peerReinviteOpen ?? false }
    set { updateExchange { $0.peerReinviteOpen = newValue } }
  }

  /// The state of the offer/answer exchanges under way (fields documented at their accessors).
  struct Exchange {
    var pendingReinvite: (cseq: UInt32, direction: MediaDirection)?
    var beforeReinvite: (offerAnswer: OfferAnswer, direction: MediaDirection)?
    var glareDirection: MediaDirection?
    var pendingUpdate: (cseq: UInt32, before: OfferAnswer)?
    var awaitingAck: (cseq: UInt32, offeredInResponse: Bool)?
    var peerReinviteOpen = false

    var isSettled: Bool {
      pendingReinvite == nil && beforeReinvite == nil && glareDirection == nil && pendingUpdate == nil
        && awaitingAck == nil && !peerReinviteOpen
    }
  }

  /// Changes the exchange state, making its box when it starts and dropping it once settled.
  private mutating func updateExchange(_ change: (inout Exchange) -> Void) {
    var state = exchange.value ?? Exchange()
    change(&state)
    exchange = state.isSettled ? .none : .some(state)
  }

  public init(role: Role, configuration: Configuration) {
    self.role = role
    self.settings = Settings(configuration)
    self.offerAnswer = configuration.offerAnswer
    self.rng = SeededGenerator(seed: configuration.seed)
    self.localDirection = configuration.initialDirection
  }

  /// ``init(role:configuration:)`` with the configuration's fields given one by one, each stored
  /// as it comes. A ``Configuration`` made only to start a session was copied field by field
  /// into the session and then destroyed: two dozen retains and as many releases per call
  /// (docs/benchmarks-calls.md, "arc").
  public init(
    role: Role, localAddress: SIPNameAddress, contact: SIPNameAddress, contactText: String?, via: SIPVia,
    offerAnswer: OfferAnswer, streams: [LocalStream], sdpOnAck: Bool = false, ringTime: Duration? = nil,
    seed: UInt64 = 0, initialDirection: MediaDirection = .sendrecv
  ) {
    self.role = role
    self.settings = Settings(
      localAddress: localAddress, contact: contact, contactText: contactText, via: via, streams: streams,
      sdpOnAck: sdpOnAck, ringTime: ringTime, seed: seed, initialDirection: initialDirection)
    self.offerAnswer = offerAnswer
    self.rng = SeededGenerator(seed: seed)
    self.localDirection = initialDirection
  }

  /// Replaces our RTP ports (Net::SIP `clear_sdp`: fresh sockets for each new INVITE); the next
  /// offer or answer describes them.
  public mutating func replaceLocalStreams(_ streams: [LocalStream]) {
    settings.streams = streams
  }

  /// Whether this side is the owner of the Call-ID (made it: the UAC of the initial INVITE), which
  /// picks the 491 retry window (RFC 3261 §14.1).
  public var ownsCallID: Bool { role == .uac }

  /// The one entry point: an event in, the actions to perform out, in order.
  public mutating func handle(_ event: Event) -> [Action] {
    // An event gives up to ~6 actions (a BYE: response, hangup, timer, state, terminated): one
    // allocation instead of growing 1 → 2 → 4 → 8.
    var out: [Action] = []
    out.reserveCapacity(6)
    switch event {
    case .invite(let to, let requestURI, let callID):
      startInvite(to: to, requestURI: requestURI, callID: callID, &out)
    case .received(let message):
      if message.isRequest { receiveRequest(message, &out) } else { receiveResponse(message, &out) }
    case .receivedInitialInvite(let request, let offer):
      if role == .uas, state == .idle, request.method == "INVITE" {
        receiveInitialInvite(request, offer: offer, &out)
      } else {
        receiveRequest(request, &out)
      }
    case .ring(let code): ring(code: code, &out)
    case .answer: answer(&out)
    case .reject(let code): reject(code: code, &out)
    case .reinvite(let direction): reinvite(direction: direction, &out)
    case .bye: bye(&out)
    case .cancel: cancel(cause: .localCancel, &out)
    case .request(let method, let body, let contentType, let headers):
      sendInDialog(method: method, body: body, contentType: contentType, headers: headers, &out)
    case .timerFired(let timer): timerFired(timer, &out)
    case .requestFailed(let method, let failure): requestFailed(method: method, failure: failure, &out)
    case .ackTimeout:
      if state == .answered { terminate(.timeout, &out) }
    case .peerCancelled:
      if state == .incoming || state == .early {
        out.append(.remoteHangup(.remoteCancel))
        terminate(.remoteCancel, &out)
      }
    }
    return out
  }

  // MARK: - Shared helpers

  mutating func setState(_ new: State, _ out: inout [Action]) {
    guard new != state else { return }
    state = new
    out.append(.stateChanged(new))
  }

  mutating func terminate(_ cause: HangupCause, _ out: inout [Action]) {
    guard state != .terminated else { return }
    hangupCause = cause
    out.append(.cancelTimer(.ringTime))
    if glareDirection != nil {
      glareDirection = nil
      out.append(.cancelTimer(.glareRetry))
    }
    dialog?.state = .terminated
    setState(.terminated, &out)
    out.append(.terminated(cause))
  }

  /// A Via with a new branch for each request we make (RFC 3261 §8.1.1.7).
  mutating func freshVia() -> SIPVia {
    var via = settings.via
    via.branch = SIPIdentifiers.branch(using: &rng)
    return via
  }

  /// Our streams with the direction we currently want.
  var currentStreams: [LocalStream] {
    settings.streams.map { stream in
      var stream = stream
      stream.direction = localDirection
      return stream
    }
  }

  /// After an exchange: report the media and move between established and held.
  mutating func mediaNegotiated(_ streams: [NegotiatedStream], _ out: inout [Action]) {
    out.append(.mediaUpdate(streams))
    guard state == .established || state == .held else { return }
    setState(Self.isHeld(streams) ? .held : .established, &out)
  }

  /// RFC 3264 §8.4: a stream is on hold when it is not `sendrecv`; the call is held when every
  /// active stream is.
  static func isHeld(_ streams: [NegotiatedStream]) -> Bool {
    let active = streams.filter(\.isActive)
    return !active.isEmpty && active.allSatisfy { $0.direction != .sendrecv }
  }

  /// A message's SDP body read by ``sdpBody(of:)``.
  public typealias SDPBody = Result<SessionDescription?, SDPBodyError>

  /// The SDP body of a message, nil when it has none; an error text when it is not usable SDP.
  public static func sdpBody(of message: SIPMessage) -> SDPBody {
    let body = message.body
    guard !body.isEmpty else { return .success(nil) }
    // The usual `application/sdp` is recognised on its bytes; anything else is read in full.
    if let value = message.contentType, !SessionDescription.isContentType(value),
      let type = message.mediaType, type != SessionDescription.contentType
    {
      return .failure(
        SDPBodyError(description: "body of type \(type), not \(SessionDescription.contentType)"))
    }
    do {
      return .success(try SessionDescription(parsing: body))
    } catch {
      return .failure(SDPBodyError(description: "unparsable SDP: \(error)"))
    }
  }

  /// Why a body is not usable SDP.
  public struct SDPBodyError: Error, Sendable, CustomStringConvertible { public var description: String }

  /// What an exchange gave: the negotiated streams, or why there are none.
  enum MediaOutcome {
    case streams([NegotiatedStream])
    case failure(String)
  }

  /// A response of ours with our Contact where one belongs (1xx–2xx to INVITE, 2xx to UPDATE,
  /// RFC 3261 §12.1.1, RFC 3311 §5.2).
  func response(
    to request: SIPMessage, code: Int, reason: String? = nil, body: [UInt8] = [], contentType: String? = nil,
    contact: Bool = false
  ) -> SIPMessage {
    var message = request.makeResponse(
      statusCode: code, reasonPhrase: reason, toTag: localTag ?? dialog?.id.localTag, body: body,
      contentType: contentType)
    if contact { message.addHeader("Contact", settings.contactText ?? settings.contact.description) }
    return message
  }
}
