/// The live transactions of a ``TransactionLayer``, by id: each record in a box in a slot of one
/// array (freed slots are reused, most recently freed first), and a dictionary from id to slot.
///
/// A dictionary of whole records moved every ~600-byte record and rehashed every key each time
/// it doubled: a pause of about a second at 98,304 live transactions (0.75 × 2¹⁷) on the
/// benchmark machine. Here the dictionary holds 16-byte entries, so a doubling moves no record.
///
/// Each record lives in a box (a class instance) so that reading one field of it
/// (`records[id]?.peer`) borrows the record where it is: with records stored inline, every
/// read through the subscript copied the whole record (a retain and a release of each of its
/// references), ~15 % of a transaction's instructions (docs/benchmarks-transactions.md).
/// Value semantics like a dictionary's: copies are independent (a shared box is copied before it
/// changes).
///
/// The box class is the user's (``TransactionRecordBox``), declared for its record type: a box
/// class nested in this generic type was generic itself, and freeing one destroyed its record
/// through the generic value witnesses (~5,000 instructions per transaction,
/// docs/benchmarks-transactions.md round 4).
struct TransactionRecords<Box: TransactionRecordBox>: Sendable {
  typealias Record = Box.Value

  private var slots: [Box?] = []
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

  /// The box of `id`'s record, for reading in place: `box(id)?.value?.peer` copies the peer
  /// only. (A read through the subscript is a coroutine whose frame is allocated: eight mallocs
  /// per transaction in the benchmark.)
  func box(_ id: TransactionID) -> Box? {
    guard let slot = slotOfID[id] else { return nil }
    return slots[slot]
  }

  /// The box of `id`'s record, held by this table only (copied first when a copy of the table
  /// shares it), so that changes made through it (`uniqueBox(id)?.value?.machine.handle(e)`)
  /// happen in place and stay in this table. Valid until the table is copied or the record
  /// removed.
  mutating func uniqueBox(_ id: TransactionID) -> Box? {
    guard let slot = slotOfID[id], slots[slot] != nil else { return nil }
    if !isKnownUniquelyReferenced(&slots[slot]!) { slots[slot] = Box(slots[slot]!.value) }
    return slots[slot]
  }

  /// The record of `id`; assigning nil removes it. Reads and mutations through optional chaining
  /// (`records[id]?.peer`, `records[id]?.machine.handle(event)`) happen in place, without
  /// copying the record.
  subscript(id: TransactionID) -> Record? {
    _read {
      if let slot = slotOfID[id], let box = slots[slot] {
        yield box.value
      } else {
        yield nil
      }
    }
    _modify {
      if let slot = slotOfID[id], var box = slots[slot].take() {
        if !isKnownUniquelyReferenced(&box) { box = Box(box.value) }
        defer {
          if box.value == nil {
            slotOfID[id] = nil
            freeSlots.append(slot)
          } else {
            slots[slot] = box
          }
        }
        yield &box.value
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
    guard let slot = slotOfID.removeValue(forKey: id), var box = slots[slot].take() else { return nil }
    freeSlots.append(slot)
    // Moved out of a box nobody else holds (not copied and then destroyed with it).
    return isKnownUniquelyReferenced(&box) ? box.value.take() : box.value
  }

  /// Removes the record of `id` and returns its box, for a caller that reads a few fields of the
  /// record in place before it goes (``removeValue(forKey:)`` moved the whole record out: a
  /// copy of it and the box's release of the original, ~750 instructions each per transaction
  /// at Timer J's expiry, docs/benchmarks-transactions.md txstate).
  mutating func removeBox(forKey id: TransactionID) -> Box? {
    guard let slot = slotOfID.removeValue(forKey: id), let box = slots[slot].take() else { return nil }
    freeSlots.append(slot)
    return box
  }

  /// Stores a record for an id that has none (moved in, not copied). Returns its box, held by
  /// this table only (as ``uniqueBox(_:)`` would return it, without a second lookup).
  @discardableResult
  mutating func insert(_ record: consuming Record, for id: TransactionID) -> Box {
    let box = Box(consume record)
    if let slot = freeSlots.popLast() {
      slots[slot] = box
      slotOfID[id] = slot
    } else {
      slotOfID[id] = slots.count
      slots.append(box)
    }
    return box
  }
}

/// The box of one record of a ``TransactionRecords`` table, a final class declared for the record
/// type. A record is changed only when the table holds the only reference to its box
/// (copy-on-write), so that sharing between copies of the table is safe.
protocol TransactionRecordBox: AnyObject, Sendable {
  associatedtype Value: Sendable
  /// Always `.some` while the box is in a slot: the subscript yields it as it is, which an
  /// unwrapped value would not allow without a copy.
  var value: Value? { get set }
  init(_ value: Value?)
}
