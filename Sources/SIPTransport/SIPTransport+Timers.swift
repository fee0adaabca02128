import NIOCore
import SIPProtocol

// The core's timers on one NIO task: the deadlines live in a ``SIPTimerQueue`` and a single
// scheduled task wakes up for the earliest (RFC 3261 §17 timers A–K, the core's 2xx
// retransmission timers).
extension SIPTransport {
  /// Timers due within this much of the earliest one fire together: one wake-up for a burst of
  /// transactions that started in the same millisecond.
  static let timerCoalescing: Int64 = 1_000_000

  /// Arms the core's timer `id` to fire `after` from now.
  func armTimer(_ id: TimerID, after: Duration) {
    let deadline = Int64(NIODeadline.now().uptimeNanoseconds) + after.nanoseconds
    if timerQueue.arm(id, at: deadline) { scheduleTimerWakeUp() }
  }

  func cancelTimer(_ id: TimerID) {
    timerQueue.cancel(id)
    // The wake-up is left as it is: at worst it finds nothing due and re-arms for the next one.
  }

  /// Points the loop's one timer task at the earliest deadline (or cancels it when none is left).
  func scheduleTimerWakeUp() {
    guard !isClosed, let next = timerQueue.nextDeadline() else {
      timerWakeUp?.cancel()
      timerWakeUp = nil
      timerWakeUpDeadline = nil
      return
    }
    if let current = timerWakeUpDeadline, current <= next, timerWakeUp != nil { return }
    timerWakeUp?.cancel()
    timerWakeUpDeadline = next
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    timerWakeUp = eventLoop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(UInt64(max(0, next)))) {
      bound.value.timersDue()
    }
  }

  /// The wake-up: fires every timer due (in deadline order), then waits for the next one.
  func timersDue() {
    timerWakeUp = nil
    timerWakeUpDeadline = nil
    guard !isClosed else { return }
    let now = Int64(NIODeadline.now().uptimeNanoseconds)
    for id in timerQueue.popDue(atOrBefore: now + Self.timerCoalescing) {
      guard !isClosed else { return }
      perform(core.handle(.timerFired(id)))
    }
    scheduleTimerWakeUp()
  }
}

extension Duration {
  /// The span in whole nanoseconds (saturating).
  var nanoseconds: Int64 {
    let (seconds, attoseconds) = components
    let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
    guard !overflow else { return seconds < 0 ? .min / 2 : .max / 2 }
    return scaled + attoseconds / 1_000_000_000
  }
}
