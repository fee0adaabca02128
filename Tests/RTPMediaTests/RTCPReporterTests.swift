import RTPCore
import RTPMedia
import Testing

/// RTCP on a virtual clock: the schedule, SR versus RR, and what two reporters learn from each
/// other (loss, jitter, round trip).
@Suite struct RTCPReporterTests {
  static let second: UInt64 = 1_000_000_000
  /// An NTP timestamp `nanoseconds` after an arbitrary wall-clock origin.
  static func ntp(_ nanoseconds: UInt64) -> UInt64 {
    let origin: UInt64 = 3_900_000_000 << 32
    return origin + (nanoseconds / second << 32) + ((nanoseconds % second) << 32) / second
  }

  static func packet(sequence: UInt16, timestamp: UInt32, ssrc: UInt32) -> RTPHeader {
    RTPHeader(payloadType: 0, sequenceNumber: sequence, timestamp: timestamp, ssrc: ssrc)
  }

  @Test func reportsFollowTheRandomizedFiveSecondSchedule() {
    var reporter = RTCPReporter(ssrc: 0x1234_5678, now: 0)
    // §6.2: the first report after half of a 0.5–1.5 × 5 s interval.
    #expect(reporter.nextReport >= 1_250_000_000 && reporter.nextReport <= 3_750_000_000)
    var reception = RTPStreamStatistics()
    var times: [UInt64] = []
    var now: UInt64 = 0
    // 60 virtual seconds in 20 ms ticks, as the engine asks.
    while now <= 60 * Self.second {
      if reporter.isDue(now: now) {
        _ = reporter.makeReport(
          now: now, ntp: Self.ntp(now), ssrc: 1, rtpTimestamp: 0, packetsSent: 0, bytesSent: 0,
          reception: &reception)
        times.append(now)
      }
      now += 20_000_000
    }
    let gaps = zip(times.dropFirst(), times).map { $0 - $1 }
    #expect(gaps.allSatisfy { $0 >= 2_500_000_000 && $0 <= 7_520_000_000 })
    #expect(times.count >= 8 && times.count <= 24)
    // Not all equal: the interval is randomized.
    #expect(Set(gaps).count > 1)
    #expect(reporter.reportsSent == UInt64(times.count))
  }

  @Test func senderReportOnlyAfterSendingAndAlwaysACNAME() throws {
    var reporter = RTCPReporter(ssrc: 7, now: 0)
    var reception = RTPStreamStatistics()
    let quiet = reporter.makeReport(
      now: 0, ntp: Self.ntp(0), ssrc: 7, rtpTimestamp: 0, packetsSent: 0, bytesSent: 0, reception: &reception)
    let first = try RTCPPacket.parseCompound(quiet)
    guard case .receiverReport(let rr) = first.first else {
      Issue.record("expected an RR first, got \(first)")
      return
    }
    #expect(rr.ssrc == 7 && rr.reports.isEmpty)
    guard case .sourceDescription(let chunks) = first.last else {
      Issue.record("expected SDES last")
      return
    }
    #expect(chunks.first?.cname == reporter.cname)

    let sending = reporter.makeReport(
      now: 5 * Self.second, ntp: Self.ntp(5 * Self.second), ssrc: 7, rtpTimestamp: 4000, packetsSent: 250,
      bytesSent: 40000, reception: &reception)
    guard case .senderReport(let sr) = try RTCPPacket.parseCompound(sending).first else {
      Issue.record("expected an SR after sending")
      return
    }
    #expect(sr.packetCount == 250 && sr.octetCount == 40000 && sr.rtpTimestamp == 4000)
    #expect(sr.ntpTimestamp == Self.ntp(5 * Self.second))
    // Nothing sent since: an RR again.
    let again = reporter.makeReport(
      now: 10 * Self.second, ntp: Self.ntp(10 * Self.second), ssrc: 7, rtpTimestamp: 4000, packetsSent: 250,
      bytesSent: 40000, reception: &reception)
    guard case .receiverReport = try RTCPPacket.parseCompound(again).first else {
      Issue.record("expected an RR when nothing was sent")
      return
    }
  }

  /// A sends 100 packets with 3 lost to B; B's report tells A the loss; A's SR echoed in B's
  /// report gives the round trip (10 ms each way on the virtual clock).
  @Test func peersLearnLossAndRoundTrip() throws {
    let ssrcA: UInt32 = 0xAAAA
    let ssrcB: UInt32 = 0xBBBB
    var reporterA = RTCPReporter(ssrc: ssrcA, now: 0)
    var reporterB = RTCPReporter(ssrc: ssrcB, now: 0)
    var receptionA = RTPStreamStatistics()
    var receptionB = RTPStreamStatistics()
    for index in 0..<100 where ![10, 11, 50].contains(index) {
      let header = Self.packet(sequence: UInt16(index), timestamp: UInt32(index * 160), ssrc: ssrcA)
      _ = receptionB.record(header, payloadLength: 160, arrival: UInt64(index) * 20_000_000)
    }
    let t0 = 2 * Self.second
    let sr = reporterA.makeReport(
      now: t0, ntp: Self.ntp(t0), ssrc: ssrcA, rtpTimestamp: 16000, packetsSent: 100, bytesSent: 16000,
      reception: &receptionA)
    sr.withUnsafeBytes {
      reporterB.receive(
        $0, now: t0 + 10_000_000, ntp: Self.ntp(t0 + 10_000_000), ssrc: ssrcB, reception: &receptionB)
    }
    #expect(reporterB.peerPacketsSent == 100)
    #expect(reporterB.peerCNAME == reporterA.cname)
    // B reports 500 ms after the SR arrived.
    let t1 = t0 + 510_000_000
    let rr = reporterB.makeReport(
      now: t1, ntp: Self.ntp(t1), ssrc: ssrcB, rtpTimestamp: 0, packetsSent: 0, bytesSent: 0,
      reception: &receptionB)
    rr.withUnsafeBytes {
      reporterA.receive(
        $0, now: t1 + 10_000_000, ntp: Self.ntp(t1 + 10_000_000), ssrc: ssrcA, reception: &receptionA)
    }
    let block = try #require(reporterA.peerReport)
    #expect(block.cumulativeLost == 3)
    #expect(block.fractionLost == UInt8(3 * 256 / 100))
    let roundTrip = try #require(reporterA.roundTripNanoseconds)
    // 1/65536 s units: within 0.1 ms of 20 ms.
    #expect(roundTrip > 19_900_000 && roundTrip < 20_100_000)
    #expect(reporterA.reportsReceived == 1)
  }

  @Test func badDatagramsAreCountedNotFatal() {
    var reporter = RTCPReporter(ssrc: 1, now: 0)
    var reception = RTPStreamStatistics()
    for bytes: [UInt8] in [[], [0x80], [0x80, 200, 0, 99, 1, 2, 3, 4], Array(repeating: 0xFF, count: 64)] {
      bytes.withUnsafeBytes { reporter.receive($0, now: 0, ntp: 0, ssrc: 1, reception: &reception) }
    }
    #expect(reporter.malformed == 4)
    #expect(reporter.reportsReceived == 0)
    #expect(reporter.peerReport == nil)
  }

  @Test func goodbyeIsAnRRThenABye() throws {
    let reporter = RTCPReporter(ssrc: 9, now: 0)
    let packets = try RTCPPacket.parseCompound(reporter.makeGoodbye(ssrc: 9))
    #expect(packets.count == 2)
    guard case .goodbye(let bye) = packets.last else {
      Issue.record("expected BYE last")
      return
    }
    #expect(bye.ssrcs == [9])
    var other = RTCPReporter(ssrc: 10, now: 0)
    var reception = RTPStreamStatistics()
    reporter.makeGoodbye(ssrc: 9).withUnsafeBytes {
      other.receive($0, now: 0, ntp: 0, ssrc: 10, reception: &reception)
    }
    #expect(other.goodbyeReceived)
  }
}

/// RFC 3550 §6.3.7: a participant that never sent an RTP or RTCP packet must not send a BYE.
@Suite struct RTCPGoodbyeTests {
  @Test func onlyAStreamThatSentSaysGoodbye() {
    let quiet = MediaStreamState(parameters: MediaStreamParameters(ssrc: 5), source: .none, now: 0)
    #expect(quiet.rtcpGoodbye() == nil)

    var sending = MediaStreamState(parameters: MediaStreamParameters(ssrc: 6), source: .silence, now: 0)
    #expect(sending.run(ticks: 1).count == 1)
    #expect(sending.rtcpGoodbye() != nil)

    // RTCP off: never a BYE.
    var silent = MediaStreamState(
      parameters: MediaStreamParameters(ssrc: 7, rtcpInterval: nil), source: .silence, now: 0)
    #expect(silent.run(ticks: 1).count == 1)
    #expect(silent.rtcpGoodbye() == nil)

    // A report without RTP counts as having sent.
    var reporting = MediaStreamState(
      parameters: MediaStreamParameters(ssrc: 8, rtcpInterval: 100_000_000), source: .none, now: 0)
    #expect(reporting.rtcpReportIfDue(now: 10_000_000_000, ntp: { 0 }) != nil)
    #expect(reporting.rtcpGoodbye() != nil)
  }

  @Test func cnameIsTheSSRCInHexAtSipscript() {
    // Written when asked (not kept): the same text for every read, and reporters compare as
    // before (equal SSRCs, equal names).
    #expect(RTCPReporter(ssrc: 7, now: 0).cname == "7@sipscript")
    #expect(RTCPReporter(ssrc: 0xDEAD_BEEF, now: 0).cname == "deadbeef@sipscript")
    #expect(RTCPReporter(ssrc: 0, now: 0).cname == "0@sipscript")
    #expect(RTCPReporter(ssrc: 9, now: 5) == RTCPReporter(ssrc: 9, now: 5))
    #expect(RTCPReporter(ssrc: 9, now: 5) != RTCPReporter(ssrc: 10, now: 5))
  }
}
