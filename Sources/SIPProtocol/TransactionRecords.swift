/// The live transactions of a ``TransactionLayer``, by id: each record in a slot of one array
/// (freed slots are reused, most recently freed first), and a dictionary from id to slot.
///
/// A dictionary of whole records moved every ~600-byte record and rehashed every key each time
/// it doubled: a pause of about a second at 98,304 live transactions (0.75 × 2¹⁷) on the
/// benchmark machine. Here the dictionary holds 16-byte entries and room for the layer's
/// `maxTransactions` is reserved up front (address space only: pages are touched as slots are
/// used, and reuse keeps the used slots packed at the front), so nothing grows while requests
/// wait. Value semantics like a dictionary's: copies are independent.
struct TransactionRecords<Record: Sendable>: Sendable {
  private var slots: [Record?] = []
  private var freeSlots: [Int] = []
  private var slotOfID: [TransactionID: Int] = [:]

  /// How many records are stored.
  var count: Int { slotOfID.count }

  /// The ids of the stored records, in no particular order.
  var keys: Dictionary<TransactionID, Int>.Keys { slotOfID.keys }

  /// Makes room for `capacity` records without growing.
  mutating func reserveCapacity(_ capacity: Int) {
    slots.reserveCapacity(capacity)
    freeSlots.reserveCapacity(capacity)
    slotOfID.reserveCapacity(capacity)
  }

  /// The record of `id`; assigning nil removes it. Reads and mutations through optional chaining
  /// (`records[id]?.peer`, `records[id]?.machine.handle(event)`) happen in place, without
  /// copying the record.
  subscript(id: TransactionID) -> Record? {
    // A read borrows the record in its slot: `records[id]?.peer` copies the peer, not the
    // whole ~600-byte record with a retain of each of its references (8 % of a transaction's
    // instructions with a `get`, docs/benchmarks-transactions.md).
    _read {
      if let slot = slotOfID[id] {
        yield slots[slot]
      } else {
        yield nil
      }
    }
    _modify {
      if let slot = slotOfID[id] {
        yield &slots[slot]
        if slots[slot] == nil {
          slotOfID[id] = nil
          freeSlots.append(slot)
        }
      } else {
        var added: Record? = nil
        yield &added
        if let added { insert(added, for: id) }
      }
    }
  }

  /// Removes and returns the record of `id`.
  @discardableResult
  mutating func removeValue(forKey id: TransactionID) -> Record? {
    guard let slot = slotOfID.removeValue(forKey: id) else { return nil }
    // Moved out of its slot (not copied and then destroyed there).
    let record = slots[slot].take()
    freeSlots.append(slot)
    return record
  }

  /// Stores a record for an id that has none (moved in, not copied).
  mutating func insert(_ record: consuming Record, for id: TransactionID) {
    if let slot = freeSlots.popLast() {
      slots[slot] = consume record
      slotOfID[id] = slot
    } else {
      slotOfID[id] = slots.count
      slots.append(consume record)
    }
  }
}
