// The call's streams by m= line: a sorted array read and written like a dictionary.

import Testing

@testable import SIPCall

@Suite struct CallStreamSlotsTests {
  struct Slot: IndexedSlot, Equatable {
    var index: Int
    var name: String
  }

  @Test func readsAndWritesLikeADictionary() {
    var slots = IndexedSlots<Slot>()
    #expect(slots.isEmpty && slots.count == 0 && slots[0] == nil)
    slots[2] = Slot(index: 2, name: "video")
    slots[0] = Slot(index: 0, name: "audio")
    slots[5] = Slot(index: 5, name: "text")
    #expect(slots.keys == [0, 2, 5])
    #expect(slots.values.map(\.name) == ["audio", "video", "text"])
    #expect(slots[2]?.name == "video" && slots[1] == nil && slots[6] == nil)
    slots[2] = Slot(index: 2, name: "replaced")
    #expect(slots.count == 3 && slots[2]?.name == "replaced")
    #expect(slots.removeValue(forKey: 0)?.name == "audio")
    #expect(slots.removeValue(forKey: 0) == nil)
    slots[5] = nil
    slots[7] = nil
    #expect(slots.keys == [2])
    slots.removeAll()
    #expect(slots.isEmpty && slots.keys.isEmpty)
  }

  @Test func keepsOrderWhateverTheOrderOfInsertion() {
    var slots = IndexedSlots<Slot>()
    for index in [9, 3, 7, 1, 5, 0, 8, 2, 6, 4] { slots[index] = Slot(index: index, name: "\(index)") }
    #expect(slots.keys == Array(0...9))
    for index in 0...9 { #expect(slots[index]?.name == "\(index)") }
  }
}
