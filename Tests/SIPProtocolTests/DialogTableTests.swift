import SIPCore
import Testing

@testable import SIPProtocol

/// DialogTable changes its dialogs in place, but stays a value: a copy never sees another's writes.
@Suite struct DialogTableTests {
  func dialog() throws -> Dialog {
    let invite = try Trace.invite()
    return try #require(
      Dialog(uasRequest: invite, response: invite.makeResponse(statusCode: 180, toTag: "t")))
  }

  @Test("update changes the dialog in place and says whether there was one")
  func updateInPlace() throws {
    var table = DialogTable()
    let dialog = try dialog()
    #expect(table.update(dialog.id) { $0.state = .confirmed } == nil)
    #expect(!table.contains(dialog.id) && table.state(of: dialog.id) == nil)
    table[dialog.id] = dialog
    #expect(table.contains(dialog.id) && table.state(of: dialog.id) == .early)
    #expect(table.update(dialog.id) { $0.takeNextLocalSequence() } == 1)
    table.update(dialog.id) { $0.state = .confirmed }
    #expect(table[dialog.id]?.state == .confirmed && table[dialog.id]?.localSequence == 1)
    #expect(table.count == 1 && table.values.map(\.id) == [dialog.id])
    #expect(table.remove(dialog.id) && !table.remove(dialog.id) && table.isEmpty)
    table.insert(dialog, state: .confirmed)
    #expect(table.state(of: dialog.id) == .confirmed && dialog.state == .early && table.count == 1)
  }

  @Test("a copy of a table keeps its dialogs when the other one changes or removes them")
  func copiesAreIndependent() throws {
    var table = DialogTable()
    let dialog = try dialog()
    table[dialog.id] = dialog
    let before = table
    table.update(dialog.id) { $0.state = .confirmed }
    table[dialog.id]?.localContact = try SIPNameAddress.parse("<sip:bob@192.0.2.4>")
    #expect(before.state(of: dialog.id) == .early && before[dialog.id]?.localContact == nil)
    #expect(table.state(of: dialog.id) == .confirmed && table[dialog.id]?.localContact != nil)
    var other = table
    other.removeValue(forKey: dialog.id)
    other[dialog.id] = dialog
    #expect(table.state(of: dialog.id) == .confirmed && other.state(of: dialog.id) == .early)
  }

  @Test("forks of one INVITE (same Call-ID and our tag, other remote tags) are distinct keys")
  func forksAreDistinct() throws {
    let first = DialogID(callID: "c@h", localTag: "ours", remoteTag: "fork1")
    let second = DialogID(callID: "c@h", localTag: "ours", remoteTag: "fork2")
    let swapped = DialogID(callID: "c@h", localTag: "fork1", remoteTag: "ours")
    #expect(first != second && first != swapped)
    #expect(first.hashValue == DialogID(callID: "c@h", localTag: "ours", remoteTag: "fork1").hashValue)
    let set: Set<DialogID> = [first, second, swapped, first]
    #expect(
      set.count == 3 && set.contains(second)
        && !set.contains(DialogID(callID: "c@h", localTag: "ours", remoteTag: "fork3")))
    var table = DialogTable()
    var dialog = try dialog()
    let base = dialog.id
    let forkID = DialogID(callID: base.callID, localTag: base.localTag, remoteTag: base.remoteTag + "-2")
    table.insert(dialog, state: .early)
    #expect(!table.contains(forkID) && table.state(of: forkID) == nil)
    dialog.state = .confirmed
    table[forkID] = dialog
    #expect(table.count == 2 && table.state(of: base) == .early && table.state(of: forkID) == .confirmed)
    #expect(table.remove(base) && table.contains(forkID) && !table.contains(base))
  }
}
