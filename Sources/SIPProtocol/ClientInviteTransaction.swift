public import SIPCore

/// The INVITE client transaction of RFC 3261 §17.1.1 with the Accepted state of RFC 6026 §7.2.
///
/// Feed it ``TransactionEvent``s; perform the ``TransactionAction``s it returns. It never reads a
/// clock: timers are armed and fired by its owner.
///
/// ```swift
/// var tx = ClientInviteTransaction(request: invite, reliable: false)
/// tx.handle(.start)                 // [.send(invite), .arm(.A, 500 ms), .arm(.B, 32 s)]
/// tx.handle(.timerFired(.A))        // [.send(invite), .arm(.A, 1 s)]
/// tx.handle(.received(ringing))     // [.cancel(.A), .cancel(.B), .passToTU(ringing)]
/// ```
///
/// Not thread-safe: owned by one event loop.
public struct ClientInviteTransaction: Sendable {
  public private(set) var state: TransactionState = .calling
  public let request: SIPMessage
  public let reliable: Bool
  public let timers: TimerSettings
  /// The ACK sent for the non-2xx final response, resent for each retransmission of it.
  public private(set) var ack: SIPMessage?
  var intervalA: Duration

  public init(request: SIPMessage, reliable: Bool, timers: TimerSettings = TimerSettings()) {
    self.request = request
    self.reliable = reliable
    self.timers = timers
    self.intervalA = timers.t1
  }

  public mutating func handle(_ event: TransactionEvent) -> [TransactionAction] {
    switch (state, event) {
    case (.calling, .start):
      // RFC 3261 §17.1.1.2: Timer A only on unreliable transports, Timer B always.
      var actions: [TransactionAction] = [.send(request)]
      if !reliable { actions.append(.arm(.A, intervalA)) }
      actions.append(.arm(.B, timers.timeout))
      return actions

    case (.calling, .timerFired(.A)):
      // RFC 3261 §17.1.1.2: retransmit and double, without the T2 cap non-INVITE has.
      intervalA = intervalA * 2
      return [.send(request), .arm(.A, intervalA)]

    case (.calling, .timerFired(.B)):
      state = .terminated
      return [.cancel(.A), .timeout, .terminate]

    case (.calling, .received(let response)), (.proceeding, .received(let response)):
      return receiveResponse(response)

    case (.completed, .received(let response)):
      // RFC 3261 §17.1.1.2: a retransmitted final response gets the same ACK, and stays here.
      if let code = response.statusCode, code >= 300, let ack { return [.send(ack)] }
      return []

    case (.accepted, .received(let response)):
      // RFC 6026 §7.2: 2xx retransmissions go to the TU, which ACKs each; others are dropped.
      if let code = response.statusCode, (200..<300).contains(code) { return [.passToTU(response)] }
      return []

    case (.completed, .timerFired(.D)), (.accepted, .timerFired(.M)):
      state = .terminated
      return [.terminate]

    case (.calling, .transportError), (.proceeding, .transportError):
      // RFC 3261 §17.1.4.
      state = .terminated
      return [.cancel(.A), .cancel(.B), .transportError, .terminate]

    default:
      // Stale timers and events that have no meaning in this state are ignored.
      return []
    }
  }

  mutating func receiveResponse(_ response: SIPMessage) -> [TransactionAction] {
    guard let code = response.statusCode else { return [] }
    var actions: [TransactionAction] = state == .calling ? [.cancel(.A), .cancel(.B)] : []
    switch code {
    case 100..<200:
      state = .proceeding
      actions.append(.passToTU(response))
    case 200..<300:
      // RFC 6026 §7.2: Accepted, so that 2xx retransmissions from other forks reach the TU.
      state = .accepted
      actions += [.passToTU(response), .arm(.M, timers.timeout)]
    default:
      // RFC 3261 §17.1.1.2–3: ACK it from the transaction, then absorb retransmissions.
      state = .completed
      let ack = request.makeACK(for: response)
      self.ack = ack
      actions += [.passToTU(response), .send(ack)]
      let d = timers.timerD(reliable: reliable)
      if d == .zero {
        state = .terminated
        actions.append(.terminate)
      } else {
        actions.append(.arm(.D, d))
      }
    }
    return actions
  }
}
