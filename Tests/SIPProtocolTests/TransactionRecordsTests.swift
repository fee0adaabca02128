import Testing

@testable import SIPProtocol

/// The slot table behind the transaction layer: a dictionary's behaviour (find, replace,
/// remove, in-place change, independent copies) with freed slots reused.
@Suite struct TransactionRecordsTests {
  struct Item: Sendable, Equatable {
    var name: String
    var changes = 0
  }

  final class ItemBox: TransactionRecordBox, @unchecked Sendable {
    var value: Item?
    init(_ value: Item?) { self.value = value }
  }

  func id(_ n: UInt64) -> TransactionID { TransactionID(rawValue: n) }

  @Test func storesFindsAndRemoves() {
    var table = TransactionRecords<ItemBox>()
    table.reserveCapacity(8)
    for n in 1...5 { table[id(UInt64(n))] = Item(name: "t\(n)") }
    #expect(table.count == 5)
    #expect(table[id(3)]?.name == "t3")
    #expect(table[id(9)] == nil)
    #expect(table.removeValue(forKey: id(3))?.name == "t3")
    #expect(table.removeValue(forKey: id(3)) == nil)
    #expect(table[id(3)] == nil)
    table[id(4)] = nil
    #expect(table.count == 3)
    #expect(Set(table.keys) == [id(1), id(2), id(5)])
    table[id(2)] = Item(name: "replaced")
    #expect(table[id(2)]?.name == "replaced")
    #expect(table.count == 3)
  }

  @Test func changesInPlaceAndReusesFreedSlots() {
    var table = TransactionRecords<ItemBox>()
    table[id(1)] = Item(name: "a")
    table[id(1)]?.changes += 1
    table[id(1)]?.changes += 1
    #expect(table[id(1)]?.changes == 2)
    table[id(7)]?.changes += 1  // absent: nothing is added
    #expect(table[id(7)] == nil)
    #expect(table.count == 1)
    // A long run of add-then-remove keeps one slot busy, as a steady transaction rate does.
    for n in UInt64(2)...2_000 {
      table[id(n)] = Item(name: "n")
      table.removeValue(forKey: id(n))
    }
    #expect(table.count == 1)
    #expect(table[id(1)] == Item(name: "a", changes: 2))
  }

  @Test func copiesAreIndependent() {
    var table = TransactionRecords<ItemBox>()
    table[id(1)] = Item(name: "a")
    var copy = table
    copy[id(1)]?.name = "b"
    copy[id(2)] = Item(name: "c")
    #expect(table[id(1)]?.name == "a")
    #expect(table[id(2)] == nil)
    #expect(copy.count == 2)
  }

  @Test func boxesReadInPlaceAndChangeOnlyTheirTable() {
    var table = TransactionRecords<ItemBox>()
    table[id(1)] = Item(name: "a")
    #expect(table.box(id(1))?.value?.name == "a")
    #expect(table.box(id(2)) == nil)
    let copy = table
    // Changed through the box: in place in `table`, not seen by the copy that shared it.
    table.uniqueBox(id(1))?.value?.changes += 1
    #expect(table[id(1)]?.changes == 1)
    #expect(copy[id(1)]?.changes == 0)
    let box = table.uniqueBox(id(1))
    box?.value?.name = "b"
    #expect(table[id(1)]?.name == "b")
    #expect(table.uniqueBox(id(9)) == nil)
    table.removeValue(forKey: id(1))
    #expect(table.box(id(1)) == nil)
    #expect(copy[id(1)]?.name == "a")
  }

  /// A removal moves the record out of a box only the table holds, and copies it out of one
  /// somebody else still holds (which keeps its value).
  @Test func removalMovesOrCopiesByOwnership() {
    var table = TransactionRecords<ItemBox>()
    table[id(1)] = Item(name: "a")
    table[id(2)] = Item(name: "b")
    let held = table.box(id(2))
    weak let alone = table.box(id(1))
    #expect(alone != nil)
    #expect(table.removeValue(forKey: id(1))?.name == "a")
    #expect(alone == nil)
    #expect(table.removeValue(forKey: id(2))?.name == "b")
    #expect(held?.value?.name == "b")
  }

  @Test func armedTimersKnowWhenEmpty() {
    var timers = ArmedTimers()
    #expect(timers.isEmpty)
    let names: [TransactionTimer] = [.A, .B, .D, .E]
    for (n, name) in names.enumerated() { timers[name] = TimerID(rawValue: UInt64(n + 1)) }
    #expect(!timers.isEmpty)
    for name in names.dropLast() { timers[name] = nil }
    #expect(!timers.isEmpty)  // the fourth lives in `more`
    timers[.E] = nil
    #expect(timers.isEmpty)
    #expect(timers.values.isEmpty)
  }
}
