import SIPCore
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// ``BufferedRandomNumberGenerator``: the system's random bytes from a process-wide buffer (one
/// `getrandom` per few KiB); identifiers drawn from it keep their format.
@Suite struct BufferedRandomTests {
  static let alphabet = Set("0123456789abcdefghijklmnopqrstuvwxyz")

  @Test func identifiersKeepTheirFormatAndAlphabet() {
    var rng = BufferedRandomNumberGenerator()
    for _ in 0..<200 {
      let tag = SIPIdentifiers.tag(using: &rng)
      #expect(tag.count == 12)
      #expect(tag.allSatisfy { Self.alphabet.contains($0) })
      let branch = SIPIdentifiers.branch(using: &rng)
      #expect(branch.hasPrefix("z9hG4bK"))
      #expect(branch.count == 27)
      #expect(branch.dropFirst(7).allSatisfy { Self.alphabet.contains($0) })
      let callID = SIPIdentifiers.callID(host: "192.0.2.1", using: &rng)
      #expect(callID.hasSuffix("@192.0.2.1"))
      #expect(callID.count == 24 + 10)
    }
  }

  @Test func twoDrawsDiffer() {
    var rng = BufferedRandomNumberGenerator()
    #expect(rng.next() != rng.next())
    #expect(SIPIdentifiers.tag(using: &rng) != SIPIdentifiers.tag(using: &rng))
    // Ranged draws stay in their range.
    for _ in 0..<1000 {
      let value = BufferedRandomNumberGenerator.random(in: 1...UInt64(Int64.max))
      #expect(value >= 1 && value <= UInt64(Int64.max))
      let small: Int = BufferedRandomNumberGenerator.random(in: 5...9)
      #expect(small >= 5 && small <= 9)
    }
  }

  @Test func theBufferIsRefilledWhenUsedUp() {
    var rng = BufferedRandomNumberGenerator()
    let before = BufferedRandomNumberGenerator.refills
    // Two buffers' worth: at least one refill, whoever else draws meanwhile.
    var seen = Set<UInt64>()
    for _ in 0..<(2 * BufferedRandomNumberGenerator.bufferSize / 8) { seen.insert(rng.next()) }
    #expect(BufferedRandomNumberGenerator.refills > before)
    // 1,024 draws of 64 random bits: a repeat means the buffer handed out bytes twice.
    #expect(seen.count == 2 * BufferedRandomNumberGenerator.bufferSize / 8)
  }

  @Test func bitsAreBalanced() {
    // Each of the 64 bit positions is set in about half of 4,096 draws (a stuck byte, a zeroed
    // buffer or a reused position would show; the bound is over 10 standard deviations).
    var rng = BufferedRandomNumberGenerator()
    var ones = [Int](repeating: 0, count: 64)
    let draws = 4096
    for _ in 0..<draws {
      let value = rng.next()
      for bit in 0..<64 where value & (1 << UInt64(bit)) != 0 { ones[bit] += 1 }
    }
    for count in ones { #expect(abs(count - draws / 2) < 350) }
  }

  @Test func manyThreadsDrawAtOnceWithoutARepeat() async {
    let perTask = 3000
    let values = await withTaskGroup(of: [UInt64].self) { group in
      for _ in 0..<8 {
        group.addTask {
          var rng = BufferedRandomNumberGenerator()
          return (0..<perTask).map { _ in rng.next() }
        }
      }
      var all: [UInt64] = []
      for await part in group { all += part }
      return all
    }
    #expect(values.count == 8 * perTask)
    #expect(Set(values).count == values.count)
  }

  @Test func aForkedChildDoesNotRepeatItsParentsBytes() throws {
    #if os(Linux)
      var rng = BufferedRandomNumberGenerator()
      _ = rng.next()  // the buffer is filled, and more remains in it
      var pipeEnds: [CInt] = [0, 0]
      try #require(pipe(&pipeEnds) == 0)
      defer {
        close(pipeEnds[0])
        close(pipeEnds[1])
      }
      let child = fork()
      try #require(child >= 0)
      if child == 0 {
        // The child: one draw, written to the pipe, and out (no test machinery here).
        var childRNG = BufferedRandomNumberGenerator()
        var value = childRNG.next()
        _ = write(pipeEnds[1], &value, 8)
        _exit(0)
      }
      let parentValue = rng.next()
      var childValue: UInt64 = 0
      let count = read(pipeEnds[0], &childValue, 8)
      var status: CInt = 0
      _ = waitpid(child, &status, 0)
      #expect(count == 8)
      // Without the fork handler both would be the next 8 bytes of the same buffer.
      #expect(childValue != parentValue)
    #endif
  }
}
