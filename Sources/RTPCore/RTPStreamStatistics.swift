/// Reception statistics of one RTP stream: the per-source state of RFC 3550 §A.1 (sequence
/// validation with probation, wrap cycles, bad-sequence restart), the loss figures of §A.3, the
/// interarrival jitter of §A.8, and the LSR/DLSR bookkeeping of §6.4.1, plus counters the RFC does
/// not keep (duplicates, reordered packets, SSRC changes).
///
/// **Time.** Arrival times are caller-supplied monotonic nanoseconds (`UInt64`, any origin, e.g.
/// `DispatchTime.now().uptimeNanoseconds` or `ContinuousClock` converted). They are converted to
/// timestamp units with ``clockRate`` for the jitter.
///
/// **SSRC changes.** The statistics follow one source at a time. A packet from a different SSRC
/// restarts the source: all per-source figures reset, ``ssrcChanges`` goes up, and the new source
/// goes through probation like the first one (§A.1 — a source is valid after
/// ``minimumSequential`` packets in sequence; packets during probation are not counted).
///
/// Not thread-safe; one instance per stream, driven by its owner.
public struct RTPStreamStatistics: Hashable, Sendable {
  /// What ``record(_:payloadLength:arrival:)`` made of a packet.
  public enum Verdict: Hashable, Sendable {
    /// Counted: in order, or with an acceptable gap.
    case accepted
    /// Counted, but older than the highest sequence number seen and not seen before.
    case reordered
    /// Counted as received (the RFC counts duplicates, which can make loss negative) and
    /// reported separately.
    case duplicate
    /// The source is still on probation (§A.1); not counted.
    case probation
    /// A jump too large to accept (§A.1 `bad_seq`); a second packet following it restarts the
    /// sequence.
    case invalidSequence
  }

  /// §A.1 constants.
  public static let maximumDropout = 3000
  public static let maximumMisorder = 100

  public let clockRate: UInt32
  public let minimumSequential: Int

  /// The source followed, nil before the first packet.
  public private(set) var ssrc: UInt32?
  public private(set) var ssrcChanges = 0
  /// Valid packets received, duplicates included (RFC 3550 §A.3).
  public private(set) var packetsReceived: UInt64 = 0
  /// Payload octets of those packets.
  public private(set) var bytesReceived: UInt64 = 0
  public private(set) var duplicates: UInt64 = 0
  public private(set) var reordered: UInt64 = 0
  /// Times a sequence jump restarted the sequence (§A.1: the sender probably restarted).
  public private(set) var sequenceRestarts = 0

  private var maxSequence: UInt16 = 0
  private var cycles: UInt64 = 0
  private var baseSequence: UInt16 = 0
  private var badSequence: UInt32 = 0x1_0001  // RTP_SEQ_MOD + 1: matches no sequence number
  private var probation = 0
  private var expectedPrior: Int64 = 0
  private var receivedPrior: UInt64 = 0
  private var lastTransit: Int32?
  /// Jitter × 16, the fixed-point form of §A.8.
  private var jitterQ4: UInt32 = 0
  /// Bit i set: extended sequence `max - i` was received (i < 128), to tell duplicates.
  private var seenLow: UInt64 = 0
  private var seenHigh: UInt64 = 0
  private var lastSenderReport: UInt32 = 0
  private var lastSenderReportArrival: UInt64?

  public init(clockRate: UInt32 = 8000, minimumSequential: Int = 2) {
    self.clockRate = max(clockRate, 1)
    self.minimumSequential = max(minimumSequential, 1)
  }

  // MARK: Figures

  /// Cycles in the high bits, highest sequence number in the low 16 (§A.3 `extended_max`).
  public var extendedHighestSequence: UInt64 { cycles + UInt64(maxSequence) }

  /// Packets expected: `extended_max - base_seq + 1` (§A.3); 0 before the source is valid.
  public var expected: Int64 {
    guard packetsReceived > 0 else { return 0 }
    return Int64(extendedHighestSequence) - Int64(baseSequence) + 1
  }

  /// Cumulative loss, `expected - received`; negative when duplicates outnumber losses (§6.4.1).
  public var lost: Int64 { expected - Int64(packetsReceived) }

  /// Loss for display: negative values shown as 0 (§6.4.1 explains they only mean duplicates).
  public var lostForDisplay: UInt64 { UInt64(max(lost, 0)) }

  /// Interarrival jitter in timestamp units (§6.4.1, §A.8).
  public var jitter: UInt32 { jitterQ4 >> 4 }

  /// Interarrival jitter in milliseconds.
  public var jitterMilliseconds: Double { Double(jitterQ4) / 16 * 1000 / Double(clockRate) }

  // MARK: Input

  /// Records one received packet. `payloadLength` is counted in ``bytesReceived``.
  @discardableResult
  public mutating func record(_ header: RTPHeader, payloadLength: Int, arrival: UInt64) -> Verdict {
    record(
      ssrc: header.ssrc, sequenceNumber: header.sequenceNumber, timestamp: header.timestamp,
      payloadLength: payloadLength, arrival: arrival)
  }

  /// Records one received packet from its raw fields.
  @discardableResult
  public mutating func record(
    ssrc packetSSRC: UInt32, sequenceNumber: UInt16, timestamp: UInt32, payloadLength: Int, arrival: UInt64
  ) -> Verdict {
    if ssrc != packetSSRC {
      if ssrc != nil { ssrcChanges += 1 }
      restart(ssrc: packetSSRC, sequence: sequenceNumber)
    }
    let verdict = updateSequence(sequenceNumber)
    switch verdict {
    case .probation, .invalidSequence:
      return verdict
    case .duplicate:
      packetsReceived += 1
      bytesReceived += UInt64(max(payloadLength, 0))
      duplicates += 1
      return verdict
    case .accepted, .reordered:
      packetsReceived += 1
      bytesReceived += UInt64(max(payloadLength, 0))
      if verdict == .reordered { reordered += 1 }
      updateJitter(timestamp: timestamp, arrival: arrival)
      return verdict
    }
  }

  /// Records an SR from this source, for the LSR and DLSR fields of our next report (§6.4.1).
  public mutating func recordSenderReport(ntpTimestamp: UInt64, arrival: UInt64) {
    lastSenderReport = UInt32(truncatingIfNeeded: ntpTimestamp >> 16)
    lastSenderReportArrival = arrival
  }

  /// Builds the report block for an RR or SR sent at `now` (same clock as arrivals) and starts a
  /// new reporting interval (§A.3). Nil before the source is valid.
  public mutating func makeReportBlock(now: UInt64) -> RTCPReportBlock? {
    guard let ssrc, packetsReceived > 0 else { return nil }
    let expected = self.expected
    let expectedInterval = expected - expectedPrior
    expectedPrior = expected
    let receivedInterval = Int64(packetsReceived - receivedPrior)
    receivedPrior = packetsReceived
    let lostInterval = expectedInterval - receivedInterval
    // §A.3: a negative interval loss (duplicates) reports as zero.
    let fraction: UInt8 =
      expectedInterval <= 0 || lostInterval <= 0
      ? 0 : UInt8(min((lostInterval << 8) / expectedInterval, 255))
    var delay: UInt32 = 0
    if let arrival = lastSenderReportArrival, now >= arrival {
      // DLSR is in units of 1/65536 s.
      let units =
        (now - arrival) / 1_000_000_000 * 65536 + (now - arrival) % 1_000_000_000 * 65536 / 1_000_000_000
      delay = UInt32(min(units, UInt64(UInt32.max)))
    }
    let lostClamped = Int32(min(max(lost, -0x80_0000), 0x7F_FFFF))
    return RTCPReportBlock(
      ssrc: ssrc, fractionLost: fraction, cumulativeLost: lostClamped,
      extendedHighestSequence: UInt32(truncatingIfNeeded: extendedHighestSequence), jitter: jitter,
      lastSenderReport: lastSenderReportArrival == nil ? 0 : lastSenderReport,
      delaySinceLastSenderReport: delay)
  }

  // MARK: RFC 3550 §A.1

  private mutating func restart(ssrc newSSRC: UInt32, sequence: UInt16) {
    self = RTPStreamStatistics(clockRate: clockRate, minimumSequential: minimumSequential)
      .with(ssrc: newSSRC, ssrcChanges: ssrcChanges)
    initSequence(sequence)
    maxSequence = sequence &- 1
    probation = minimumSequential
  }

  private func with(ssrc: UInt32, ssrcChanges: Int) -> Self {
    var copy = self
    copy.ssrc = ssrc
    copy.ssrcChanges = ssrcChanges
    return copy
  }

  private mutating func initSequence(_ sequence: UInt16) {
    baseSequence = sequence
    maxSequence = sequence
    badSequence = 0x1_0001
    cycles = 0
    packetsReceived = 0
    bytesReceived = 0
    expectedPrior = 0
    receivedPrior = 0
    seenLow = 1
    seenHigh = 0
    lastTransit = nil
  }

  private mutating func updateSequence(_ sequence: UInt16) -> Verdict {
    let delta = Int(sequence &- maxSequence)
    if probation > 0 {
      // §A.1: the source becomes valid after minimumSequential packets in sequence.
      if sequence == maxSequence &+ 1 {
        probation -= 1
        maxSequence = sequence
        if probation == 0 {
          initSequence(sequence)
          return .accepted
        }
      } else {
        probation = minimumSequential - 1
        maxSequence = sequence
      }
      return .probation
    }
    if delta == 0 {
      return .duplicate
    }
    if delta < Self.maximumDropout {
      // In order, with a permissible gap.
      if sequence < maxSequence { cycles += 1 << 16 }
      maxSequence = sequence
      markAdvance(by: delta)
      return .accepted
    }
    if delta <= (1 << 16) - Self.maximumMisorder {
      // A very large jump. Two sequential packets make it the new sequence (the sender restarted).
      if UInt32(sequence) == badSequence {
        initSequence(sequence)
        sequenceRestarts += 1
        return .accepted
      }
      badSequence = UInt32(sequence &+ 1)
      return .invalidSequence
    }
    // Behind the highest, within the misorder window: duplicate or reordered.
    let behind = (1 << 16) - delta
    if isMarked(behind) { return .duplicate }
    mark(behind)
    return .reordered
  }

  private mutating func markAdvance(by distance: Int) {
    if distance >= 128 {
      seenLow = 0
      seenHigh = 0
    } else if distance >= 64 {
      seenHigh = seenLow << (distance - 64)
      seenLow = 0
    } else {
      seenHigh = seenHigh << distance | (distance == 0 ? 0 : seenLow >> (64 - distance))
      seenLow <<= distance
    }
    seenLow |= 1
  }

  private func isMarked(_ behind: Int) -> Bool {
    guard behind < 128 else { return false }
    return behind < 64 ? seenLow >> behind & 1 == 1 : seenHigh >> (behind - 64) & 1 == 1
  }

  private mutating func mark(_ behind: Int) {
    guard behind < 128 else { return }
    if behind < 64 { seenLow |= 1 << behind } else { seenHigh |= 1 << (behind - 64) }
  }

  // MARK: RFC 3550 §A.8

  private mutating func updateJitter(timestamp: UInt32, arrival: UInt64) {
    // Arrival in timestamp units; only differences matter, so truncating to 32 bits is fine.
    let product = arrival.multipliedFullWidth(by: UInt64(clockRate))
    let units = UInt64(1_000_000_000).dividingFullWidth(product).quotient
    let transit = Int32(bitPattern: UInt32(truncatingIfNeeded: units) &- timestamp)
    defer { lastTransit = transit }
    guard let lastTransit else { return }
    let difference = transit &- lastTransit
    let magnitude = UInt32(difference.magnitude)
    // J += (|D| − J) / 16, kept × 16 with rounding as in §A.8.
    jitterQ4 = jitterQ4 &+ magnitude &- ((jitterQ4 &+ 8) >> 4)
  }
}
