import SIPCore
import Testing

@testable import SIPProtocol

/// RFC 3261 §17.2.1's 100 Trying, sent only when the TU has not answered within
/// ``TimerSettings/tryingDelay`` (200 ms by default), on the virtual clock.
@Suite struct TryingDelayTests {
  static func layer(tryingDelay: Duration = .milliseconds(200)) -> VirtualClock<TransactionLayer> {
    VirtualClock(
      TransactionLayer(configuration: .init(timers: TimerSettings(tryingDelay: tryingDelay))))
  }

  /// Receives the trace's INVITE, checks it reached the TU, returns its transaction.
  func receiveInvite(_ clock: inout VirtualClock<TransactionLayer>) throws -> (TransactionID, [SIPMessage]) {
    let actions = clock.handle(.received(try Trace.invite(), from: udpPeer))
    #expect(actions.requestsToTU.count == 1)
    return (try #require(clock.machine.records.keys.first), actions.sentMessages)
  }

  @Test("The default delay is 200 ms (RFC 3261 §17.2.1)")
  func defaultDelay() {
    #expect(TimerSettings().tryingDelay == .milliseconds(200))
    #expect(!TransactionTimer.trying.isAbsorbing)
    #expect(TimerSettings().leeway(for: .trying, duration: .milliseconds(200)) == .zero)
  }

  @Test("A TU that answers within the delay: no 100 Trying ever, the timer cancelled")
  func answeredInTime() throws {
    var clock = Self.layer()
    let (id, sentAtOnce) = try receiveInvite(&clock)
    #expect(sentAtOnce.isEmpty)
    #expect(clock.pendingTimers == 1)
    clock.advance(by: ms(199))
    let ok = try Trace.response("200 OK", to: try Trace.invite())
    #expect(clock.handle(.sendResponse(ok, transaction: id)).sentMessages.map(\.statusCode) == [200])
    clock.advance(by: ms(5_000))
    #expect(clock.sendTimes("SIP/2.0 100").isEmpty)
    #expect(clock.sendTimes("SIP/2.0 200") == [ms(199)])
  }

  @Test("A non-2xx or a provisional response of the TU also stops it")
  func otherResponsesInTime() throws {
    for status in ["180 Ringing", "486 Busy Here"] {
      var clock = Self.layer()
      let (id, _) = try receiveInvite(&clock)
      clock.advance(by: ms(50))
      clock.handle(.sendResponse(try Trace.response(status, to: try Trace.invite()), transaction: id))
      clock.advance(by: ms(1_000))
      #expect(clock.sendTimes("SIP/2.0 100").isEmpty, "\(status)")
      // A retransmission gets the TU's response, not a 100.
      let again = clock.handle(.received(try Trace.invite(), from: udpPeer))
      #expect(again.sentMessages.map(\.statusCode) == [Int(status.prefix(3))!], "\(status)")
    }
  }

  @Test("A TU that does not answer: 100 Trying at 200 ms, once; retransmissions get it again")
  func sentAfterTheDelay() throws {
    var clock = Self.layer()
    let (id, _) = try receiveInvite(&clock)
    clock.advance(by: ms(199))
    #expect(clock.sent.isEmpty)
    clock.advance(by: ms(1))
    #expect(clock.sendTimes("SIP/2.0 100") == [ms(200)])
    clock.advance(by: ms(300))
    let again = clock.handle(.received(try Trace.invite(), from: udpPeer))
    #expect(again.sentMessages.map(\.statusCode) == [100])
    #expect(again.requestsToTU.isEmpty)
    clock.handle(.sendResponse(try Trace.response("200 OK", to: try Trace.invite()), transaction: id))
    clock.advance(by: ms(40_000))
    #expect(clock.sendTimes("SIP/2.0 100") == [ms(200), ms(500)])
    #expect(clock.machine.count == 0)
    #expect(clock.pendingTimers == 0)
  }

  @Test("A retransmitted INVITE before any response gets the 100 Trying at once, and only then")
  func retransmissionBeforeTheDelay() throws {
    var clock = Self.layer(tryingDelay: .seconds(1))
    let (_, _) = try receiveInvite(&clock)
    clock.advance(by: ms(500))
    let again = clock.handle(.received(try Trace.invite(), from: udpPeer))
    #expect(again.sentMessages.map(\.statusCode) == [100])
    #expect(again.requestsToTU.isEmpty)
    clock.advance(by: ms(5_000))
    // The timer was cancelled: no second 100 at 1 s.
    #expect(clock.sendTimes("SIP/2.0 100") == [ms(500)])
  }

  @Test("A delay of zero sends the 100 Trying at once, before the INVITE goes up, and arms nothing")
  func zeroDelay() throws {
    var clock = Self.layer(tryingDelay: .zero)
    let actions = clock.handle(.received(try Trace.invite(), from: udpPeer))
    #expect(actions.sentMessages.map(\.statusCode) == [100])
    guard case .send? = actions.first else {
      Issue.record("the 100 is not first: \(actions)")
      return
    }
    #expect(actions.requestsToTU.count == 1)
    #expect(clock.pendingTimers == 0)
    var tx = ServerInviteTransaction(
      request: try Trace.invite(), reliable: false, timers: TimerSettings(tryingDelay: .zero))
    #expect(tx.handle(.start).count == 2)
    #expect(!tx.tryingPending)
  }

  @Test("A transport error before the delay ends the transaction and its pending 100")
  func transportErrorCancels() throws {
    var clock = Self.layer()
    let (id, _) = try receiveInvite(&clock)
    clock.handle(.transportError(id))
    clock.advance(by: ms(1_000))
    #expect(clock.sent.isEmpty)
    #expect(clock.pendingTimers == 0)
    #expect(clock.machine.count == 0)
  }

  @Test("A stale Trying timer after the TU answered sends nothing")
  func staleTimer() throws {
    var tx = ServerInviteTransaction(request: try Trace.invite(), reliable: false)
    let start = tx.handle(.start)
    guard case .arm(.trying, let after)? = start.first else {
      Issue.record("\(start)")
      return
    }
    #expect(after == .milliseconds(200))
    let answered = tx.handle(.sendResponse(try Trace.response("180 Ringing", to: try Trace.invite())))
    guard case .cancel(.trying)? = answered.first else {
      Issue.record("\(answered)")
      return
    }
    #expect(tx.handle(.timerFired(.trying)).isEmpty)
  }

  @Test("A CANCEL before the delay: 200 to the CANCEL and 487 to the INVITE, never a 100 Trying")
  func cancelBeforeTheDelay() throws {
    let config = UserAgentCore.Configuration(
      via: SIPVia(transport: "UDP", host: "192.0.2.4", port: 5060), seed: 42)
    var clock = VirtualClock(UserAgentCore(configuration: config))
    let first = clock.handle(.received(try Trace.invite(), from: udpPeer))
    #expect(first.requestsToTU.count == 1)
    #expect(first.sentMessages.isEmpty)
    clock.advance(by: ms(50))
    let actions = clock.handle(.received(try Trace.invite().makeCANCEL(), from: udpPeer))
    #expect(actions.sentMessages.map(\.statusCode) == [200, 487])
    clock.advance(by: ms(1_000))
    #expect(clock.sendTimes("SIP/2.0 100").isEmpty)
  }
}
