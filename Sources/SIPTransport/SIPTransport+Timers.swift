import NIOCore
import SIPProtocol

// The core's timers on one NIO task: the deadlines live in a ``SIPTimerQueue`` and a single
// scheduled task wakes up for the earliest (RFC 3261 §17 timers A–K, the core's 2xx
// retransmission timers). No timer fires before its deadline.
extension SIPTransport {
  /// The wake-up is put on the next whole millisecond after the earliest deadline, so timers due
  /// within the same millisecond fire together (at most this much late, never early).
  static let timerCoalescing: Int64 = 1_000_000

  /// Arms the core's timer `id` to fire `after` from now, up to `leeway` late: with a leeway
  /// (the absorbing timers D, I, J, K) the deadline is rounded up to a multiple of it, so one
  /// wake-up expires every transaction of the same slot (``TimerDeadline``).
  func armTimer(_ id: TimerID, after: Duration, leeway: Duration = .zero) {
    let deadline = TimerDeadline.coalesced(
      now: Int64(NIODeadline.now().uptimeNanoseconds), after: after.nanoseconds, leeway: leeway.nanoseconds)
    if timerQueue.arm(id, at: deadline) { scheduleTimerWakeUp() }
  }

  func cancelTimer(_ id: TimerID) {
    timerQueue.cancel(id)
    // The wake-up is left as it is: at worst it finds nothing due and re-arms for the next one.
  }

  /// Points the loop's one wake-up at the earliest deadline (or cancels it when none is left).
  /// It is re-armed only when the earliest deadline moves earlier than the armed wake-up; a later
  /// one waits for it (it fires, finds nothing due, and re-arms for what is next). A NIO scheduled
  /// callback, not a task: no closure, promise or future per wake-up (the handler is one class
  /// reference, stored inline).
  func scheduleTimerWakeUp() {
    guard !isClosed, let next = timerQueue.nextDeadline() else {
      timerWakeUp?.cancel()
      timerWakeUp = nil
      timerWakeUpDeadline = nil
      return
    }
    let wake = TimerDeadline.coalesced(now: next, after: 0, leeway: Self.timerCoalescing)
    if let current = timerWakeUpDeadline, current <= wake, timerWakeUp != nil { return }
    timerWakeUp?.cancel()
    timerWakeUpDeadline = wake
    timerWakeUp = try? eventLoop.scheduleCallback(
      at: NIODeadline.uptimeNanoseconds(UInt64(max(0, wake))), handler: TimerWakeUp(transport: self))
  }

  /// The wake-up: fires every timer due (in deadline order), then waits for the next one.
  func timersDue() {
    timerWakeUp = nil
    timerWakeUpDeadline = nil
    guard !isClosed else { return }
    let now = Int64(NIODeadline.now().uptimeNanoseconds)
    for id in timerQueue.popDue(atOrBefore: now) {
      guard !isClosed else { return }
      perform(core.handle(.timerFired(id)))
    }
    scheduleTimerWakeUp()
  }
}

/// The handler of the transport's timer wake-up (``SIPTransport/scheduleTimerWakeUp()``).
///
/// `@unchecked Sendable`: NIO calls it on the event loop it was scheduled on, the transport's,
/// which is the only place the transport is touched.
struct TimerWakeUp: NIOScheduledCallbackHandler, @unchecked Sendable {
  let transport: SIPTransport

  func handleScheduledCallback(eventLoop: some EventLoop) {
    transport.timersDue()
  }
}

extension Duration {
  /// The span in whole nanoseconds (saturating).
  var nanoseconds: Int64 {
    // One 128-bit division (`components` makes two: ~190 instructions per timer armed, round 7).
    let nanoseconds = attoseconds / 1_000_000_000
    return Int64(exactly: nanoseconds) ?? (nanoseconds < 0 ? .min / 2 : .max / 2)
  }
}
