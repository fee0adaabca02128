/// A binary min-heap of call timers. A call has at most one live timer; re-arming bumps the call's
/// generation, and entries of an older generation are skipped when they come due (lazy removal,
/// so re-arming costs one push and no search).
struct TimerQueue {
  struct Entry {
    var due: Double
    var call: Int32
    var generation: UInt32
  }

  private var heap: [Entry] = []

  var isEmpty: Bool { heap.isEmpty }
  var nextDue: Double? { heap.first?.due }

  mutating func push(_ entry: Entry) {
    heap.append(entry)
    var child = heap.count - 1
    while child > 0 {
      let parent = (child - 1) / 2
      guard heap[child].due < heap[parent].due else { break }
      heap.swapAt(child, parent)
      child = parent
    }
  }

  /// Removes and returns the earliest entry if it is due at `now`.
  mutating func popDue(now: Double) -> Entry? {
    guard let first = heap.first, first.due <= now else { return nil }
    let last = heap.removeLast()
    guard !heap.isEmpty else { return first }
    heap[0] = last
    var parent = 0
    while true {
      let left = 2 * parent + 1
      guard left < heap.count else { break }
      var smallest = left
      if left + 1 < heap.count, heap[left + 1].due < heap[left].due { smallest = left + 1 }
      guard heap[smallest].due < heap[parent].due else { break }
      heap.swapAt(parent, smallest)
      parent = smallest
    }
    return first
  }
}
