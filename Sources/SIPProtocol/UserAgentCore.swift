public import SIPCore

/// The UA core over the transaction layer: the rules of RFC 3261 that sit between transactions
/// and the call logic. It validates new requests (§8.2), answers CANCEL (§9.2) and OPTIONS
/// (§11.2), keeps dialogs (§12) and their CSeq checks, retransmits a 2xx to INVITE until its ACK
/// arrives (§13.3.1.4) and ACKs every 2xx it receives (§13.2.2.4).
///
/// One entry point, ``handle(_:)``: an ``Event`` in, the ``Action``s to perform out, in order.
///
/// ```swift
/// var core = UserAgentCore(configuration: .init(via: SIPVia(transport: "UDP", host: "192.0.2.1", port: 5060)))
/// for action in core.handle(.received(message, from: source)) {
///   switch action {
///   case .send(let message, let peer, _): transport.send(message, to: peer)
///   case .armTimer(let id, let after, _): loop.schedule(after) { core.handle(.timerFired(id)) }
///   case .cancelTimer(let id): loop.cancel(id)
///   case .request(let request, let tx, let dialog): call.incoming(request, tx, dialog)
///   default: call.notify(action)
///   }
/// }
/// ```
///
/// Not thread-safe: owned by one event loop.
public struct UserAgentCore: Sendable {
  public struct Configuration: Sendable {
    public var transactions: TransactionLayer.Configuration
    public var validator: RequestValidator
    /// The Via the core puts in requests it makes itself (ACK for 2xx, BYE after an ACK timeout,
    /// in-dialog requests); its transport is replaced by the destination's, its branch is new.
    public var via: SIPVia
    /// Most dialogs kept; past it a new INVITE gets 503 with Retry-After.
    public var maxDialogs: Int
    /// Seed of the generator for branches and tags.
    public var seed: UInt64
    /// Whether the core ACKs a 2xx by itself (an ACK without body). When false, the TU sends
    /// the ACK with ``Event/sendACK(dialog:body:contentType:)`` — for a late offer, whose answer
    /// travels in the ACK (RFC 3264 §5, RFC 3261 §13.2.2.4) — and the core resends that ACK for
    /// every retransmission of the 2xx.
    public var acksAutomatically: Bool

    public init(
      transactions: TransactionLayer.Configuration = .init(),
      validator: RequestValidator = RequestValidator(),
      via: SIPVia, maxDialogs: Int = 10_000, seed: UInt64 = 0, acksAutomatically: Bool = true
    ) {
      self.transactions = transactions
      self.validator = validator
      self.via = via
      self.maxDialogs = maxDialogs
      self.seed = seed
      self.acksAutomatically = acksAutomatically
    }
  }

  public enum Event: Sendable {
    /// A message arrived from the network.
    case received(SIPMessage, from: SIPEndpoint)
    case timerFired(TimerID)
    case transportError(TransactionID)
    /// The TU sends a request outside any dialog (built with `SIPMessage.request`).
    case sendRequest(SIPMessage, to: SIPEndpoint)
    /// The TU sends a request inside a dialog; the core builds it (§12.2.1.1).
    case sendInDialog(method: String, dialog: DialogID, body: [UInt8] = [], contentType: String? = nil)
    /// The TU answers a request it was given.
    case sendResponse(SIPMessage, transaction: TransactionID)
    /// The TU answers an INVITE with a 101–299 response carrying a To tag, and gives the dialog
    /// that response makes or confirms at the UAS, which it has built from the request and the tag
    /// and Contact it put in the response (as ``Dialog/init(uasRequest:response:)`` would): the
    /// core keeps that dialog instead of reading the To, From and Contact back out of the
    /// response and building it again (RFC 3261 §12.1.1). Any other response: as ``sendResponse``.
    case sendDialogResponse(SIPMessage, transaction: TransactionID, dialog: Dialog)
    /// The TU cancels its INVITE (§9.1): sent once a provisional response has arrived.
    case cancel(TransactionID)
    /// The TU ACKs the 2xx of this dialog (only with ``Configuration/acksAutomatically`` off).
    /// `via` names where the ACK leaves from (the leg of the INVITE); nil: ``Configuration/via``.
    case sendACK(dialog: DialogID, body: [UInt8] = [], contentType: String? = nil, via: SIPVia? = nil)
  }

  public enum Action: Sendable {
    case send(SIPMessage, to: SIPEndpoint, transaction: TransactionID?)
    /// Arm a one-shot timer: never early, at most `leeway` late (see
    /// ``TransactionLayer/Action/armTimer(_:after:leeway:)``; zero for the core's own timers).
    case armTimer(TimerID, after: Duration, leeway: Duration)
    case cancelTimer(TimerID)
    /// A request for the TU (validated; in a dialog when `dialog` is set).
    case request(SIPMessage, transaction: TransactionID, dialog: DialogID?)
    /// A response to a request the TU sent (the first 2xx of each dialog; retransmissions are ACKed
    /// by the core and not repeated here).
    case response(SIPMessage, transaction: TransactionID, dialog: DialogID?)
    /// The ACK for our 2xx arrived.
    case ackReceived(SIPMessage, dialog: DialogID)
    /// A CANCEL arrived for this INVITE server transaction; the core answered it 200 and the
    /// INVITE 487 (§9.2).
    case cancelled(TransactionID)
    /// Timer B, F or H fired.
    case timeout(TransactionID)
    case transportError(TransactionID)
    /// No ACK came for our 2xx within 64*T1; the core sent BYE (§13.3.1.4).
    case ackTimeout(DialogID)
    case dialogTerminated(DialogID)
    case transactionTerminated(TransactionID)
    /// Something dropped, and why (for traces).
    case discarded(SIPMessage, reason: String)
  }

  /// The 2xx a UAS core retransmits until the ACK (§13.3.1.4).
  struct PendingAck: Sendable {
    var response: SIPMessage
    var peer: SIPEndpoint
    var cseq: UInt32
    var interval: Duration
    var retransmitTimer: TimerID
    var giveUpTimer: TimerID
  }

  /// An INVITE we sent, for CANCEL and for early dialogs (§9.1, §12.3).
  struct SentInvite: Sendable {
    var request: SIPMessage
    var cancelRequested = false
    var dialogs: Set<DialogID> = []
  }

  enum CoreTimer: Sendable {
    case retransmit2xx(DialogID)
    case giveUp2xx(DialogID)
  }

  public internal(set) var layer: TransactionLayer
  public let configuration: Configuration
  public internal(set) var dialogs = DialogTable()
  var pendingAcks: [DialogID: PendingAck] = [:]
  /// The ACK sent for the 2xx of each dialog, resent for each retransmission (§13.2.2.4).
  var sentAcks: [DialogID: (cseq: UInt32, ack: SIPMessage, peer: SIPEndpoint)] = [:]
  var sentInvites: [TransactionID: SentInvite] = [:]
  /// 2xx waiting for the TU's ACK: the CSeq number of their INVITE, per dialog.
  var awaitingACK: [DialogID: UInt32] = [:]
  var coreTimers: [TimerID: CoreTimer] = [:]
  var rng: SeededGenerator

  public init(configuration: Configuration) {
    self.configuration = configuration
    self.layer = TransactionLayer(configuration: configuration.transactions)
    self.rng = SeededGenerator(seed: configuration.seed)
  }

  var timers: TimerSettings { configuration.transactions.timers }

  public mutating func handle(_ event: Event) -> [Action] {
    switch event {
    case .received(let message, let source):
      return process(layer.handle(.received(message, from: source)))
    case .timerFired(let id):
      if let timer = coreTimers.removeValue(forKey: id) { return coreTimerFired(timer) }
      return process(layer.handle(.timerFired(id)))
    case .transportError(let id):
      return process(layer.handle(.transportError(id)))
    case .sendRequest(let request, let peer):
      return sendRequest(request, to: peer)
    case .sendInDialog(let method, let id, let body, let contentType):
      return sendInDialog(method: method, dialog: id, body: body, contentType: contentType)
    case .sendResponse(let response, let id):
      return sendResponse(response, transaction: id)
    case .sendDialogResponse(let response, let id, let dialog):
      return sendResponse(response, transaction: id, dialog: dialog)
    case .cancel(let id):
      return cancel(id)
    case .sendACK(let id, let body, let contentType, let via):
      return sendACK(dialog: id, body: body, contentType: contentType, via: via)
    }
  }

  // MARK: - Helpers shared by the UAC and UAS sides

  mutating func makeVia(for peer: SIPEndpoint) -> SIPVia {
    var via = configuration.via
    via.transport = peer.transport
    via.branch = SIPIdentifiers.branch(using: &rng)
    return via
  }

  /// A tag of 12 characters of [0-9a-z] from one 64-bit draw (~62 bits; RFC 3261 §19.3 asks for
  /// 32). Made for every new request (the validator's responses carry it), so it avoids the
  /// character-by-character draws of `SIPIdentifiers.tag`.
  mutating func makeTag() -> String {
    var value = rng.next()
    return String(unsafeUninitializedCapacity: 12) { buffer in
      for i in 0..<12 {
        buffer[i] = Self.tagAlphabet[Int(value % 36)]
        value /= 36
      }
      return 12
    }
  }

  static let tagAlphabet: [UInt8] = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

  mutating func arm(_ timer: CoreTimer, after duration: Duration) -> (TimerID, Action) {
    let id = layer.makeTimerID()
    coreTimers[id] = timer
    return (id, .armTimer(id, after: duration, leeway: .zero))
  }

  mutating func disarm(_ id: TimerID) -> Action? {
    coreTimers.removeValue(forKey: id) == nil ? nil : .cancelTimer(id)
  }

  /// Disarms both timers of a 2xx waiting for its ACK (no array made for the pair).
  mutating func disarm(_ pending: PendingAck, into out: inout [Action]) {
    if let action = disarm(pending.retransmitTimer) { out.append(action) }
    if let action = disarm(pending.giveUpTimer) { out.append(action) }
  }

  /// The dialog a message from the peer belongs to: our tag is in To, theirs in From.
  func dialogID(ofIncoming message: SIPMessage) -> DialogID? {
    guard let callID = message.callID, let local = message.toTag, let remote = message.fromTag else {
      return nil
    }
    return DialogID(callID: callID, localTag: local, remoteTag: remote)
  }

  /// The dialog a response to our request belongs to: our tag is in From, theirs in To.
  func dialogID(ofResponse message: SIPMessage) -> DialogID? {
    guard let callID = message.callID, let local = message.fromTag, let remote = message.toTag else {
      return nil
    }
    return DialogID(callID: callID, localTag: local, remoteTag: remote)
  }

  mutating func terminateDialog(_ id: DialogID) -> [Action] {
    var out: [Action] = []
    terminateDialog(id, into: &out)
    return out
  }

  /// ``terminateDialog(_:)`` appending to the caller's actions.
  mutating func terminateDialog(_ id: DialogID, into out: inout [Action]) {
    guard dialogs.remove(id) else { return }
    if let pending = pendingAcks.removeValue(forKey: id) { disarm(pending, into: &out) }
    sentAcks[id] = nil
    awaitingACK[id] = nil
    out.append(.dialogTerminated(id))
  }

  /// Turns the transaction layer's actions into the core's, applying the core's rules.
  mutating func process(_ actions: [TransactionLayer.Action]) -> [Action] {
    // A request alone (the usual read) gives the actions of its handling: no second array.
    if actions.count == 1, case .request(let request, let id, _) = actions[0] {
      return receiveRequest(request, transaction: id)
    }
    var out: [Action] = []
    // Room for what a request, response or ACK adds (a 2xx: send and two timers): one allocation.
    out.reserveCapacity(actions.count + 4)
    for action in actions {
      switch action {
      case .send(let message, let peer, let id): out.append(.send(message, to: peer, transaction: id))
      case .armTimer(let id, let after, let leeway): out.append(.armTimer(id, after: after, leeway: leeway))
      case .cancelTimer(let id): out.append(.cancelTimer(id))
      case .request(let request, let id, _): out += receiveRequest(request, transaction: id)
      case .response(let response, let id, let request):
        out += receiveResponse(response, to: request, transaction: id)
      case .ack(let ack, _): out += receiveACK(ack)
      case .strayResponse(let response, _): out += receiveStrayResponse(response)
      case .timeout(let id): out.append(.timeout(id))
      case .transportError(let id): out.append(.transportError(id))
      case .terminated(let id):
        sentInvites[id] = nil
        out.append(.transactionTerminated(id))
      case .discarded(let message, let reason): out.append(.discarded(message, reason: reason))
      }
    }
    return out
  }

  mutating func coreTimerFired(_ timer: CoreTimer) -> [Action] {
    switch timer {
    case .retransmit2xx(let id):
      guard var pending = pendingAcks[id] else { return [] }
      // RFC 3261 §13.3.1.4: T1, doubling up to T2.
      pending.interval = timers.doubledCapped(pending.interval)
      let (timer, armAction) = arm(.retransmit2xx(id), after: pending.interval)
      pending.retransmitTimer = timer
      pendingAcks[id] = pending
      return [.send(pending.response, to: pending.peer, transaction: nil), armAction]
    case .giveUp2xx(let id):
      guard let pending = pendingAcks.removeValue(forKey: id) else { return [] }
      var out: [Action] = [disarm(pending.retransmitTimer)].compactMap { $0 }
      // RFC 3261 §13.3.1.4: no ACK within 64*T1: the session SHOULD be ended with a BYE.
      out.append(.ackTimeout(id))
      if var dialog = dialogs[id] {
        var via = makeVia(for: SIPEndpoint(uri: dialog.routeSet.first?.uri ?? dialog.remoteTarget))
        // The BYE names the leg the dialog lives on: the one our 2xx's Contact gave the peer
        // (the transport sends it from the leg its Via names).
        if let contact = pending.response.contacts.first?.uri {
          via.host = contact.host
          via.port = contact.port
        }
        let (bye, peer) = dialog.makeRequest(method: "BYE", via: via)
        dialogs[id] = dialog
        out += process(layer.handle(.sendRequest(bye, to: peer)))
      }
      out += terminateDialog(id)
      return out
    }
  }
}
