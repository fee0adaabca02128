/// Turns 16-bit RTP sequence numbers into 64-bit extended ones that keep counting across wraps
/// (RFC 3550 §A.1: the extended number is `cycles + seq`, cycles counting wraps by 2^16).
///
/// A number more than half the space behind the highest seen is taken as belonging to the
/// previous cycle (a late packet from before the wrap); one ahead advances the highest seen.
/// Extended numbers start at 2^16 so that a late packet from before the first one seen still has
/// a non-negative number.
public struct RTPSequenceExtender: Hashable, Sendable {
  /// The highest extended sequence number seen, nil before the first packet.
  public private(set) var highest: UInt64?

  public init() {}

  /// Extends `sequence` relative to the highest seen so far and records it.
  public mutating func extend(_ sequence: UInt16) -> UInt64 {
    guard let highest else {
      let first = (1 << 16) + UInt64(sequence)
      self.highest = first
      return first
    }
    let delta = RTPSerialArithmetic.distance(from: UInt16(truncatingIfNeeded: highest), to: sequence)
    // highest ≥ 2^16 and |delta| ≤ 2^15, so this never underflows.
    let extended = UInt64(Int64(highest) + Int64(delta))
    if extended > highest { self.highest = extended }
    return extended
  }

  /// Extends without recording (for lookups).
  public func peek(_ sequence: UInt16) -> UInt64? {
    guard let highest else { return nil }
    let delta = RTPSerialArithmetic.distance(from: UInt16(truncatingIfNeeded: highest), to: sequence)
    return UInt64(Int64(highest) + Int64(delta))
  }
}
