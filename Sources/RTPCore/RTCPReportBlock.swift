/// A reception report block (RFC 3550 §6.4.1), 24 octets on the wire.
public struct RTCPReportBlock: Hashable, Sendable {
  /// The source this block reports on.
  public var ssrc: UInt32
  /// Fraction of packets lost since the previous report, as a fixed-point number with the binary
  /// point at the left edge (lost / expected × 256).
  public var fractionLost: UInt8
  /// Cumulative packets lost, a signed 24-bit value (−8388608...8388607); it may be negative
  /// because duplicates count as received (RFC 3550 §6.4.1).
  public var cumulativeLost: Int32
  /// Cycles in the high 16 bits, highest sequence number received in the low 16 bits.
  public var extendedHighestSequence: UInt32
  /// Interarrival jitter in timestamp units (RFC 3550 §6.4.1, §A.8).
  public var jitter: UInt32
  /// Middle 32 bits of the NTP timestamp of the last SR from this source, 0 if none.
  public var lastSenderReport: UInt32
  /// Delay since that SR was received, in units of 1/65536 s, 0 if none.
  public var delaySinceLastSenderReport: UInt32

  public init(
    ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, extendedHighestSequence: UInt32,
    jitter: UInt32, lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32
  ) {
    self.ssrc = ssrc
    self.fractionLost = fractionLost
    // The field has 24 bits: clamp rather than wrap (RFC 3550 §6.4.1).
    self.cumulativeLost = min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)
    self.extendedHighestSequence = extendedHighestSequence
    self.jitter = jitter
    self.lastSenderReport = lastSenderReport
    self.delaySinceLastSenderReport = delaySinceLastSenderReport
  }
}
