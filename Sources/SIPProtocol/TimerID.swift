/// Names one armed timer. The driver arms a real timer for each ``TimerID`` it is given and feeds
/// it back with `timerFired`; ids are never reused, so a timer fired after it was cancelled is
/// recognised as stale and ignored.
public struct TimerID: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "timer#\(rawValue)" }
  /// The table hash of the number, not SipHash (``TableHash``: ids are ours, never a peer's).
  @inlinable public func _rawHashValue(seed: Int) -> Int { TableHash.mix(rawValue, seed: seed) }
}
