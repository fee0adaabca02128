// The line splitter (memchr for each LF, msgcost) against the byte-by-byte split it replaced.

import Testing

@testable import SDP

@Suite struct SplitLinesTests {
  /// The split as it was: LFs counted, then `firstIndex(of:)` on each rest.
  static func referenceSplit(_ bytes: [UInt8]) -> [(number: Int, content: [UInt8], terminator: String)] {
    var result: [(number: Int, content: [UInt8], terminator: String)] = []
    var start = bytes.startIndex
    var number = 1
    while start < bytes.endIndex {
      guard let lf = bytes[start...].firstIndex(of: 0x0A) else {
        result.append((number, Array(bytes[start...]), ""))
        break
      }
      var end = lf
      var terminator = "\n"
      if end > start && bytes[end - 1] == 0x0D {
        end -= 1
        terminator = "\r\n"
      }
      result.append((number, Array(bytes[start..<end]), terminator))
      start = lf + 1
      number += 1
    }
    return result
  }

  static func expectSameSplit(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) {
    let split = SDPParser(bytes: bytes).splitLines()
    let reference = referenceSplit(bytes)
    #expect(split.count == reference.count, "\(bytes)", sourceLocation: sourceLocation)
    for (line, expected) in zip(split, reference) {
      #expect(line.number == expected.number, sourceLocation: sourceLocation)
      #expect(Array(line.content) == expected.content, "\(bytes)", sourceLocation: sourceLocation)
      #expect(line.terminator == expected.terminator, "\(bytes)", sourceLocation: sourceLocation)
    }
  }

  @Test func fixturesSplitAsBefore() throws {
    var texts = SectionSummaryTests.samples.map { Array($0.utf8) }
    for name in Fixture.all { texts.append(try Fixture.bytes(name)) }
    for bytes in texts { Self.expectSameSplit(bytes) }
  }

  /// Every string of up to 6 bytes over CR, LF, a letter and '=': empty lines, lone CRs, a
  /// missing final LF, CR LF pairs split either way.
  @Test func lineEndCornersSplitAsBefore() {
    let alphabet: [UInt8] = [0x0D, 0x0A, UInt8(ascii: "v"), UInt8(ascii: "=")]
    var frontier: [[UInt8]] = [[]]
    Self.expectSameSplit([])
    for _ in 0..<6 {
      frontier = frontier.flatMap { prefix in alphabet.map { prefix + [$0] } }
      for bytes in frontier { Self.expectSameSplit(bytes) }
    }
  }
}
