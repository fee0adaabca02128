/// Comparisons of wrapping RTP counters: 16-bit sequence numbers and 32-bit timestamps are
/// compared modulo 2^16 / 2^32, the newer value being the one less than half the space ahead
/// (RFC 3550 §A.1 relies on this; RFC 1982 states it generally).
public enum RTPSerialArithmetic {
  /// `to - from` as the shortest signed distance, in -32768...32767.
  @inline(__always)
  public static func distance(from: UInt16, to: UInt16) -> Int {
    Int(Int16(bitPattern: to &- from))
  }

  /// `to - from` as the shortest signed distance, in -2^31...2^31-1.
  @inline(__always)
  public static func distance(from: UInt32, to: UInt32) -> Int {
    Int(Int32(bitPattern: to &- from))
  }

  /// Whether `a` comes after `b` (strictly) in sequence-number order.
  @inline(__always)
  public static func isNewer(_ a: UInt16, than b: UInt16) -> Bool { distance(from: b, to: a) > 0 }

  /// Whether timestamp `a` comes after `b` (strictly).
  @inline(__always)
  public static func isNewer(_ a: UInt32, than b: UInt32) -> Bool { distance(from: b, to: a) > 0 }
}
