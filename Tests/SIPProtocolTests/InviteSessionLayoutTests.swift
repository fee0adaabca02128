import SDP
import Testing

@testable import SIPProtocol

/// What every call pays inline for its session (docs/benchmarks-calls.md, "callmem"): the state
/// of a re-INVITE, UPDATE or ACK under way lives out of line, one pointer for all of it.
@Suite struct InviteSessionLayoutTests {
  @Test func exchangeStateIsOutOfLine() {
    // 2,846 B with the exchange state inline (three OfferAnswers), 1,984 B without when it was
    // moved; the figures follow SDP's layout, so the test compares sizes, not bytes: the state is
    // one pointer in the session, and inline it would be more than a third of the session again.
    #expect(MemoryLayout<OutOfLine<InviteSession.Exchange>>.size == MemoryLayout<Int>.size)
    #expect(MemoryLayout<InviteSession.Exchange>.size >= 2 * MemoryLayout<OfferAnswer>.size)
    #expect(MemoryLayout<InviteSession>.size < MemoryLayout<InviteSession.Exchange>.size * 3)
  }

  /// A dialog table bucket holds a pointer, not a ``Dialog``.
  @Test func dialogTableStoresReferences() {
    #expect(MemoryLayout<OutOfLine<Dialog>>.size == MemoryLayout<Int>.size)
    #expect(MemoryLayout<Dialog>.size > 4 * MemoryLayout<Int>.size)
  }
}
