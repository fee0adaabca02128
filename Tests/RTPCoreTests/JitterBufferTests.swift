import Testing

@testable import RTPCore

@Suite struct JitterBufferTests {
  static let ms: UInt64 = 1_000_000

  /// Polls every 20 ms from `start` for `count` ticks, collecting what comes out.
  func drain(_ buffer: inout JitterBuffer<Int>, from start: UInt64, ticks: Int) -> [JitterBuffer<Int>.Output]
  {
    var outputs: [JitterBuffer<Int>.Output] = []
    for tick in 0..<ticks {
      while let output = buffer.poll(now: start + UInt64(tick) * 20 * Self.ms) { outputs.append(output) }
    }
    return outputs
  }

  @Test func reordersAndPlaysOnTheClock() {
    var buffer = JitterBuffer<Int>(capacity: 8, playoutDelay: 40 * Self.ms)
    #expect(buffer.insert(10, sequenceNumber: 10, arrival: 0) == .buffered)
    #expect(buffer.insert(12, sequenceNumber: 12, arrival: 5 * Self.ms) == .buffered)
    #expect(buffer.insert(11, sequenceNumber: 11, arrival: 6 * Self.ms) == .buffered)
    // Not due before 40 ms.
    #expect(buffer.poll(now: 39 * Self.ms) == nil)
    #expect(buffer.poll(now: 40 * Self.ms) == .packet(10, sequenceNumber: 10))
    #expect(buffer.poll(now: 40 * Self.ms) == nil)
    #expect(buffer.poll(now: 60 * Self.ms) == .packet(11, sequenceNumber: 11))
    #expect(buffer.poll(now: 80 * Self.ms) == .packet(12, sequenceNumber: 12))
    #expect(buffer.poll(now: 100 * Self.ms) == .missing(sequenceNumber: 13))
    #expect(buffer.statistics.played == 3)
    #expect(buffer.statistics.missing == 1)
  }

  @Test func dropsDuplicatesAndLatePackets() {
    var buffer = JitterBuffer<Int>(capacity: 8, playoutDelay: 40 * Self.ms)
    _ = buffer.insert(1, sequenceNumber: 1, arrival: 0)
    #expect(buffer.insert(1, sequenceNumber: 1, arrival: 1) == .duplicate)
    #expect(buffer.poll(now: 40 * Self.ms) == .packet(1, sequenceNumber: 1))
    #expect(buffer.poll(now: 60 * Self.ms) == .missing(sequenceNumber: 2))
    // Slot 2 has been played (as missing): too late.
    #expect(buffer.insert(2, sequenceNumber: 2, arrival: 61 * Self.ms) == .late)
    #expect(buffer.insert(1, sequenceNumber: 1, arrival: 61 * Self.ms) == .late)
    #expect(buffer.insert(3, sequenceNumber: 3, arrival: 62 * Self.ms) == .buffered)
    #expect(buffer.poll(now: 80 * Self.ms) == .packet(3, sequenceNumber: 3))
    #expect(buffer.statistics.duplicates == 1)
    #expect(buffer.statistics.late == 2)
  }

  @Test func sequenceWrap() {
    var buffer = JitterBuffer<Int>(capacity: 8, playoutDelay: 0)
    _ = buffer.insert(65534, sequenceNumber: 65534, arrival: 0)
    _ = buffer.insert(1, sequenceNumber: 1, arrival: 1)
    _ = buffer.insert(0, sequenceNumber: 0, arrival: 2)
    _ = buffer.insert(65535, sequenceNumber: 65535, arrival: 3)
    let outputs = drain(&buffer, from: 0, ticks: 4)
    #expect(
      outputs == [
        .packet(65534, sequenceNumber: 65534), .packet(65535, sequenceNumber: 65535),
        .packet(0, sequenceNumber: 0), .packet(1, sequenceNumber: 1),
      ])
  }

  @Test func depthIsBounded() {
    var buffer = JitterBuffer<Int>(capacity: 4, playoutDelay: 100 * Self.ms)
    for sequence in 0..<4 { _ = buffer.insert(sequence, sequenceNumber: UInt16(sequence), arrival: 0) }
    #expect(buffer.count == 4)
    // Slot 5 needs the window to move past 0 and 1.
    #expect(buffer.insert(5, sequenceNumber: 5, arrival: 0) == .bufferedDroppingOldest(2))
    #expect(buffer.count == 3)
    #expect(buffer.statistics.droppedForCapacity == 2)
    let outputs = drain(&buffer, from: 100 * Self.ms, ticks: 4)
    #expect(
      outputs == [
        .packet(2, sequenceNumber: 2), .packet(3, sequenceNumber: 3), .missing(sequenceNumber: 4),
        .packet(5, sequenceNumber: 5),
      ])
  }

  @Test func bigJumpResynchronizes() {
    var buffer = JitterBuffer<Int>(capacity: 8, playoutDelay: 20 * Self.ms)
    _ = buffer.insert(1, sequenceNumber: 100, arrival: 0)
    #expect(buffer.insert(2, sequenceNumber: 30000, arrival: 10 * Self.ms) == .resynchronized)
    #expect(buffer.poll(now: 29 * Self.ms) == nil)
    #expect(buffer.poll(now: 30 * Self.ms) == .packet(2, sequenceNumber: 30000))
    #expect(buffer.statistics.resynchronizations == 1)
  }

  @Test func goesIdleAfterSilenceAndReprimes() {
    var buffer = JitterBuffer<Int>(capacity: 4, playoutDelay: 0)
    _ = buffer.insert(1, sequenceNumber: 1, arrival: 0)
    let outputs = drain(&buffer, from: 0, ticks: 10)
    #expect(outputs.count == 5)  // the packet, then 4 missing slots, then idle
    #expect(buffer.poll(now: 1_000 * Self.ms) == nil)
    // The sender resumes after the silence with the next sequence number (RTP does not skip numbers
    // during silence suppression): it primes a new clock instead of counting as late.
    #expect(buffer.insert(2, sequenceNumber: 2, arrival: 1_000 * Self.ms) == .buffered)
    #expect(buffer.poll(now: 1_000 * Self.ms) == .packet(2, sequenceNumber: 2))
  }

  @Test func absurdTimesDoNotTrap() {
    var buffer = JitterBuffer<Int>(capacity: 4)
    _ = buffer.insert(1, sequenceNumber: 1, arrival: .max - 1)
    #expect(buffer.poll(now: .max) == .packet(1, sequenceNumber: 1))
    #expect(buffer.poll(now: .max) == .missing(sequenceNumber: 2))
  }
}
