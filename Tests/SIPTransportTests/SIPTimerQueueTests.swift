import SIPProtocol
import Testing

@testable import SIPTransport

/// The transport's timer heap, on plain numbers: order, cancellation, coalescing, compaction.
@Suite struct SIPTimerQueueTests {
  func id(_ n: UInt64) -> TimerID { TimerID(rawValue: n) }

  @Test func timersComeOutInDeadlineOrderThenArmingOrder() {
    var queue = SIPTimerQueue()
    do {
      let result = queue.arm(id(1), at: 500)
      #expect(result)
    }
    do {
      let result = queue.arm(id(2), at: 900)
      #expect(!result)
    }
    do {
      let result = queue.arm(id(3), at: 100)
      #expect(result)
    }
    do {
      let result = queue.arm(id(4), at: 500)
      #expect(!result)
    }
    let again = queue.arm(id(3), at: 50)
    #expect(!again)  // an armed id is not armed twice
    #expect(queue.count == 4)
    do {
      let result = queue.nextDeadline()
      #expect(result == 100)
    }
    let none = queue.popDue(atOrBefore: 99)
    #expect(none.isEmpty)
    do {
      let result = queue.popDue(atOrBefore: 500)
      #expect(result == [id(3), id(1), id(4)])
    }
    do {
      let result = queue.nextDeadline()
      #expect(result == 900)
    }
    do {
      let result = queue.popDue(atOrBefore: 10_000)
      #expect(result == [id(2)])
    }
    #expect(queue.isEmpty)
    do {
      let result = queue.nextDeadline()
      #expect(result == nil)
    }
  }

  @Test func cancelledTimersNeverFire() {
    var queue = SIPTimerQueue()
    for n in 1...10 { queue.arm(id(UInt64(n)), at: Int64(n) * 10) }
    do {
      let result = queue.cancel(id(1))
      #expect(result)
    }
    do {
      let result = queue.cancel(id(5))
      #expect(result)
    }
    do {
      let result = queue.cancel(id(5))
      #expect(!result)
    }
    do {
      let result = queue.cancel(id(99))
      #expect(!result)
    }
    let next = queue.nextDeadline()
    #expect(next == 20)  // the cancelled top is dropped
    do {
      let result = queue.popDue(atOrBefore: 60)
      #expect(result == [id(2), id(3), id(4), id(6)])
    }
    #expect(queue.count == 4)
  }

  @Test func compactionKeepsMemoryProportionalToArmedTimers() {
    var queue = SIPTimerQueue()
    // Like client transactions: each arms E and F, and the response cancels both.
    for n in 0..<10_000 {
      queue.arm(id(UInt64(2 * n + 1)), at: Int64(n) + 500)
      queue.arm(id(UInt64(2 * n + 2)), at: Int64(n) + 32_000)
      if n >= 10 {
        queue.cancel(id(UInt64(2 * (n - 10) + 1)))
        queue.cancel(id(UInt64(2 * (n - 10) + 2)))
      }
    }
    #expect(queue.count == 20)
    #expect(queue.heap.count <= 2 * queue.count + 64)
    // The ten live pairs still fire, in order.
    let due = queue.popDue(atOrBefore: .max)
    #expect(due.count == 20)
    #expect(due.first == id(2 * 9_990 + 1))
    #expect(
      due
        == due.sorted { a, b in
          let da = a.rawValue % 2 == 1 ? (a.rawValue - 1) / 2 + 500 : (a.rawValue - 2) / 2 + 32_000
          let db = b.rawValue % 2 == 1 ? (b.rawValue - 1) / 2 + 500 : (b.rawValue - 2) / 2 + 32_000
          return da < db
        })
  }

  @Test func randomScheduleMatchesASortedReference() {
    var queue = SIPTimerQueue()
    var reference: [(deadline: Int64, id: TimerID)] = []
    var state: UInt64 = 0x1234_5678
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
    var now: Int64 = 0
    var rng = SeededGenerator(seed: 42)
    for n in 1...2_000 {
      let deadline = now + Int64(next() % 1_000)
      queue.arm(id(UInt64(n)), at: deadline)
      reference.append((deadline, id(UInt64(n))))
      if next() % 3 == 0, let victim = reference.randomElement(using: &rng) {
        queue.cancel(victim.id)
        reference.removeAll { $0.id == victim.id }
      }
      if n % 50 == 0 {
        now += 200
        let expected = reference.filter { $0.deadline <= now }.sorted {
          ($0.deadline, $0.id.rawValue) < ($1.deadline, $1.id.rawValue)
        }.map(\.id)
        reference.removeAll { $0.deadline <= now }
        do {
          let result = queue.popDue(atOrBefore: now)
          #expect(result == expected)
        }
      }
    }
    #expect(queue.count == reference.count)
  }

  /// `Duration.nanoseconds` from one 128-bit division (round 7) against the components it was
  /// computed from before.
  @Test func durationInNanosecondsAsFromComponents() {
    let durations: [Duration] = [
      .zero, .nanoseconds(1), .nanoseconds(999), .microseconds(1), .milliseconds(500), .seconds(32),
      .seconds(64 * 60), .milliseconds(100) * 3, .nanoseconds(-1), .milliseconds(-1500), .seconds(1) / 3,
      .seconds(Int64(1) << 32), .seconds(Int64.max / 1_000_000_000), .seconds(Int64.max), .seconds(Int64.min),
    ]
    for duration in durations {
      let (seconds, attoseconds) = duration.components
      let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
      let sum = scaled.addingReportingOverflow(attoseconds / 1_000_000_000)
      let expected: Int64 = overflow || sum.overflow ? (seconds < 0 ? .min / 2 : .max / 2) : sum.partialValue
      #expect(duration.nanoseconds == expected, "\(duration)")
    }
  }
}
