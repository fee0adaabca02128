import SIPCore
import Testing

@testable import SIPProtocol

/// The absorbing timers (D, I, J, K) may fire up to one granularity late, never early, so that a
/// driver expires many transactions in one wake-up (`TimerSettings.absorbGranularity`,
/// `TimerDeadline`); the other timers keep their exact RFC 3261 values.
@Suite struct TimerCoalescingTests {
  /// An OPTIONS of its own dialog-less transaction (own branch and Call-ID: not a merged request).
  func makeOptions(_ index: Int) throws -> SIPMessage {
    try sip(
      """
      OPTIONS sip:bob@biloxi.example.com SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKslot\(index)
      Max-Forwards: 70
      To: <sip:bob@biloxi.example.com>
      From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: slot-\(index)@pc33.atlanta.example.com
      CSeq: 1 OPTIONS
      Content-Length: 0

      """)
  }

  @Test("A coalesced deadline is never early and less than one leeway late; slot edges are kept")
  func coalescedDeadline() {
    #expect(TimerDeadline.coalesced(now: 1_234, after: 32_000, leeway: 100) == 33_300)
    #expect(TimerDeadline.coalesced(now: 1_200, after: 32_000, leeway: 100) == 33_200)
    #expect(TimerDeadline.coalesced(now: 1_201, after: 32_000, leeway: 100) == 33_300)
    #expect(TimerDeadline.coalesced(now: 1_234, after: 500, leeway: 0) == 1_734)
    #expect(TimerDeadline.coalesced(now: 1_234, after: 0, leeway: 100) == 1_300)
    #expect(TimerDeadline.coalesced(now: .max - 10, after: 100, leeway: 100) == .max)
    for now in stride(from: Int64(0), to: 1_000, by: 7) {
      for after in [Int64(0), 1, 99, 100, 5_000, 32_000] {
        let deadline = TimerDeadline.coalesced(now: now, after: after, leeway: 100)
        #expect(deadline >= now + after)
        #expect(deadline < now + after + 100)
        #expect(deadline % 100 == 0)
      }
    }
  }

  @Test("Only D, I, J, K with a wait get the granularity as leeway; retransmission and timeout timers none")
  func leewayByTimer() {
    let settings = TimerSettings()
    #expect(settings.absorbGranularity == .milliseconds(100))
    for timer in TransactionTimer.allCases {
      let expected: Duration = [.D, .I, .J, .K].contains(timer) ? .milliseconds(100) : .zero
      #expect(settings.leeway(for: timer, duration: .seconds(5)) == expected, "\(timer)")
      #expect(settings.leeway(for: timer, duration: .zero) == .zero, "\(timer) with no wait")
    }
    #expect(TimerSettings(absorbGranularity: .zero).leeway(for: .J, duration: .seconds(32)) == .zero)
  }

  @Test("The layer arms Timer J with the granularity as leeway, Timers E and F of a client with none")
  func layerActions() throws {
    var layer = TransactionLayer()
    let options = try Trace.options()
    _ = layer.handle(.received(options, from: udpPeer))
    let id = try #require(layer.records.keys.first)
    let answered = layer.handle(.sendResponse(try Trace.response("200 OK", to: options), transaction: id))
    let arms = answered.compactMap { action -> (Duration, Duration)? in
      if case .armTimer(_, let after, let leeway) = action { (after, leeway) } else { nil }
    }
    #expect(arms.count == 1)
    #expect(arms.first?.0 == .seconds(32))
    #expect(arms.first?.1 == .milliseconds(100))

    var client = TransactionLayer()
    let started = client.handle(.sendRequest(try Trace.options(branch: "z9hG4bKout1"), to: udpPeer))
    let leeways = started.compactMap { action -> Duration? in
      if case .armTimer(_, _, let leeway) = action { leeway } else { nil }
    }
    #expect(leeways == [.zero, .zero])
  }

  @Test(
    "Timer J coalesced: transactions answered in one slot expire together, never early, at most one slot late"
  )
  func timerJCoalesced() throws {
    var clock = VirtualClock(TransactionLayer(), coalesces: true)
    // Five OPTIONS answered 0.9 ms apart, starting 37 µs into the clock's first 100 ms slot.
    clock.advance(by: 37)
    var answeredAt: [Micros] = []
    var requests: [SIPMessage] = []
    for index in 0..<5 {
      let options = try makeOptions(index)
      let delivered = clock.handle(.received(options, from: udpPeer))
      guard
        case .request(_, let id, _)? = delivered.first(where: {
          if case .request = $0 { true } else { false }
        })
      else {
        Issue.record("no request delivered")
        return
      }
      clock.handle(.sendResponse(try Trace.response("200 OK", to: options), transaction: id))
      answeredAt.append(clock.now)
      requests.append(options)
      clock.advance(by: 900)
    }
    #expect(clock.machine.count == 5)
    // One deadline for all five: one wake-up.
    #expect(Set(clock.deadlines.values) == [ms(32_100)])

    // A retransmission just before the slot's end is still absorbed: the stored 200 is resent.
    clock.advance(by: ms(32_100) - 1 - clock.now)
    for request in requests {
      #expect(clock.handle(.received(request, from: udpPeer)).sentMessages.map(\.statusCode) == [200])
    }
    #expect(clock.machine.count == 5)

    clock.advance(by: 1)
    #expect(clock.machine.count == 0)
    let ends = clock.log.filter { if case .terminated = $0.action { true } else { false } }.map(\.at)
    #expect(ends.count == 5)
    for (answered, ended) in zip(answeredAt, ends) {
      #expect(ended >= answered + ms(32_000), "never before Timer J's 64*T1")
      #expect(ended < answered + ms(32_000) + ms(100), "less than one granularity late")
    }
  }

  @Test("Timer K coalesced at the client: the response's retransmissions are absorbed until it fires")
  func timerKCoalesced() throws {
    var clock = VirtualClock(TransactionLayer(), coalesces: true)
    let options = try Trace.options(branch: "z9hG4bKclientK")
    clock.handle(.sendRequest(options, to: udpPeer))
    clock.advance(by: ms(120) + 3)
    let ok = try Trace.response("200 OK", to: options)
    let delivered = clock.handle(.received(ok, from: udpPeer))
    #expect(delivered.filter { if case .response = $0 { true } else { false } }.count == 1)
    let completedAt = clock.now
    // Timer K is T4 = 5 s; the slot ends at 5.2 s.
    clock.advance(by: ms(5_200) - 1 - clock.now)
    #expect(clock.machine.count == 1)
    #expect(clock.handle(.received(ok, from: udpPeer)).isEmpty, "a retransmitted 200 is absorbed")
    clock.advance(by: 1)
    #expect(clock.machine.count == 0)
    let end = try #require(clock.log.first { if case .terminated = $0.action { true } else { false } }?.at)
    #expect(end >= completedAt + ms(5_000))
    #expect(end < completedAt + ms(5_100))
  }

  @Test("Timer E keeps its exact 500 ms on a coalescing clock")
  func retransmissionsExact() throws {
    var clock = VirtualClock(TransactionLayer(), coalesces: true)
    clock.advance(by: 37)
    clock.handle(.sendRequest(try Trace.options(branch: "z9hG4bKexactE"), to: udpPeer))
    clock.advance(by: ms(2_000))
    #expect(clock.sendTimes("OPTIONS") == [37, 37 + ms(500), 37 + ms(1_500)])
  }
}
