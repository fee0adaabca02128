import Testing

@testable import RTPCore

/// The reference here is written from the text of G.711 Tables 1 and 2: a list of segments, each
/// with its first decision value and its step, searched linearly. The implementation instead
/// uses bit widths and lookup tables; the tests compare the two over every input.
@Suite struct G711LawTests {
  // MARK: Reference from the standard's tables

  /// A-law segments on the 4096 scale (Table 1): segments 0 and 1 step 2, then doubling.
  static let aLawSegments: [(start: Int, step: Int)] = [
    (0, 2), (32, 2), (64, 4), (128, 8), (256, 16), (512, 32), (1024, 64), (2048, 128),
  ]
  /// µ-law segments on the 8159 scale (Table 2): decision values 0, 1, 3, …, 31, 35, …, 8159.
  /// Segment 0's first interval is the single value 0; the others are `step` wide.
  static let muLawSegments: [(start: Int, step: Int)] = [
    (-1, 2), (31, 4), (95, 8), (223, 16), (479, 32), (991, 64), (2015, 128), (4063, 256),
  ]

  /// 16-bit input → 13-bit (x >> 3) → magnitude, negative values by one's complement (G.191).
  static func referenceALaw(_ x: Int16) -> UInt8 {
    let value = Int(x) / 8 - (Int(x) < 0 && Int(x) % 8 != 0 ? 1 : 0)  // floor division, no shifts
    let positive = value >= 0
    let magnitude = positive ? value : -value - 1
    var segment = 0
    for (index, candidate) in aLawSegments.enumerated() where magnitude >= candidate.start { segment = index }
    let interval = min((magnitude - aLawSegments[segment].start) / aLawSegments[segment].step, 15)
    let character = (positive ? 0x80 : 0) + segment * 16 + interval
    return UInt8(character ^ 0x55)  // even bits inverted on the line
  }

  /// 16-bit input → 14-bit (x >> 2) → magnitude, negative values by one's complement (G.191).
  static func referenceMuLaw(_ x: Int16) -> UInt8 {
    let value = Int(x) / 4 - (Int(x) < 0 && Int(x) % 4 != 0 ? 1 : 0)
    let positive = value >= 0
    let magnitude = positive ? value : -value - 1
    var segment = 0
    var interval = 0
    if magnitude == 0 {
      interval = 0
    } else {
      for (index, candidate) in muLawSegments.enumerated() where magnitude >= candidate.start {
        segment = index
      }
      let (start, step) = muLawSegments[segment]
      interval = min((magnitude - start) / step, 15)
    }
    let character = segment * 16 + interval
    return UInt8((positive ? 0x80 : 0) + (0x7F - character))  // magnitude bits inverted on the line
  }

  static func referenceDecodeALaw(_ code: UInt8) -> Int16 {
    let character = Int(code ^ 0x55)
    let (start, step) = aLawSegments[(character >> 4) & 7]
    let value = (start + step * (character & 15) + step / 2) * 8
    return Int16(character & 0x80 != 0 ? value : -value)
  }

  static func referenceDecodeMuLaw(_ code: UInt8) -> Int16 {
    let character = 0x7F - Int(code & 0x7F)
    let segment = character >> 4
    let interval = character & 15
    let value: Int
    if segment == 0 {
      value = 2 * interval  // 0 for the single-value interval, then midpoints 2, 4, …, 30
    } else {
      let (start, step) = muLawSegments[segment]
      value = start + step * interval + step / 2
    }
    return Int16(code & 0x80 != 0 ? value * 4 : -value * 4)
  }

  // MARK: Exhaustive comparisons

  @Test func aLawEncodeAllInputs() {
    var mismatches = 0
    for raw in Int(Int16.min)...Int(Int16.max) {
      let x = Int16(raw)
      if G711Law.aLaw.encode(x) != Self.referenceALaw(x) { mismatches += 1 }
    }
    #expect(mismatches == 0)
  }

  @Test func muLawEncodeAllInputs() {
    var mismatches = 0
    for raw in Int(Int16.min)...Int(Int16.max) {
      let x = Int16(raw)
      if G711Law.muLaw.encode(x) != Self.referenceMuLaw(x) { mismatches += 1 }
    }
    #expect(mismatches == 0)
  }

  @Test func decodeAllCodes() {
    for code in 0...255 {
      #expect(G711Law.aLaw.decode(UInt8(code)) == Self.referenceDecodeALaw(UInt8(code)), "A-law \(code)")
      #expect(G711Law.muLaw.decode(UInt8(code)) == Self.referenceDecodeMuLaw(UInt8(code)), "µ-law \(code)")
    }
  }

  @Test func bufferPathsMatchScalarPaths() {
    let input = (Int(Int16.min)...Int(Int16.max)).map { Int16($0) }
    for law in [G711Law.aLaw, .muLaw] {
      let codes = law.encode(input)
      #expect(codes == input.map { law.encode($0) })
      let all = (0...255).map { UInt8($0) }
      #expect(law.decode(all) == all.map { law.decode($0) })
    }
  }

  // MARK: Known values and properties

  @Test func knownCodes() {
    #expect(G711Law.muLaw.encode(0) == 0xFF)
    #expect(G711Law.muLaw.encode(-1) == 0x7F)
    #expect(G711Law.muLaw.encode(.max) == 0x80)
    #expect(G711Law.muLaw.encode(.min) == 0x00)
    #expect(G711Law.muLaw.decode(0x80) == 32124)
    #expect(G711Law.muLaw.decode(0x00) == -32124)
    #expect(G711Law.muLaw.decode(0xFF) == 0)
    #expect(G711Law.muLaw.decode(0x7F) == 0)
    #expect(G711Law.aLaw.encode(0) == 0xD5)
    #expect(G711Law.aLaw.encode(-1) == 0x55)
    #expect(G711Law.aLaw.encode(.max) == 0xAA)
    #expect(G711Law.aLaw.encode(.min) == 0x2A)
    #expect(G711Law.aLaw.decode(0xD5) == 8)
    #expect(G711Law.aLaw.decode(0x55) == -8)
    #expect(G711Law.aLaw.decode(0xAA) == 32256)
    #expect(G711Law.aLaw.decode(0x2A) == -32256)
    #expect(G711Law.muLaw.silence == G711Law.muLaw.encode(0))
    #expect(G711Law.aLaw.silence == G711Law.aLaw.encode(0))
  }

  /// The 16-bit → 13/14-bit mapping drops the low bits: inputs sharing x >> 3 (A-law) or x >> 2
  /// (µ-law) share a code, including the negative side (−1…−8 all map to A-law's −1).
  @Test func inputMappingDropsLowBits() {
    for base in stride(from: -32768, to: 32767, by: 8) {
      let code = G711Law.aLaw.encode(Int16(base))
      for offset in 1..<8 { #expect(G711Law.aLaw.encode(Int16(base + offset)) == code) }
    }
    for base in stride(from: -32768, to: 32767, by: 4) {
      let code = G711Law.muLaw.encode(Int16(base))
      for offset in 1..<4 { #expect(G711Law.muLaw.encode(Int16(base + offset)) == code) }
    }
    // µ-law 14-bit value 1 (x = 4…7) is the second interval: code 0xFE.
    #expect(G711Law.muLaw.encode(3) == 0xFF)
    #expect(G711Law.muLaw.encode(4) == 0xFE)
    #expect(G711Law.muLaw.encode(-4) == 0x7F)
    #expect(G711Law.muLaw.encode(-5) == 0x7E)
    // A-law: the first step is 2 units of 13 bits, i.e. 16 of 16 bits.
    #expect(G711Law.aLaw.encode(15) == 0xD5)
    #expect(G711Law.aLaw.encode(16) == 0xD4)
  }

  @Test func decodeThenEncodeIsIdentity() {
    for code in 0...255 {
      let c = UInt8(code)
      #expect(G711Law.aLaw.encode(G711Law.aLaw.decode(c)) == c)
      // µ-law has two zeros; 0x7F (−0) comes back as 0xFF (+0).
      #expect(G711Law.muLaw.encode(G711Law.muLaw.decode(c)) == (c == 0x7F ? 0xFF : c))
    }
  }

  @Test func encodingIsMonotonic() {
    var previousA = Int.min
    var previousMu = Int.min
    for raw in stride(from: -32768, through: 32767, by: 1) {
      let a = Int(G711Law.aLaw.decode(G711Law.aLaw.encode(Int16(raw))))
      let mu = Int(G711Law.muLaw.decode(G711Law.muLaw.encode(Int16(raw))))
      #expect(a >= previousA)
      #expect(mu >= previousMu)
      previousA = a
      previousMu = mu
    }
  }
}
