public import SIPCore

/// The non-INVITE server transaction of RFC 3261 §17.2.2 (Figure 8).
///
/// ```swift
/// var tx = ServerNonInviteTransaction(request: bye, reliable: false)
/// tx.handle(.start)                 // [.passToTU(bye)]
/// tx.handle(.sendResponse(ok))      // [.send(ok), .arm(.J, 32 s)]
/// tx.handle(.received(bye))         // [.send(ok)] — the retransmission gets the response again
/// ```
///
/// Not thread-safe: owned by one event loop.
public struct ServerNonInviteTransaction: Sendable {
  public private(set) var state: TransactionState = .trying
  /// The request; once the final response is sent, without its parsed-header cache (see
  /// ``handle(_:)``).
  public private(set) var request: SIPMessage
  public let reliable: Bool
  public let timers: TimerSettings
  public private(set) var lastResponse: SIPMessage?

  public init(request: SIPMessage, reliable: Bool, timers: TimerSettings = TimerSettings()) {
    self.request = request
    self.reliable = reliable
    self.timers = timers
  }

  public mutating func handle(_ event: TransactionEvent) -> [TransactionAction] {
    switch (state, event) {
    case (.trying, .start):
      return [.passToTU(request)]

    case (.trying, .received):
      // RFC 3261 §17.2.2: retransmissions in Trying are discarded.
      return []

    case (.proceeding, .received), (.completed, .received):
      // RFC 3261 §17.2.2: resend the last response.
      if let lastResponse { return [.send(lastResponse)] }
      return []

    case (.trying, .sendResponse(let response)), (.proceeding, .sendResponse(let response)):
      guard let code = response.statusCode else { return [] }
      lastResponse = response
      if code < 200 {
        state = .proceeding
        return [.send(response)]
      }
      state = .completed
      // RFC 3261 §17.2.2: Timer J is 64*T1 on unreliable transports, zero on reliable ones.
      if reliable {
        state = .terminated
        return [.send(response), .terminate]
      }
      // Completed for 32 s only to answer retransmissions with `lastResponse`: the request's
      // parsed headers (~1 KB of small objects) are not needed any more and go now.
      request.discardCachedTransactionHeaders()
      return [.send(response), .arm(.J, timers.timeout)]

    case (.completed, .timerFired(.J)):
      state = .terminated
      return [.terminate]

    case (.trying, .transportError), (.proceeding, .transportError), (.completed, .transportError):
      state = .terminated
      return [.cancel(.J), .transportError, .terminate]

    default:
      return []
    }
  }
}
