import SIPCore
import Testing

@testable import SIPProtocol

/// RFC 3261 §17.1 and RFC 6026 §7.2, on the virtual clock through the transaction layer.
@Suite struct ClientTransactionTests {
  func timeoutTimes(_ clock: VirtualClock<TransactionLayer>) -> [Micros] {
    clock.log.filter { if case .timeout = $0.action { return true } else { return false } }.map(\.at)
  }

  @Test("Timer A retransmits INVITE at 500 ms, 1.5 s, 3.5 s … doubling; Timer B times out at 32 s")
  func timerAAndB() throws {
    var clock = VirtualClock(TransactionLayer())
    clock.handle(.sendRequest(try Trace.invite(), to: udpPeer))
    clock.advance(by: ms(60_000))
    #expect(clock.sendTimes("INVITE") == [0, 500, 1500, 3500, 7500, 15500, 31500].map(ms))
    #expect(timeoutTimes(clock) == [ms(32_000)])
    #expect(clock.machine.count == 0)
    #expect(clock.pendingTimers == 0)
  }

  @Test("Reliable transport: no Timer A, Timer B still times out at 64*T1")
  func reliableInvite() throws {
    var clock = VirtualClock(TransactionLayer())
    clock.handle(.sendRequest(try Trace.invite(), to: tcpPeer))
    clock.advance(by: ms(60_000))
    #expect(clock.sendTimes("INVITE") == [0])
    #expect(timeoutTimes(clock) == [ms(32_000)])
  }

  @Test("Configured T1 = 100 ms scales Timer A and B")
  func configuredT1() throws {
    let config = TransactionLayer.Configuration(timers: TimerSettings(t1: .milliseconds(100)))
    var clock = VirtualClock(TransactionLayer(configuration: config))
    clock.handle(.sendRequest(try Trace.invite(), to: udpPeer))
    clock.advance(by: ms(10_000))
    #expect(clock.sendTimes("INVITE") == [0, 100, 300, 700, 1500, 3100, 6300].map(ms))
    #expect(timeoutTimes(clock) == [ms(6400)])
  }

  @Test(
    "A 1xx stops Timer A and B; a 486 is ACKed; its retransmissions get the same ACK; Timer D ends it at 32 s"
  )
  func inviteNon2xx() throws {
    var clock = VirtualClock(TransactionLayer())
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    clock.advance(by: ms(200))
    let ringing = try Trace.response("180 Ringing", to: invite)
    #expect(clock.handle(.received(ringing, from: udpPeer)).responsesToTU.count == 1)
    clock.advance(by: ms(40_000))
    #expect(clock.sendTimes("INVITE") == [0])  // no retransmission in Proceeding, no Timer B
    #expect(timeoutTimes(clock).isEmpty)

    let busy = try Trace.response("486 Busy Here", to: invite)
    let first = clock.handle(.received(busy, from: udpPeer))
    #expect(first.responsesToTU.map(\.statusCode) == [486])
    let ack = try #require(first.sentMessages.first)
    #expect(ack.startLineText == "ACK sip:bob@biloxi.example.com SIP/2.0")
    #expect(ack.to?.tag == "a6c85cf")
    #expect(ack.topVia?.branch == "z9hG4bK776asdhds")  // §17.1.1.3: same branch as the INVITE
    #expect(ack.header("CSeq") == "314159 ACK")

    clock.advance(by: ms(10_000))
    let again = clock.handle(.received(busy, from: udpPeer))
    #expect(again.responsesToTU.isEmpty)
    #expect(again.sentMessages.map { $0.serialize() } == [ack.serialize()])
    let start = clock.now
    clock.advance(by: ms(30_000))
    #expect(clock.machine.count == 0)
    let end = clock.log.last { if case .terminated = $0.action { return true } else { return false } }
    #expect(end?.at == start - ms(10_000) + ms(32_000))
  }

  @Test("Reliable transport: Timer D is zero, the transaction ends with the ACK")
  func reliableTimerD() throws {
    var layer = TransactionLayer()
    let invite = try Trace.invite()
    _ = layer.handle(.sendRequest(invite, to: tcpPeer))
    let actions = layer.handle(.received(try Trace.response("603 Decline", to: invite), from: tcpPeer))
    #expect(actions.sentMessages.count == 1)
    #expect(actions.terminated == 1)
    #expect(layer.count == 0)
  }

  @Test("RFC 6026 Accepted: every 2xx retransmission reaches the TU until Timer M at 64*T1")
  func acceptedState() throws {
    var clock = VirtualClock(TransactionLayer())
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    let ok = try Trace.response("200 OK", to: invite)
    #expect(clock.handle(.received(ok, from: udpPeer)).responsesToTU.count == 1)
    #expect(clock.machine.state(of: TransactionID(rawValue: 1)) == .accepted)
    clock.advance(by: ms(500))
    let retransmitted = clock.handle(.received(ok, from: udpPeer))
    #expect(retransmitted.responsesToTU.count == 1)
    #expect(retransmitted.sentMessages.isEmpty)  // the TU ACKs a 2xx, not the transaction
    // 2xx from another fork too (RFC 6026 §7.2).
    let fork = try Trace.response("200 OK", to: invite, toTag: "other-fork")
    #expect(clock.handle(.received(fork, from: udpPeer)).responsesToTU.count == 1)
    clock.advance(by: ms(32_000))
    #expect(clock.machine.count == 0)
    // After Timer M the 2xx is a stray response (the UA core re-ACKs it).
    let stray = clock.handle(.received(ok, from: udpPeer))
    guard case .strayResponse? = stray.first else {
      Issue.record("expected a stray response, got \(stray)")
      return
    }
  }

  @Test("A transport error in Calling reports it and ends the transaction")
  func inviteTransportError() throws {
    var clock = VirtualClock(TransactionLayer())
    clock.handle(.sendRequest(try Trace.invite(), to: udpPeer))
    let actions = clock.handle(.transportError(TransactionID(rawValue: 1)))
    #expect(actions.contains { if case .transportError = $0 { return true } else { return false } })
    #expect(clock.machine.count == 0)
    #expect(clock.pendingTimers == 0)
  }

  @Test("Timer E retransmits at 500 ms, 1 s, 2 s, 4 s, 4 s … and Timer F times out (408) at 32 s")
  func timerEAndF() throws {
    var clock = VirtualClock(TransactionLayer())
    clock.handle(.sendRequest(try Trace.register(), to: udpPeer))
    clock.advance(by: ms(60_000))
    #expect(
      clock.sendTimes("REGISTER")
        == [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500].map(ms))
    #expect(timeoutTimes(clock) == [ms(32_000)])
    #expect(clock.pendingTimers == 0)
  }

  @Test("Non-INVITE in Proceeding retransmits every T2")
  func timerEProceeding() throws {
    var clock = VirtualClock(TransactionLayer())
    let register = try Trace.register()
    clock.handle(.sendRequest(register, to: udpPeer))
    clock.advance(by: ms(700))
    clock.handle(.received(try Trace.response("100 Trying", to: register, toTag: nil), from: udpPeer))
    clock.advance(by: ms(10_000))
    #expect(clock.sendTimes("REGISTER") == [0, 500, 1500, 5500, 9500].map(ms))
  }

  @Test("A final response stops E and F; Timer K (T4 = 5 s) absorbs retransmissions")
  func timerK() throws {
    var clock = VirtualClock(TransactionLayer())
    let register = try Trace.register()
    clock.handle(.sendRequest(register, to: udpPeer))
    clock.advance(by: ms(600))
    let ok = try Trace.response("200 OK", to: register)
    #expect(clock.handle(.received(ok, from: udpPeer)).responsesToTU.count == 1)
    clock.advance(by: ms(4_000))
    #expect(clock.handle(.received(ok, from: udpPeer)).isEmpty)  // absorbed
    #expect(clock.machine.count == 1)
    clock.advance(by: ms(1_000))
    #expect(clock.machine.count == 0)
    #expect(clock.sendTimes("REGISTER") == [0, 500].map(ms))
  }

  @Test("Reliable transport: no Timer E, Timer K zero")
  func reliableNonInvite() throws {
    var clock = VirtualClock(TransactionLayer())
    let register = try Trace.register()
    clock.handle(.sendRequest(register, to: tcpPeer))
    clock.advance(by: ms(2_000))
    #expect(clock.sendTimes("REGISTER") == [0])
    let actions = clock.handle(.received(try Trace.response("200 OK", to: register), from: tcpPeer))
    #expect(actions.terminated == 1)
    #expect(clock.pendingTimers == 0)
  }

  @Test("Machines directly: the client INVITE machine's actions, without the layer")
  func machineDirect() throws {
    var tx = ClientInviteTransaction(request: try Trace.invite(), reliable: false)
    let start = tx.handle(.start)
    guard start.count == 3, case .send = start[0], case .arm(.A, let a) = start[1],
      case .arm(.B, let b) = start[2]
    else {
      Issue.record("unexpected \(start)")
      return
    }
    #expect(a == .milliseconds(500))
    #expect(b == .seconds(32))
    guard case .arm(.A, let next)? = tx.handle(.timerFired(.A)).last else {
      Issue.record("Timer A not re-armed")
      return
    }
    #expect(next == .seconds(1))
    // Timer M is not a Calling-state timer: ignored.
    #expect(tx.handle(.timerFired(.M)).isEmpty)
  }

  @Test("A transport error in a non-INVITE client transaction is reported (§17.1.4)")
  func nonInviteTransportError() throws {
    var clock = VirtualClock(TransactionLayer())
    clock.handle(.sendRequest(try Trace.register(), to: udpPeer))
    clock.advance(by: ms(600))
    let actions = clock.handle(.transportError(TransactionID(rawValue: 1)))
    #expect(actions.contains { if case .transportError = $0 { true } else { false } })
    #expect(clock.pendingTimers == 0)
    clock.advance(by: ms(60_000))
    #expect(clock.sendTimes("REGISTER") == [0, 500].map(ms))
  }
}
