import SIPProtocol

/// The deadlines of the core's armed timers, earliest first: a binary min-heap with lazy
/// cancellation. The transport keeps **one** NIO scheduled task, for the earliest deadline,
/// instead of one per timer: every transaction arms at least one timer (Timer J keeps a UDP
/// non-INVITE server transaction 32 s), and a NIO task per timer costs a closure, a promise and a
/// heap entry in the loop each time (profiled in docs/benchmarks-transactions.md).
///
/// Pure (deadlines are plain nanoseconds), so it is tested without a clock:
///
/// ```swift
/// var queue = SIPTimerQueue()
/// queue.arm(TimerID(rawValue: 1), at: 500)      // true: the new earliest deadline
/// queue.arm(TimerID(rawValue: 2), at: 200)      // true
/// queue.cancel(TimerID(rawValue: 2))
/// queue.nextDeadline                            // 500
/// queue.popDue(atOrBefore: 1_000)               // [TimerID(rawValue: 1)]
/// ```
///
/// Cancelling only forgets the id; its heap entry is dropped when it reaches the top, or by a
/// compaction once dead entries outnumber live ones, so memory stays proportional to the armed
/// timers. Arming ids that only grow with growing deadlines (the usual case: every transaction
/// arms its timer now + a constant) appends at the end of the heap without sifting.
///
/// Not thread-safe: owned by the transport's event loop.
struct SIPTimerQueue {
  struct Entry {
    var deadline: Int64
    var id: TimerID

    /// Earlier deadline first; equal deadlines in arming order (ids grow).
    @inline(__always) static func precedes(_ a: Entry, _ b: Entry) -> Bool {
      a.deadline < b.deadline || (a.deadline == b.deadline && a.id < b.id)
    }
  }

  private(set) var heap: [Entry] = []
  /// The armed ids; an entry of the heap whose id is not here was cancelled.
  private(set) var armed: Set<TimerID> = []

  /// How many timers are armed.
  var count: Int { armed.count }
  var isEmpty: Bool { armed.isEmpty }

  /// Arms `id` for `deadline`. Returns whether it is now the earliest deadline (the driver then
  /// moves its wake-up). Arming an armed id again is ignored (ids are never reused).
  @discardableResult
  mutating func arm(_ id: TimerID, at deadline: Int64) -> Bool {
    guard armed.insert(id).inserted else { return false }
    heap.append(Entry(deadline: deadline, id: id))
    siftUp(heap.count - 1)
    return heap[0].id == id
  }

  /// Forgets `id`. Returns whether it was armed.
  @discardableResult
  mutating func cancel(_ id: TimerID) -> Bool {
    guard armed.remove(id) != nil else { return false }
    if heap.count > 64, heap.count > 2 * armed.count { compact() }
    return true
  }

  /// The earliest deadline of an armed timer (dropping cancelled entries on top).
  mutating func nextDeadline() -> Int64? {
    dropCancelledTop()
    return heap.first?.deadline
  }

  /// Removes and returns the armed timers due at `now` or before, earliest first.
  mutating func popDue(atOrBefore now: Int64) -> [TimerID] {
    var due: [TimerID] = []
    while let top = heap.first, top.deadline <= now {
      removeTop()
      if armed.remove(top.id) != nil { due.append(top.id) }
    }
    return due
  }

  /// Forgets every timer.
  /// Makes room for `capacity` armed timers without growing (a growing set rehashes every id).
  mutating func reserveCapacity(_ capacity: Int) {
    heap.reserveCapacity(capacity)
    armed.reserveCapacity(capacity)
  }

  mutating func removeAll() {
    heap.removeAll()
    armed.removeAll()
  }

  // MARK: - Heap

  mutating func dropCancelledTop() {
    while let top = heap.first, !armed.contains(top.id) { removeTop() }
  }

  mutating func removeTop() {
    let last = heap.removeLast()
    guard !heap.isEmpty else { return }
    heap[0] = last
    siftDown(0)
  }

  mutating func siftUp(_ index: Int) {
    var child = index
    let entry = heap[child]
    while child > 0 {
      let parent = (child - 1) / 2
      guard Entry.precedes(entry, heap[parent]) else { break }
      heap[child] = heap[parent]
      child = parent
    }
    heap[child] = entry
  }

  mutating func siftDown(_ index: Int) {
    var parent = index
    let entry = heap[parent]
    let count = heap.count
    while true {
      var child = 2 * parent + 1
      guard child < count else { break }
      if child + 1 < count, Entry.precedes(heap[child + 1], heap[child]) { child += 1 }
      guard Entry.precedes(heap[child], entry) else { break }
      heap[parent] = heap[child]
      parent = child
    }
    heap[parent] = entry
  }

  /// Drops every cancelled entry and restores the heap order (Floyd's bottom-up build).
  mutating func compact() {
    heap.removeAll { !armed.contains($0.id) }
    var index = heap.count / 2
    while index > 0 {
      index -= 1
      siftDown(index)
    }
  }
}

@available(*, unavailable)
extension SIPTimerQueue: Sendable {}
