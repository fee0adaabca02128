import SIPCore
import Testing

@testable import SIPProtocol

/// RFC 3261 §17.2 and RFC 6026 §7.1, on the virtual clock through the transaction layer.
@Suite struct ServerTransactionTests {
  func times(_ clock: VirtualClock<TransactionLayer>, _ match: (TransactionLayer.Action) -> Bool) -> [Micros]
  {
    clock.log.filter { match($0.action) }.map(\.at)
  }

  /// Receives the INVITE of the trace and returns its server transaction.
  func receiveInvite(_ clock: inout VirtualClock<TransactionLayer>, from peer: SIPEndpoint = udpPeer) throws
    -> TransactionID
  {
    let actions = clock.handle(.received(try Trace.invite(), from: peer))
    guard
      case .request(_, let id, _)? = actions.first(where: { if case .request = $0 { true } else { false } })
    else {
      throw Failure("no request delivered: \(actions)")
    }
    return id
  }

  struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
  }

  @Test(
    "Trying delay 0: a new INVITE gets 100 Trying at once and reaches the TU; its retransmission gets the last provisional"
  )
  func inviteProceeding() throws {
    var clock = VirtualClock(
      TransactionLayer(configuration: .init(timers: TimerSettings(tryingDelay: .zero))))
    let first = clock.handle(.received(try Trace.invite(), from: udpPeer))
    #expect(first.sentMessages.map(\.statusCode) == [100])
    #expect(first.requestsToTU.count == 1)
    let id = try #require(clock.machine.records.keys.first)
    let ringing = try Trace.response("180 Ringing", to: try Trace.invite())
    #expect(clock.handle(.sendResponse(ringing, transaction: id)).sentMessages.map(\.statusCode) == [180])
    let again = clock.handle(.received(try Trace.invite(), from: udpPeer))
    #expect(again.sentMessages.map(\.statusCode) == [180])
    #expect(again.requestsToTU.isEmpty)
  }

  @Test("Timer G retransmits a 486 at 500 ms, 1 s, 2 s, 4 s, 4 s …; Timer H gives up at 32 s")
  func timerGAndH() throws {
    var clock = VirtualClock(TransactionLayer())
    let id = try receiveInvite(&clock)
    clock.handle(.sendResponse(try Trace.response("486 Busy Here", to: try Trace.invite()), transaction: id))
    clock.advance(by: ms(60_000))
    #expect(
      clock.sendTimes("SIP/2.0 486")
        == [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500].map(ms))
    #expect(times(clock) { if case .timeout = $0 { true } else { false } } == [ms(32_000)])
    #expect(clock.machine.count == 0)
  }

  @Test("A retransmitted INVITE in Completed gets the final response again")
  func completedRetransmission() throws {
    var clock = VirtualClock(TransactionLayer())
    let id = try receiveInvite(&clock)
    clock.handle(.sendResponse(try Trace.response("404 Not Found", to: try Trace.invite()), transaction: id))
    let again = clock.handle(.received(try Trace.invite(), from: udpPeer))
    #expect(again.sentMessages.map(\.statusCode) == [404])
  }

  @Test(
    "The ACK of a non-2xx goes to its INVITE transaction: Confirmed, Timer I (T4) absorbs ACKs, then Terminated"
  )
  func timerI() throws {
    var clock = VirtualClock(TransactionLayer())
    let id = try receiveInvite(&clock)
    let busy = try Trace.response("486 Busy Here", to: try Trace.invite())
    clock.handle(.sendResponse(busy, transaction: id))
    clock.advance(by: ms(700))
    let ack = try Trace.ack()
    #expect(clock.handle(.received(ack, from: udpPeer)).requestsToTU.isEmpty)
    #expect(clock.machine.state(of: id) == .confirmed)
    clock.advance(by: ms(4_000))
    #expect(clock.handle(.received(ack, from: udpPeer)).isEmpty)
    clock.advance(by: ms(1_000))
    #expect(clock.machine.count == 0)
    #expect(clock.sendTimes("SIP/2.0 486") == [0, 500].map(ms))  // G stopped by the ACK
    #expect(clock.pendingTimers == 0)
  }

  @Test("Reliable transport: no Timer G, Timer I zero")
  func reliableServerInvite() throws {
    var clock = VirtualClock(TransactionLayer())
    let id = try receiveInvite(&clock, from: tcpPeer)
    clock.handle(.sendResponse(try Trace.response("486 Busy Here", to: try Trace.invite()), transaction: id))
    clock.advance(by: ms(5_000))
    #expect(clock.sendTimes("SIP/2.0 486") == [0])
    let actions = clock.handle(.received(try Trace.ack(), from: tcpPeer))
    #expect(actions.terminated == 1)
    #expect(clock.pendingTimers == 0)
  }

  @Test(
    "RFC 6026 Accepted: after a 2xx, INVITE retransmissions are absorbed and the TU's 2xx pass; Timer L ends it"
  )
  func serverAccepted() throws {
    var clock = VirtualClock(TransactionLayer())
    let id = try receiveInvite(&clock)
    let ok = try Trace.response("200 OK", to: try Trace.invite())
    clock.handle(.sendResponse(ok, transaction: id))
    #expect(clock.machine.state(of: id) == .accepted)
    #expect(clock.handle(.received(try Trace.invite(), from: udpPeer)).isEmpty)
    #expect(clock.handle(.sendResponse(ok, transaction: id)).sentMessages.map(\.statusCode) == [200])
    clock.advance(by: ms(31_999))
    #expect(clock.machine.count == 1)
    clock.advance(by: ms(1))
    #expect(clock.machine.count == 0)
  }

  @Test(
    "RFC 6026 Accepted: an ACK that reuses the INVITE's branch (Net::SIP) goes to the TU as the 2xx's ACK")
  func acceptedPassesMatchingACK() throws {
    var clock = VirtualClock(TransactionLayer())
    let id = try receiveInvite(&clock)
    clock.handle(.sendResponse(try Trace.response("200 OK", to: try Trace.invite()), transaction: id))
    let actions = clock.handle(.received(try Trace.ack(), from: udpPeer))
    let acks = actions.filter { if case .ack = $0 { true } else { false } }
    #expect(acks.count == 1)
    #expect(actions.sentMessages.isEmpty)
    #expect(clock.machine.state(of: id) == .accepted)
  }

  @Test("Server non-INVITE: retransmissions absorbed in Trying, answered in Completed; Timer J at 64*T1")
  func timerJ() throws {
    var clock = VirtualClock(TransactionLayer())
    let register = try Trace.register()
    let first = clock.handle(.received(register, from: udpPeer))
    #expect(first.requestsToTU.count == 1)
    #expect(first.sentMessages.isEmpty)
    #expect(clock.handle(.received(register, from: udpPeer)).isEmpty)
    let id = try #require(clock.machine.records.keys.first)
    clock.handle(.sendResponse(try Trace.response("200 OK", to: register), transaction: id))
    clock.advance(by: ms(10_000))
    #expect(clock.handle(.received(register, from: udpPeer)).sentMessages.map(\.statusCode) == [200])
    clock.advance(by: ms(22_000))
    #expect(clock.machine.count == 0)
    #expect(times(clock) { if case .terminated = $0 { true } else { false } } == [ms(32_000)])
  }

  @Test("Server non-INVITE on a reliable transport: Timer J zero")
  func reliableTimerJ() throws {
    var layer = TransactionLayer()
    let register = try Trace.register()
    _ = layer.handle(.received(register, from: tcpPeer))
    let id = try #require(layer.records.keys.first)
    let actions = layer.handle(.sendResponse(try Trace.response("200 OK", to: register), transaction: id))
    #expect(actions.terminated == 1)
  }

  @Test("Server non-INVITE: a provisional response is resent for retransmissions in Proceeding")
  func nonInviteProceeding() throws {
    var tx = ServerNonInviteTransaction(request: try Trace.register(), reliable: false)
    _ = tx.handle(.start)
    let trying = try Trace.response("100 Trying", to: try Trace.register(), toTag: nil)
    _ = tx.handle(.sendResponse(trying))
    #expect(tx.state == .proceeding)
    guard case .send(let resent)? = tx.handle(.received(try Trace.register())).first else {
      Issue.record("no resend")
      return
    }
    #expect(resent.statusCode == 100)
  }

  @Test("A transport error while sending the final response is reported and ends the transaction (§17.2.4)")
  func serverTransportError() throws {
    var clock = VirtualClock(TransactionLayer())
    let id = try receiveInvite(&clock)
    clock.handle(.sendResponse(try Trace.response("486 Busy Here", to: try Trace.invite()), transaction: id))
    let actions = clock.handle(.transportError(id))
    #expect(actions.contains { if case .transportError(id) = $0 { true } else { false } })
    #expect(clock.machine.count == 0)
    #expect(clock.pendingTimers == 0)
    // The TU answering a transaction that is gone is told so.
    guard
      case .discarded? = clock.handle(
        .sendResponse(try Trace.response("200 OK", to: try Trace.invite()), transaction: id)
      ).first
    else {
      Issue.record("expected discarded")
      return
    }
  }

  @Test(
    "Server non-INVITE over UDP: Completed keeps the request without its parsed headers, still answers retransmissions"
  )
  func nonInviteCompletedDropsParsedHeaders() throws {
    var request = try Trace.options()
    request.cacheTransactionHeaders()
    var tx = ServerNonInviteTransaction(request: request, reliable: false)
    _ = tx.handle(.start)
    #expect(tx.request.hasCachedTransactionHeaders)
    let ok = try Trace.response("200 OK", to: request)
    #expect(tx.handle(.sendResponse(ok)).count == 2)
    #expect(tx.state == .completed)
    #expect(!tx.request.hasCachedTransactionHeaders)
    #expect(tx.request.serialize() == request.serialize())
    #expect(tx.request.from?.tag == "1928301774")
    guard case .send(let resent)? = tx.handle(.received(try Trace.options())).first else {
      Issue.record("no resend")
      return
    }
    #expect(resent.serialize() == ok.serialize())
  }
}
