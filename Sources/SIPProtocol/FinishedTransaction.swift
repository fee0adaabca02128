import SIPCore

/// What a transaction keeps once it only waits for its last timer: the server that has sent its
/// final response (non-INVITE in Completed until Timer J, INVITE in Accepted until Timer L or in
/// Confirmed until Timer I) and the client that has its final response (Completed until Timer D
/// or K). The ``TransactionLayer`` puts it in place of the machine when the machine enters one of
/// these states, once the actions of the event that brought it there are done
/// (``Transaction/finish(legacyKey:)``).
///
/// A UDP non-INVITE server transaction waits 32 s (64*T1, RFC 3261 §17.2.2) and an INVITE one in
/// Accepted as long (RFC 6026 §7.1): with the machine, each kept its parsed request and the
/// response with their buffers, header offsets and header caches (~3.3 KB per OPTIONS
/// transaction, docs/benchmarks-transactions.md), and Timer J's expiry freed them all. Here it
/// keeps what the waiting state still uses: the bytes a retransmission gets again, and the tags
/// that legacy matching (§17.2.3) and CANCEL (§9.2) read. Its answers to events are the
/// machine's in that state, event for event (tests in FinishedTransactionTests).
///
/// Not thread-safe: owned by one event loop.
struct FinishedTransaction: Sendable {
  /// Which machine, in which waiting state.
  enum Wait: Sendable {
    /// Non-INVITE server in Completed: retransmitted requests get `message`, the final response
    /// (RFC 3261 §17.2.2); Timer J ends it.
    case serverNonInviteCompleted
    /// INVITE server in Accepted (RFC 6026 §7.1): retransmitted INVITEs are absorbed, an ACK that
    /// matches goes to the TU, a 2xx of the TU is sent; Timer L ends it. `message` is the INVITE,
    /// which the core reads when the TU sends another 2xx (its dialog and CSeq, §13.3.1.4).
    case serverInviteAccepted
    /// INVITE server in Confirmed: ACK retransmissions are absorbed (§17.2.1); Timer I ends it.
    case serverInviteConfirmed
    /// Non-INVITE client in Completed: retransmitted responses are absorbed (§17.1.2.2); Timer K.
    case clientNonInviteCompleted
    /// INVITE client in Completed: a retransmitted non-2xx final response gets `message`, the
    /// ACK, again (§17.1.1.2); Timer D ends it.
    case clientInviteCompleted
  }

  let wait: Wait
  /// The response resent (``Wait/serverNonInviteCompleted``), the ACK resent
  /// (``Wait/clientInviteCompleted``), the INVITE (``Wait/serverInviteAccepted``); nil otherwise.
  private(set) var message: SIPMessage?
  /// The To tag of the request, kept for the To-tag check of an RFC 2543 peer's key only (§17.2.3).
  let requestToTag: String?
  /// The To tag of the last response of an INVITE server transaction: its ACK's (legacy match,
  /// §17.2.3) and the CANCEL's 200 (§9.2).
  private(set) var responseToTag: String?

  /// The non-INVITE server transaction that has just entered Completed.
  init(completed tx: ServerNonInviteTransaction, legacyKey: Bool) {
    wait = .serverNonInviteCompleted
    message = tx.lastResponse
    requestToTag = legacyKey ? tx.request.toTag : nil
    responseToTag = nil
  }

  /// The INVITE server transaction that has just entered Accepted or Confirmed.
  init(finished tx: ServerInviteTransaction, legacyKey: Bool) {
    requestToTag = legacyKey ? tx.request.toTag : nil
    responseToTag = tx.lastResponse?.toTag
    if tx.state == .accepted {
      wait = .serverInviteAccepted
      // Its parsed headers (the top Via, the Request-URI, the tags) go: read again only if the
      // TU sends another 2xx.
      var request = tx.request
      request.discardCachedTransactionHeaders()
      message = request
    } else {
      wait = .serverInviteConfirmed
      message = nil
    }
  }

  /// The non-INVITE client transaction that has just entered Completed.
  init(completed tx: ClientNonInviteTransaction) {
    wait = .clientNonInviteCompleted
    message = nil
    requestToTag = nil
    responseToTag = nil
  }

  /// The INVITE client transaction that has just entered Completed.
  init(completed tx: ClientInviteTransaction) {
    wait = .clientInviteCompleted
    message = tx.ack
    requestToTag = nil
    responseToTag = nil
  }

  var state: TransactionState {
    switch wait {
    case .serverNonInviteCompleted, .clientNonInviteCompleted, .clientInviteCompleted: .completed
    case .serverInviteAccepted: .accepted
    case .serverInviteConfirmed: .confirmed
    }
  }

  var isServer: Bool {
    switch wait {
    case .serverNonInviteCompleted, .serverInviteAccepted, .serverInviteConfirmed: true
    case .clientNonInviteCompleted, .clientInviteCompleted: false
    }
  }

  var isServerInvite: Bool {
    switch wait {
    case .serverInviteAccepted, .serverInviteConfirmed: true
    default: false
    }
  }

  /// The request, while the core may still read it (Accepted); nil otherwise.
  var request: SIPMessage? { wait == .serverInviteAccepted ? message : nil }

  /// The response a retransmission gets (non-INVITE server); nil otherwise.
  var lastResponse: SIPMessage? { wait == .serverNonInviteCompleted ? message : nil }

  /// The machine's answer in its waiting state (ServerNonInviteTransaction,
  /// ServerInviteTransaction, ClientNonInviteTransaction, ClientInviteTransaction).
  mutating func handle(_ event: TransactionEvent) -> [TransactionAction] {
    switch (wait, event) {
    case (.serverNonInviteCompleted, .received):
      // RFC 3261 §17.2.2: resend the last response.
      if let message { return [.send(message)] }
      return []
    case (.serverNonInviteCompleted, .transportError):
      return [.cancel(.J), .transportError, .terminate]

    case (.serverInviteAccepted, .received(let request)):
      // RFC 6026 §7.1: INVITEs absorbed, a matching ACK to the TU.
      return request.method == "ACK" ? [.passToTU(request)] : []
    case (.serverInviteAccepted, .sendResponse(let response)):
      // RFC 6026 §7.1: the TU's 2xx retransmissions pass through to the transport.
      guard let code = response.statusCode, (200..<300).contains(code) else { return [] }
      responseToTag = response.toTag
      return [.send(response)]
    case (.serverInviteAccepted, .transportError):
      return [.cancel(.G), .cancel(.H), .cancel(.L), .transportError, .terminate]

    case (.clientInviteCompleted, .received(let response)):
      // RFC 3261 §17.1.1.2: a retransmitted final response gets the same ACK.
      if let code = response.statusCode, code >= 300, let message { return [.send(message)] }
      return []

    case (.serverNonInviteCompleted, .timerFired(.J)), (.serverInviteAccepted, .timerFired(.L)),
      (.serverInviteConfirmed, .timerFired(.I)), (.clientNonInviteCompleted, .timerFired(.K)),
      (.clientInviteCompleted, .timerFired(.D)):
      return [.terminate]

    default:
      // Absorbed retransmissions, stale timers, responses refused in this state.
      return []
    }
  }
}
