/// The timers one transaction has armed, by name, kept inline: a transaction has at most three
/// at once (A and B, E and F, G and H, then one of D, I, J, K, L, M), and a dictionary per
/// transaction cost an allocation and hashing on every request. More than three spill into an
/// array (never, with the machines of RFC 3261).
struct ArmedTimers: Sendable {
  struct Slot: Sendable {
    var name: TransactionTimer
    var id: TimerID
  }

  var first: Slot?
  var second: Slot?
  var third: Slot?
  var more: [Slot] = []

  subscript(name: TransactionTimer) -> TimerID? {
    get {
      if let slot = first, slot.name == name { return slot.id }
      if let slot = second, slot.name == name { return slot.id }
      if let slot = third, slot.name == name { return slot.id }
      return more.first { $0.name == name }?.id
    }
    set {
      _ = removeValue(forKey: name)
      guard let newValue else { return }
      let slot = Slot(name: name, id: newValue)
      if first == nil {
        first = slot
      } else if second == nil {
        second = slot
      } else if third == nil {
        third = slot
      } else {
        more.append(slot)
      }
    }
  }

  @discardableResult
  mutating func removeValue(forKey name: TransactionTimer) -> TimerID? {
    if let slot = first, slot.name == name {
      first = nil
      return slot.id
    }
    if let slot = second, slot.name == name {
      second = nil
      return slot.id
    }
    if let slot = third, slot.name == name {
      third = nil
      return slot.id
    }
    if let index = more.firstIndex(where: { $0.name == name }) { return more.remove(at: index).id }
    return nil
  }

  /// The armed ids, in arming order of their slots.
  /// Whether no timer is armed (a transaction ending by its last timer has none left).
  var isEmpty: Bool { first == nil && second == nil && third == nil && more.isEmpty }

  var values: [TimerID] {
    [first, second, third].compactMap { $0?.id } + more.map(\.id)
  }
}
