/// Hands out RTP ports from a range, sans-I/O: even ports only, each reserving the odd port above
/// it for RTCP (RFC 3550 §11: RTP on an even port, RTCP on the next odd one), round-robin so a port
/// just released is not reused at once (late packets of the old call would land in the new one).
///
/// The engine binds what ``reserve()`` returns; a port that fails to bind (another process holds
/// it) is released and the engine asks for the next, at most ``capacity`` times. A port whose
/// socket the engine keeps bound after its call (``park(_:)``) is neither reserved nor free until
/// ``unpark(_:)`` or ``release(_:)``.
public struct MediaPortAllocator: Hashable, Sendable {
  /// The first and last even port handed out.
  public let lowestPort: Int
  public let highestPort: Int
  private var cursor: Int
  private var inUse: Set<Int> = []
  private var parked: Set<Int> = []

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

  /// Ports in use (parked ones not counted).
  public var reservedCount: Int { inUse.count }

  /// Ports parked.
  public var parkedCount: Int { parked.count }

  /// The next free even port, nil when all are reserved or parked.
  public mutating func reserve() -> Int? {
    guard inUse.count + parked.count < capacity else { return nil }
    for _ in 0..<capacity {
      let port = cursor
      cursor = cursor + 2 > highestPort ? lowestPort : cursor + 2
      if !parked.contains(port), inUse.insert(port).inserted { return port }
    }
    return nil
  }

  /// Frees a reserved or parked port.
  public mutating func release(_ port: Int) {
    inUse.remove(port)
    parked.remove(port)
  }

  /// A reserved port whose socket stays bound without a user: ``reserve()`` skips it.
  public mutating func park(_ port: Int) {
    guard inUse.remove(port) != nil else { return }
    parked.insert(port)
  }

  /// A parked port reserved again (its socket handed to a new user).
  public mutating func unpark(_ port: Int) {
    guard parked.remove(port) != nil else { return }
    inUse.insert(port)
  }

  public func isParked(_ port: Int) -> Bool { parked.contains(port) }

  public func isReserved(_ port: Int) -> Bool { inUse.contains(port) }
}
