// The streams of a call by `m=` line: a short array, not a hash table.

/// Something kept by `m=` line index.
protocol IndexedSlot {
  var index: Int { get }
}

extension CallStreamSlot: IndexedSlot {}

/// A call's streams by `m=` line.
typealias CallStreamSlots = IndexedSlots<CallStreamSlot>

/// Slots keyed by `m=` line, read and written like the dictionary it replaces. Calls have one
/// stream, rarely a few: a sorted array holds one slot in one small allocation, where a
/// dictionary allocated buckets for two (632 bytes per held call).
struct IndexedSlots<Slot: IndexedSlot> {
  /// Sorted by ``IndexedSlot/index``, one slot per index.
  private var slots: [Slot] = []

  var count: Int { slots.count }
  var isEmpty: Bool { slots.isEmpty }
  /// The `m=` line indexes, in order.
  var keys: [Int] { slots.map(\.index) }
  /// The slots, in `m=` line order.
  var values: [Slot] { slots }

  private func position(of index: Int) -> (found: Bool, at: Int) {
    var low = 0
    var high = slots.count
    while low < high {
      let middle = (low + high) / 2
      if slots[middle].index < index { low = middle + 1 } else { high = middle }
    }
    return (low < slots.count && slots[low].index == index, low)
  }

  /// The slot of `m=` line `index`; setting nil removes it. A slot set keeps its own `index`
  /// equal to the key (callers build it so).
  subscript(index: Int) -> Slot? {
    get {
      let place = position(of: index)
      return place.found ? slots[place.at] : nil
    }
    set {
      let place = position(of: index)
      switch (place.found, newValue) {
      case (true, let slot?): slots[place.at] = slot
      case (true, nil): slots.remove(at: place.at)
      case (false, let slot?): slots.insert(slot, at: place.at)
      case (false, nil): break
      }
    }
  }

  @discardableResult
  mutating func removeValue(forKey index: Int) -> Slot? {
    let place = position(of: index)
    guard place.found else { return nil }
    return slots.remove(at: place.at)
  }

  mutating func removeAll() { slots.removeAll() }
}
