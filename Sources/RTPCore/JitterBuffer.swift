/// A small packet-level jitter buffer: reorders by sequence number, drops duplicates and packets
/// that arrive after their playout slot, holds at most ``capacity`` packets, and handles the
/// 16-bit sequence wrap (numbers are extended to 64 bits internally).
///
/// **Clock.** Times are caller-supplied monotonic nanoseconds. The first packet arriving at `t0`
/// fixes the playout clock: the slot of that packet is due at `t0 + playoutDelay`, each following
/// sequence number one ``frameDuration`` later. ``poll(now:)`` returns what is due, one slot per
/// call (call it until it returns nil).
///
/// **Resynchronization.** A packet more than ``capacity`` × 2 slots late, or more than 3000
/// ahead (RFC 3550 §A.1's MAX_DROPOUT), means the sender restarted or jumped: the buffer empties
/// and restarts its clock on that packet. After ``capacity`` consecutive empty slots with nothing
/// buffered (silence suppression, hold) it stops producing slots until the next packet re-primes
/// it. A packet too far ahead to fit drops the oldest slots so that the depth stays bounded.
///
/// Not thread-safe; one per stream.
public struct JitterBuffer<Element> {
  /// What a due slot held.
  public enum Output {
    case packet(Element, sequenceNumber: UInt16)
    /// Nothing arrived in time for this sequence number: conceal.
    case missing(sequenceNumber: UInt16)
  }

  /// What ``insert(_:sequenceNumber:arrival:)`` did.
  public enum InsertResult: Hashable, Sendable {
    case buffered
    case duplicate
    /// Its slot was already played.
    case late  // also a duplicate of a packet already played
    /// Buffered after dropping this many older slots to stay within capacity.
    case bufferedDroppingOldest(Int)
    /// Buffered as the first packet of a new timeline.
    case resynchronized
  }

  /// Counters since creation.
  public struct Statistics: Hashable, Sendable {
    public var played = 0
    public var missing = 0
    public var late = 0
    public var duplicates = 0
    public var droppedForCapacity = 0
    public var resynchronizations = 0
  }

  public let capacity: Int
  public let playoutDelay: UInt64
  public let frameDuration: UInt64
  public private(set) var statistics = Statistics()

  private var slots: [(sequence: UInt64, element: Element)?]
  /// Extended sequence number of the next slot to play; nil until primed.
  private var nextSlot: UInt64?
  /// When `nextSlot` is due.
  private var nextDue: UInt64 = 0
  private var buffered = 0
  private var emptyRun = 0

  /// - Parameters:
  ///   - capacity: slots held ahead of playout (at least 2).
  ///   - playoutDelay: nanoseconds between the first arrival and its playout (60 ms default).
  ///   - frameDuration: nanoseconds per sequence number (20 ms default).
  public init(capacity: Int = 16, playoutDelay: UInt64 = 60_000_000, frameDuration: UInt64 = 20_000_000) {
    self.capacity = max(capacity, 2)
    self.playoutDelay = playoutDelay
    self.frameDuration = max(frameDuration, 1)
    slots = Array(repeating: nil, count: self.capacity)
  }

  /// Packets held.
  public var count: Int { buffered }

  public mutating func insert(_ element: Element, sequenceNumber: UInt16, arrival: UInt64) -> InsertResult {
    guard let next = nextSlot else {
      prime(element, sequenceNumber: sequenceNumber, arrival: arrival)
      return .buffered
    }
    let distance = RTPSerialArithmetic.distance(from: UInt16(truncatingIfNeeded: next), to: sequenceNumber)
    if distance < 0 {
      if -distance > 2 * capacity {
        resynchronize(element, sequenceNumber: sequenceNumber, arrival: arrival)
        return .resynchronized
      }
      statistics.late += 1
      return .late
    }
    if distance >= RTPStreamStatistics.maximumDropout {
      resynchronize(element, sequenceNumber: sequenceNumber, arrival: arrival)
      return .resynchronized
    }
    let extended = next + UInt64(distance)
    var dropped = 0
    if distance >= capacity {
      // Keep the newest `capacity` slots: the play position jumps forward and the skipped slots'
      // time is not waited for, which also sheds the excess delay.
      let newNext = extended - UInt64(capacity) + 1
      while nextSlot.map({ $0 < newNext }) == true { dropped += dropSlot() }
      statistics.droppedForCapacity += dropped
    }
    let index = Int(extended % UInt64(capacity))
    if let existing = slots[index], existing.sequence == extended {
      statistics.duplicates += 1
      return .duplicate
    }
    slots[index] = (extended, element)
    buffered += 1
    emptyRun = 0
    return dropped > 0 ? .bufferedDroppingOldest(dropped) : .buffered
  }

  /// The next due slot at `now`, or nil when none is due (or the buffer is idle).
  public mutating func poll(now: UInt64) -> Output? {
    guard let next = nextSlot, now >= nextDue else { return nil }
    let index = Int(next % UInt64(capacity))
    let sequence = UInt16(truncatingIfNeeded: next)
    nextSlot = next + 1
    nextDue = Self.saturatingAdd(nextDue, frameDuration)
    if let slot = slots[index], slot.sequence == next {
      slots[index] = nil
      buffered -= 1
      emptyRun = 0
      statistics.played += 1
      return .packet(slot.element, sequenceNumber: sequence)
    }
    statistics.missing += 1
    emptyRun += 1
    if emptyRun >= capacity && buffered == 0 {
      nextSlot = nil  // idle until a packet re-primes the clock
    }
    return .missing(sequenceNumber: sequence)
  }

  /// Forgets everything; the next packet primes a new clock.
  public mutating func reset() {
    for index in slots.indices { slots[index] = nil }
    buffered = 0
    nextSlot = nil
    emptyRun = 0
  }

  private mutating func prime(_ element: Element, sequenceNumber: UInt16, arrival: UInt64) {
    // Start the extended numbers high enough that late packets never go below zero.
    let extended = (1 << 32) + UInt64(sequenceNumber)
    nextSlot = extended
    nextDue = Self.saturatingAdd(arrival, playoutDelay)
    slots[Int(extended % UInt64(capacity))] = (extended, element)
    buffered = 1
    emptyRun = 0
  }

  private mutating func resynchronize(_ element: Element, sequenceNumber: UInt16, arrival: UInt64) {
    reset()
    statistics.resynchronizations += 1
    prime(element, sequenceNumber: sequenceNumber, arrival: arrival)
  }

  /// Times come from the caller: never trap on an absurd one.
  private static func saturatingAdd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let (sum, overflow) = a.addingReportingOverflow(b)
    return overflow ? .max : sum
  }

  /// Drops the next slot without playing it (its packet, if any, is discarded); returns 1 if it
  /// held a packet.
  private mutating func dropSlot() -> Int {
    guard let next = nextSlot else { return 0 }
    let index = Int(next % UInt64(capacity))
    nextSlot = next + 1
    if let slot = slots[index], slot.sequence == next {
      slots[index] = nil
      buffered -= 1
      return 1
    }
    return 0
  }
}

extension JitterBuffer: Sendable where Element: Sendable {}
extension JitterBuffer.Output: Sendable where Element: Sendable {}
extension JitterBuffer.Output: Equatable where Element: Equatable {}
