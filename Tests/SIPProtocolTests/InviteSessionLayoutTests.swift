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

  /// The session keeps one ``OfferAnswer``: what it stores of its configuration leaves it out, and
  /// ``InviteSession/configuration`` reads back the settings with the session's own.
  @Test func configurationOfferAnswerIsTheSessionsOwn() throws {
    #expect(
      MemoryLayout<InviteSession.Settings>.size + MemoryLayout<OfferAnswer>.size
        <= MemoryLayout<InviteSession.Configuration>.size + MemoryLayout<Int>.size)
    var given = Party.config(port: 40010, sdpOnAck: true, ringTime: .seconds(30), seed: 9)
    given.initialDirection = .sendonly
    var session = InviteSession(role: .uac, configuration: given)
    var configuration = session.configuration
    #expect(configuration.localAddress == given.localAddress && configuration.contact == given.contact)
    #expect(configuration.via == given.via && configuration.streams == given.streams)
    #expect(configuration.sdpOnAck && configuration.ringTime == .seconds(30) && configuration.seed == 9)
    #expect(configuration.initialDirection == .sendonly)
    #expect(configuration.offerAnswer.sessionID == "4711")
    session.replaceLocalStreams([LocalStream(port: 40020)])
    configuration = session.configuration
    #expect(configuration.streams == [LocalStream(port: 40020)])
    #expect(session.currentStreams.map(\.port) == [40020])
  }
}
