public import SIPCore

/// The non-INVITE client transaction of RFC 3261 §17.1.2 (Figure 6).
///
/// ```swift
/// var tx = ClientNonInviteTransaction(request: options, reliable: false)
/// tx.handle(.start)                 // [.send(options), .arm(.E, 500 ms), .arm(.F, 32 s)]
/// tx.handle(.timerFired(.E))        // [.send(options), .arm(.E, 1 s)]
/// ```
///
/// Not thread-safe: owned by one event loop.
public struct ClientNonInviteTransaction: Sendable {
  public private(set) var state: TransactionState = .trying
  public let request: SIPMessage
  public let reliable: Bool
  public let timers: TimerSettings
  var intervalE: Duration

  public init(request: SIPMessage, reliable: Bool, timers: TimerSettings = TimerSettings()) {
    self.request = request
    self.reliable = reliable
    self.timers = timers
    self.intervalE = timers.t1
  }

  public mutating func handle(_ event: TransactionEvent) -> [TransactionAction] {
    switch (state, event) {
    case (.trying, .start):
      var actions: [TransactionAction] = [.send(request)]
      if !reliable { actions.append(.arm(.E, intervalE)) }
      actions.append(.arm(.F, timers.timeout))
      return actions

    case (.trying, .timerFired(.E)):
      // RFC 3261 §17.1.2.2: double up to T2.
      intervalE = timers.doubledCapped(intervalE)
      return [.send(request), .arm(.E, intervalE)]

    case (.proceeding, .timerFired(.E)):
      // RFC 3261 §17.1.2.2: in Proceeding, retransmit every T2.
      intervalE = timers.t2
      return [.send(request), .arm(.E, intervalE)]

    case (.trying, .timerFired(.F)), (.proceeding, .timerFired(.F)):
      state = .terminated
      return [.cancel(.E), .timeout, .terminate]

    case (.trying, .received(let response)), (.proceeding, .received(let response)):
      guard let code = response.statusCode else { return [] }
      if code < 200 {
        state = .proceeding
        return [.passToTU(response)]
      }
      state = .completed
      var actions: [TransactionAction] = [.cancel(.E), .cancel(.F), .passToTU(response)]
      // RFC 3261 §17.1.2.2: Timer K is T4 on unreliable transports, zero on reliable ones.
      if reliable {
        state = .terminated
        actions.append(.terminate)
      } else {
        actions.append(.arm(.K, timers.t4))
      }
      return actions

    case (.completed, .timerFired(.K)):
      state = .terminated
      return [.terminate]

    case (.trying, .transportError), (.proceeding, .transportError):
      state = .terminated
      return [.cancel(.E), .cancel(.F), .transportError, .terminate]

    default:
      // Completed absorbs retransmitted responses (RFC 3261 §17.1.2.2); stale timers are ignored.
      return []
    }
  }
}
