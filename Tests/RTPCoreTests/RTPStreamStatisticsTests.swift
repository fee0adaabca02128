import Testing

@testable import RTPCore

@Suite struct RTPStreamStatisticsTests {
  /// 20 ms in nanoseconds.
  static let frame: UInt64 = 20_000_000

  func feed(
    _ statistics: inout RTPStreamStatistics, _ sequences: [UInt16], ssrc: UInt32 = 1, jitterEvery: UInt64 = 0
  ) -> [RTPStreamStatistics.Verdict] {
    sequences.map { sequence in
      statistics.record(
        ssrc: ssrc, sequenceNumber: sequence, timestamp: UInt32(sequence) &* 160, payloadLength: 160,
        arrival: UInt64(sequence) * Self.frame)
    }
  }

  @Test func probationThenCounting() {
    var statistics = RTPStreamStatistics()
    let verdicts = feed(&statistics, [10, 11, 12, 13])
    // RFC 3550 §A.1: MIN_SEQUENTIAL = 2; the first packet is the probation packet.
    #expect(verdicts == [.probation, .accepted, .accepted, .accepted])
    #expect(statistics.packetsReceived == 3)
    #expect(statistics.expected == 3)
    #expect(statistics.lost == 0)
    #expect(statistics.bytesReceived == 480)
  }

  @Test func minimumSequentialOneCountsTheFirstPacket() {
    var statistics = RTPStreamStatistics(minimumSequential: 1)
    #expect(feed(&statistics, [10, 11]) == [.accepted, .accepted])
    #expect(statistics.packetsReceived == 2)
  }

  @Test func lossReorderAndDuplicates() {
    var statistics = RTPStreamStatistics(minimumSequential: 1)
    let verdicts = feed(&statistics, [1, 2, 4, 3, 3, 6, 7])
    #expect(verdicts == [.accepted, .accepted, .accepted, .reordered, .duplicate, .accepted, .accepted])
    #expect(statistics.reordered == 1)
    #expect(statistics.duplicates == 1)
    #expect(statistics.expected == 7)
    // Received counts the duplicate (RFC 3550 §6.4.1): 7 received, 1 lost (5) → lost = 0.
    #expect(statistics.packetsReceived == 7)
    #expect(statistics.lost == 0)
  }

  @Test func negativeLossIsClampedForDisplay() {
    var statistics = RTPStreamStatistics(minimumSequential: 1)
    _ = feed(&statistics, [1, 2, 3, 3, 3])
    #expect(statistics.lost == -2)
    #expect(statistics.lostForDisplay == 0)
    let report = statistics.makeReportBlock(now: 0)
    #expect(report?.cumulativeLost == -2)
    #expect(report?.fractionLost == 0)
  }

  @Test func sequenceWrapCountsCycles() {
    var statistics = RTPStreamStatistics(minimumSequential: 1)
    _ = feed(&statistics, [65533, 65534, 65535, 0, 1])
    #expect(statistics.extendedHighestSequence == 65536 + 1)
    #expect(statistics.expected == 5)
    #expect(statistics.lost == 0)
    // Late packet from before the wrap is recognised as reordered/duplicate, not as a jump.
    #expect(feed(&statistics, [65535]) == [.duplicate])
  }

  @Test func largeJumpNeedsTwoPacketsToRestart() {
    var statistics = RTPStreamStatistics(minimumSequential: 1)
    _ = feed(&statistics, [100, 101, 102])
    #expect(feed(&statistics, [20000]) == [.invalidSequence])
    #expect(feed(&statistics, [20001]) == [.accepted])
    #expect(statistics.sequenceRestarts == 1)
    #expect(statistics.packetsReceived == 1)
    #expect(statistics.expected == 1)
  }

  @Test func ssrcChangeRestartsTheSource() {
    var statistics = RTPStreamStatistics()
    _ = feed(&statistics, [1, 2, 3])
    #expect(statistics.packetsReceived == 2)
    let verdicts = feed(&statistics, [500, 501], ssrc: 2)
    #expect(verdicts == [.probation, .accepted])
    #expect(statistics.ssrc == 2)
    #expect(statistics.ssrcChanges == 1)
    #expect(statistics.packetsReceived == 1)
  }

  @Test func jitterOfPerfectStreamIsZeroAndGrowsWithVariation() {
    var steady = RTPStreamStatistics(minimumSequential: 1)
    _ = feed(&steady, Array(0..<100))
    #expect(steady.jitter == 0)

    // Alternate arrivals 0 / +10 ms: |D| = 80 units every packet; J converges to 80.
    var shaky = RTPStreamStatistics(minimumSequential: 1)
    for sequence in 0..<400 {
      let wobble: UInt64 = sequence % 2 == 0 ? 0 : 10_000_000
      shaky.record(
        ssrc: 1, sequenceNumber: UInt16(sequence), timestamp: UInt32(sequence * 160), payloadLength: 160,
        arrival: UInt64(sequence) * Self.frame + wobble)
    }
    #expect((78...80).contains(shaky.jitter))
    #expect(abs(shaky.jitterMilliseconds - 10) < 0.3)
  }

  @Test func jitterAcrossTimestampWrap() {
    var statistics = RTPStreamStatistics(minimumSequential: 1)
    for index in 0..<50 {
      statistics.record(
        ssrc: 1, sequenceNumber: UInt16(index), timestamp: UInt32.max &- 1600 &+ UInt32(index * 160),
        payloadLength: 160, arrival: 5_000_000_000 + UInt64(index) * Self.frame)
    }
    #expect(statistics.jitter == 0)
  }

  @Test func receiverReportFractionAndInterval() {
    var statistics = RTPStreamStatistics(minimumSequential: 1)
    _ = feed(&statistics, [0, 1, 2, 4, 5, 6, 8])  // 2 of 9 lost
    statistics.recordSenderReport(ntpTimestamp: 0x1234_5678_9ABC_DEF0, arrival: 1_000_000_000)
    let first = statistics.makeReportBlock(now: 1_500_000_000)
    #expect(first?.ssrc == 1)
    #expect(first?.cumulativeLost == 2)
    #expect(first?.fractionLost == UInt8(2 * 256 / 9))
    #expect(first?.extendedHighestSequence == 8)
    #expect(first?.lastSenderReport == 0x5678_9ABC)
    #expect(first?.delaySinceLastSenderReport == 32768)  // 0.5 s in 1/65536 s
    // Next interval: no loss.
    _ = feed(&statistics, [9, 10, 11])
    let second = statistics.makeReportBlock(now: 2_000_000_000)
    #expect(second?.fractionLost == 0)
    #expect(second?.cumulativeLost == 2)
  }

  @Test func noReportBeforeValidSource() {
    var statistics = RTPStreamStatistics()
    #expect(statistics.makeReportBlock(now: 0) == nil)
    _ = feed(&statistics, [7])
    #expect(statistics.makeReportBlock(now: 0) == nil)
  }

  @Test func receiverReportPacketFromStatistics() throws {
    var statistics = RTPStreamStatistics(minimumSequential: 1)
    _ = feed(&statistics, [100, 101, 103])
    let made = statistics.makeReportBlock(now: 0)
    let block = try #require(made)
    let compound = RTCPPacket.receiverReportCompound(
      ssrc: 0xCAFE, cname: "sipscript@127.0.0.1", reports: [block])
    let parsed = try RTCPPacket.parseCompound(RTCPPacket.serializeCompound(compound))
    guard case .receiverReport(let report) = parsed.first else {
      Issue.record("RR must come first")
      return
    }
    #expect(report.ssrc == 0xCAFE)
    #expect(report.reports == [block])
    #expect(block.cumulativeLost == 1)
    #expect(block.extendedHighestSequence == 103)
    #expect(block.fractionLost == UInt8(256 / 4))
  }
}
