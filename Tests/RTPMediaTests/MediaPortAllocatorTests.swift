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
}
