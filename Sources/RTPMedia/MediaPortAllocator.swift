/// Hands out RTP ports from a range, sans-I/O: even ports only, each reserving the odd port above
/// it for RTCP (RFC 3550 §11: RTP on an even port, RTCP on the next odd one), round-robin so a port
/// just released is not reused at once (late packets of the old call would land in the new one).
/// The free ports wait in a first-in first-out ring, so ``reserve()`` costs the same however full
/// the range is (a scan for the next free port grew with the occupancy and, under overload, made
/// every new call dearer exactly when calls were piling up).
///
/// The engine binds what ``reserve()`` returns; a port that fails to bind (another process holds
/// it) is released and the engine asks for the next, at most ``capacity`` times. A port whose
/// socket the engine keeps bound after its call (``park(_:)``) is neither reserved nor free until
/// ``unpark(_:)`` or ``release(_:)``.
public struct MediaPortAllocator: Hashable, Sendable {
  /// The first and last even port handed out.
  public let lowestPort: Int
  public let highestPort: Int
  private var inUse: Set<Int> = []
  private var parked: Set<Int> = []
  /// The free ports, oldest first: `free[(head + i) % free.count]` for i in 0..<freeCount.
  private var free: [Int]
  private var head = 0
  private var freeCount: Int

  /// Uses the even ports of `range` whose odd neighbour is also inside it. An empty result (a
  /// range like 5000...5000) makes every ``reserve()`` fail.
  public init(range: ClosedRange<Int>) {
    let low = max(range.lowerBound, 2)
    lowestPort = low + (low & 1)
    let high = min(range.upperBound, 65535) - 1
    highestPort = high - (high & 1)
    free = highestPort >= lowestPort ? Array(stride(from: lowestPort, through: highestPort, by: 2)) : []
    freeCount = free.count
  }

  /// Even ports in the range.
  public var capacity: Int { highestPort >= lowestPort ? (highestPort - lowestPort) / 2 + 1 : 0 }

  /// Ports in use (parked ones not counted).
  public var reservedCount: Int { inUse.count }

  /// Ports parked.
  public var parkedCount: Int { parked.count }

  /// The next free even port, nil when all are reserved or parked.
  public mutating func reserve() -> Int? {
    guard freeCount > 0 else { return nil }
    let port = free[head]
    head = head + 1 == free.count ? 0 : head + 1
    freeCount -= 1
    inUse.insert(port)
    return port
  }

  /// Frees a reserved or parked port: it is handed out again after every port free before it.
  /// A port neither reserved nor parked (released twice, or outside the range) changes nothing.
  public mutating func release(_ port: Int) {
    guard inUse.remove(port) != nil || parked.remove(port) != nil else { return }
    var tail = head + freeCount
    if tail >= free.count { tail -= free.count }
    free[tail] = port
    freeCount += 1
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
