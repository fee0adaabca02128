/// Hands out RTP ports from a range, sans-I/O: even ports only, each reserving the odd port above
/// it for RTCP (RFC 3550 §11: RTP on an even port, RTCP on the next odd one), round-robin so a port
/// just released is not reused at once (late packets of the old call would land in the new one).
///
/// The engine binds what ``reserve()`` returns; a port that fails to bind (another process holds
/// it) is released and the engine asks for the next, at most ``capacity`` times.
public struct MediaPortAllocator: Hashable, Sendable {
  /// The first and last even port handed out.
  public let lowestPort: Int
  public let highestPort: Int
  private var cursor: Int
  private var inUse: Set<Int> = []

  /// Uses the even ports of `range` whose odd neighbour is also inside it. An empty result (a
  /// range like 5000...5000) makes every ``reserve()`` fail.
  public init(range: ClosedRange<Int>) {
    let low = max(range.lowerBound, 2)
    lowestPort = low + (low & 1)
    let high = min(range.upperBound, 65535) - 1
    highestPort = high - (high & 1)
    cursor = lowestPort
  }

  /// Even ports in the range.
  public var capacity: Int { highestPort >= lowestPort ? (highestPort - lowestPort) / 2 + 1 : 0 }

  public var reservedCount: Int { inUse.count }

  /// The next free even port, nil when all are reserved.
  public mutating func reserve() -> Int? {
    guard inUse.count < capacity else { return nil }
    for _ in 0..<capacity {
      let port = cursor
      cursor = cursor + 2 > highestPort ? lowestPort : cursor + 2
      if inUse.insert(port).inserted { return port }
    }
    return nil
  }

  public mutating func release(_ port: Int) {
    inUse.remove(port)
  }

  public func isReserved(_ port: Int) -> Bool { inUse.contains(port) }
}
