import RTPMedia
import Testing

@Suite struct MediaPortAllocatorTests {
  @Test func handsOutEvenPortsRoundRobinAndReusesReleased() {
    var allocator = MediaPortAllocator(range: 5001...5010)
    #expect(allocator.lowestPort == 5002)
    #expect(allocator.highestPort == 5008)  // 5010 has no odd neighbour in range
    #expect(allocator.capacity == 4)
    #expect(allocator.reserve() == 5002)
    #expect(allocator.reserve() == 5004)
    allocator.release(5002)
    // Round robin: the just-released port comes last.
    #expect(allocator.reserve() == 5006)
    #expect(allocator.reserve() == 5008)
    #expect(allocator.reserve() == 5002)
    #expect(allocator.reserve() == nil)
    #expect(allocator.reservedCount == 4)
  }

  @Test func degenerateRangeHasNoPorts() {
    var allocator = MediaPortAllocator(range: 5000...5000)
    #expect(allocator.capacity == 0)
    #expect(allocator.reserve() == nil)
  }

  @Test func parkedPortsAreNeitherReservedNorHandedOut() {
    var allocator = MediaPortAllocator(range: 5002...5005)
    #expect(allocator.reserve() == 5002)
    allocator.park(5002)
    #expect(allocator.reservedCount == 0)
    #expect(allocator.parkedCount == 1)
    #expect(allocator.isParked(5002))
    #expect(!allocator.isReserved(5002))
    // The only other port, then nothing: the parked one is not free.
    #expect(allocator.reserve() == 5004)
    #expect(allocator.reserve() == nil)
    allocator.unpark(5002)
    #expect(allocator.isReserved(5002))
    #expect(allocator.reservedCount == 2)
    #expect(allocator.parkedCount == 0)
    allocator.park(5004)
    allocator.release(5004)
    #expect(allocator.parkedCount == 0)
    #expect(allocator.reserve() == 5004)
    // Parking a port that is not reserved does nothing.
    allocator.park(5006)
    #expect(allocator.parkedCount == 0)
  }

  @Test func releasesQueueInOrderAndASecondReleaseChangesNothing() {
    var allocator = MediaPortAllocator(range: 6000...6009)  // 6000, 6002, 6004, 6006, 6008
    let all = (0..<5).compactMap { _ in allocator.reserve() }
    #expect(all == [6000, 6002, 6004, 6006, 6008])
    #expect(allocator.reserve() == nil)
    allocator.release(6004)
    allocator.release(6000)
    allocator.release(6004)  // already free: not queued twice
    allocator.release(7000)  // outside the range: ignored
    allocator.release(6001)  // never handed out: ignored
    #expect(allocator.reserve() == 6004)
    #expect(allocator.reserve() == 6000)
    #expect(allocator.reserve() == nil)
    #expect(allocator.reservedCount == 5)
    // A full cycle through the ring keeps the order of release.
    for port in [6008, 6002, 6006] { allocator.release(port) }
    #expect([allocator.reserve(), allocator.reserve(), allocator.reserve()] == [6008, 6002, 6006])
  }

  @Test func aNearlyFullLargeRangeStillFindsItsLastPort() {
    var allocator = MediaPortAllocator(range: 10000...59999)
    #expect(allocator.capacity == 25000)
    for _ in 0..<25000 { _ = allocator.reserve() }
    #expect(allocator.reservedCount == 25000)
    #expect(allocator.reserve() == nil)
    allocator.release(31234)
    #expect(allocator.reserve() == 31234)
    #expect(allocator.reserve() == nil)
  }
}
