public import SIPCore

/// The INVITE server transaction of RFC 3261 §17.2.1 with the Accepted state of RFC 6026 §7.1.
///
/// ```swift
/// var tx = ServerInviteTransaction(request: invite, reliable: false)
/// tx.handle(.start)                      // [.arm(.trying, 200 ms), .passToTU(invite)]
/// tx.handle(.sendResponse(busy))         // [.cancel(.trying), .send(486), .arm(.G, 500 ms), .arm(.H, 32 s)]
/// tx.handle(.received(ack))              // [.cancel(.G), .cancel(.H), .arm(.I, 5 s)]
/// ```
///
/// The 100 Trying waits for ``TimerSettings/tryingDelay`` (RFC 3261 §17.2.1: it is needed only
/// when the TU does not answer within 200 ms): a TU that answers sooner saves a datagram, and
/// ``TransactionTimer/trying`` sends it otherwise. A retransmitted INVITE before any response
/// gets it at once (the client is retransmitting: it has waited T1 already). A delay of zero
/// sends it at once, with the INVITE going up.
///
/// Not thread-safe: owned by one event loop.
public struct ServerInviteTransaction: Sendable {
  public private(set) var state: TransactionState = .proceeding
  public let request: SIPMessage
  public let reliable: Bool
  public let timers: TimerSettings
  /// The last response sent, resent when the INVITE is retransmitted.
  public private(set) var lastResponse: SIPMessage?
  var intervalG: Duration
  /// The 100 Trying waits for ``TransactionTimer/trying``: nothing was sent yet.
  public private(set) var tryingPending = false

  public init(request: SIPMessage, reliable: Bool, timers: TimerSettings = TimerSettings()) {
    self.request = request
    self.reliable = reliable
    self.timers = timers
    self.intervalG = timers.t1
  }

  /// Whether a final response has been sent (a CANCEL then no longer produces a 487, §9.2).
  public var hasSentFinalResponse: Bool { state != .proceeding }

  public mutating func handle(_ event: TransactionEvent) -> [TransactionAction] {
    switch (state, event) {
    case (.proceeding, .start):
      // RFC 3261 §17.2.1: 100 Trying unless the TU answers within 200 ms (the delay), so that
      // the client stops retransmitting; zero: at once. Then the INVITE goes up.
      guard timers.tryingDelay > .zero else { return [sendTrying(), .passToTU(request)] }
      tryingPending = true
      return [.arm(.trying, timers.tryingDelay), .passToTU(request)]

    case (.proceeding, .timerFired(.trying)):
      // The TU has not answered in time.
      guard tryingPending else { return [] }
      tryingPending = false
      return [sendTrying()]

    case (.proceeding, .received(let message)), (.completed, .received(let message)):
      if message.method == "ACK" { return receiveACK() }
      // RFC 3261 §17.2.1: a retransmitted INVITE gets the last response again; one that comes
      // before any response gets the 100 Trying now (its client has waited T1 for one).
      if let lastResponse { return [.send(lastResponse)] }
      if tryingPending {
        tryingPending = false
        return [.cancel(.trying), sendTrying()]
      }
      return []

    case (.accepted, .received(let message)):
      // RFC 6026 §7.1: INVITE retransmissions are absorbed in Accepted; an ACK that matches the
      // transaction (its branch reused, as Net::SIP does for re-INVITEs) goes to the TU.
      return message.method == "ACK" ? [.passToTU(message)] : []

    case (.confirmed, .received):
      // RFC 3261 §17.2.1: ACK retransmissions are absorbed in Confirmed.
      return []

    case (.proceeding, .sendResponse(let response)):
      return sendResponse(response)

    case (.accepted, .sendResponse(let response)):
      // RFC 6026 §7.1: the TU's 2xx retransmissions pass through Accepted to the transport.
      if let code = response.statusCode, (200..<300).contains(code) {
        lastResponse = response
        return [.send(response)]
      }
      return []

    case (.completed, .timerFired(.G)):
      // RFC 3261 §17.2.1: retransmit, doubling up to T2.
      intervalG = timers.doubledCapped(intervalG)
      guard let lastResponse else { return [] }
      return [.send(lastResponse), .arm(.G, intervalG)]

    case (.completed, .timerFired(.H)):
      // RFC 3261 §17.2.1: the ACK never came.
      state = .terminated
      return [.cancel(.G), .timeout, .terminate]

    case (.confirmed, .timerFired(.I)), (.accepted, .timerFired(.L)):
      state = .terminated
      return [.terminate]

    case (.proceeding, .transportError), (.completed, .transportError), (.accepted, .transportError):
      // RFC 3261 §17.2.4 (RFC 6026 for Accepted).
      // The Trying timer is cancelled only while it is armed (before any response): once a
      // response went out it was cancelled then, and a finished transaction
      // (FinishedTransaction) answers this event with the same actions as the machine.
      state = .terminated
      let cancelTrying: [TransactionAction] = tryingPending ? [.cancel(.trying)] : []
      tryingPending = false
      return cancelTrying + [.cancel(.G), .cancel(.H), .cancel(.L), .transportError, .terminate]

    default:
      return []
    }
  }

  /// The 100 Trying, now the last response (resent for retransmitted INVITEs).
  mutating func sendTrying() -> TransactionAction {
    let trying = request.makeResponse(statusCode: 100)
    lastResponse = trying
    return .send(trying)
  }

  mutating func sendResponse(_ response: SIPMessage) -> [TransactionAction] {
    guard let code = response.statusCode else { return [] }
    lastResponse = response
    // The TU answered: no 100 Trying is needed any more.
    let wasPending = tryingPending
    tryingPending = false
    switch code {
    case 100..<200:
      return wasPending ? [.cancel(.trying), .send(response)] : [.send(response)]
    case 200..<300:
      // RFC 6026 §7.1: Accepted for 64*T1; the UAS core retransmits the 2xx (§13.3.1.4).
      state = .accepted
      return wasPending
        ? [.cancel(.trying), .send(response), .arm(.L, timers.timeout)]
        : [.send(response), .arm(.L, timers.timeout)]
    default:
      state = .completed
      var actions: [TransactionAction] = wasPending ? [.cancel(.trying), .send(response)] : [.send(response)]
      if !reliable { actions.append(.arm(.G, intervalG)) }
      actions.append(.arm(.H, timers.timeout))
      return actions
    }
  }

  mutating func receiveACK() -> [TransactionAction] {
    guard state == .completed else { return [] }
    // RFC 3261 §17.2.1: Confirmed; Timer I absorbs ACK retransmissions (zero on reliable).
    state = .confirmed
    var actions: [TransactionAction] = [.cancel(.G), .cancel(.H)]
    if reliable {
      state = .terminated
      actions.append(.terminate)
    } else {
      actions.append(.arm(.I, timers.t4))
    }
    return actions
  }
}
