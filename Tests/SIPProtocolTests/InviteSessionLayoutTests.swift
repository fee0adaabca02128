import Testing

@testable import SIPProtocol

/// What every call pays inline for its session (docs/benchmarks-calls.md, "callmem"): the state
/// of a re-INVITE, UPDATE or ACK under way lives out of line, one pointer for all of it.
@Suite struct InviteSessionLayoutTests {
  @Test func exchangeStateIsOutOfLine() {
    // 2,846 B with the exchange state inline (three OfferAnswers), 1,984 B without.
    #expect(MemoryLayout<InviteSession>.size <= 2_048)
    #expect(MemoryLayout<InviteSession>.size + 8 < MemoryLayout<InviteSession.Exchange>.size * 4)
  }

  /// A dialog table bucket holds a pointer, not a ``Dialog``.
  @Test func dialogTableStoresReferences() {
    #expect(MemoryLayout<OutOfLine<Dialog>>.size == MemoryLayout<Int>.size)
    #expect(MemoryLayout<Dialog>.size > 4 * MemoryLayout<Int>.size)
  }
}
