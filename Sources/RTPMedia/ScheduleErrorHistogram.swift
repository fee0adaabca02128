/// Lateness of the pacer's wake-ups, in microsecond buckets up to 100 ms (beyond: one overflow
/// bucket), for p50/p99 without keeping samples. Fixed size, so it never grows.
public struct ScheduleErrorHistogram: Hashable, Sendable {
  private static let bucketCount = 100_000
  private var buckets = [UInt32](repeating: 0, count: bucketCount + 1)
  public private(set) var count: UInt64 = 0
  public private(set) var maximumNanoseconds: UInt64 = 0

  public init() {}

  public mutating func record(nanoseconds: UInt64) {
    let index = Int(min(nanoseconds / 1000, UInt64(Self.bucketCount)))
    buckets[index] &+= 1
    count += 1
    maximumNanoseconds = max(maximumNanoseconds, nanoseconds)
  }

  /// The smallest bucket bound (µs) under which `fraction` of the samples lie; nil when empty.
  public func percentileMicroseconds(_ fraction: Double) -> Int? {
    guard count > 0 else { return nil }
    let target = UInt64((Double(count) * min(max(fraction, 0), 1)).rounded(.up))
    var seen: UInt64 = 0
    for (index, bucket) in buckets.enumerated() {
      seen += UInt64(bucket)
      if seen >= max(target, 1) { return index + 1 }
    }
    return Self.bucketCount + 1
  }

  public mutating func reset() { self = ScheduleErrorHistogram() }

  /// Adds the samples of `other` (engines on several loops, one figure).
  public mutating func merge(_ other: ScheduleErrorHistogram) {
    for index in buckets.indices { buckets[index] &+= other.buckets[index] }
    count += other.count
    maximumNanoseconds = max(maximumNanoseconds, other.maximumNanoseconds)
  }
}
