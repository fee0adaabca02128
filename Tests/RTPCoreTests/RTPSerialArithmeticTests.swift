import Testing

@testable import RTPCore

@Suite struct RTPSerialArithmeticTests {
  @Test func sequenceWrap() {
    #expect(RTPSerialArithmetic.distance(from: UInt16(65535), to: UInt16(0)) == 1)
    #expect(RTPSerialArithmetic.distance(from: UInt16(0), to: UInt16(65535)) == -1)
    #expect(RTPSerialArithmetic.isNewer(UInt16(2), than: UInt16(65530)))
    #expect(!RTPSerialArithmetic.isNewer(UInt16(65530), than: UInt16(2)))
    #expect(!RTPSerialArithmetic.isNewer(UInt16(7), than: UInt16(7)))
    #expect(RTPSerialArithmetic.distance(from: UInt16(0), to: UInt16(32767)) == 32767)
    #expect(RTPSerialArithmetic.distance(from: UInt16(0), to: UInt16(32768)) == -32768)
  }

  @Test func timestampWrap() {
    #expect(RTPSerialArithmetic.distance(from: UInt32.max - 79, to: UInt32(80)) == 160)
    #expect(RTPSerialArithmetic.isNewer(UInt32(80), than: UInt32.max - 79))
    #expect(RTPSerialArithmetic.distance(from: UInt32(80), to: UInt32.max - 79) == -160)
  }

  @Test func extenderCountsCyclesAcrossWrap() {
    var extender = RTPSequenceExtender()
    let first = extender.extend(65534)
    #expect(extender.extend(65535) == first + 1)
    #expect(extender.extend(0) == first + 2)
    #expect(extender.extend(1) == first + 3)
    // A late packet from before the wrap keeps its old cycle.
    #expect(extender.extend(65533) == first - 1)
    #expect(extender.highest == first + 3)
    #expect(extender.peek(2) == first + 4)
  }

  @Test func extenderManyWraps() {
    var extender = RTPSequenceExtender()
    var sequence: UInt16 = 100
    let start = extender.extend(sequence)
    for step in 1...300_000 {
      sequence &+= 1
      #expect(extender.extend(sequence) == start + UInt64(step))
    }
  }
}
