/// Names one transaction inside a ``TransactionLayer`` (or ``UserAgentCore``) for its lifetime.
public struct TransactionID: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "tx#\(rawValue)" }
  /// The table hash of the number, not SipHash (``TableHash``: ids are ours, never a peer's).
  @inlinable public func _rawHashValue(seed: Int) -> Int { TableHash.mix(rawValue, seed: seed) }
}
