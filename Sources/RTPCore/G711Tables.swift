/// The lookup tables behind ``G711Law``, built once on first use (Swift initializes globals and
/// static lets lazily and thread-safely). The builders compute the segment from the bit width of
/// the magnitude; the tests check them against a plain interval search over G.711's tables.
enum G711Tables {
  /// Indexed by `(x >> 2) + 8192`, the 14-bit sample offset to be non-negative.
  static let muLawEncode: [UInt8] = (0..<16384).map { index in encodeMuLaw14(index - 8192) }
  /// Indexed by `(x >> 3) + 4096`, the 13-bit sample offset to be non-negative.
  static let aLawEncode: [UInt8] = (0..<8192).map { index in encodeALaw13(index - 4096) }
  static let muLawDecode: [Int16] = (0..<256).map { decodeMuLaw(UInt8($0)) }
  static let aLawDecode: [Int16] = (0..<256).map { decodeALaw(UInt8($0)) }

  /// µ-law of a 14-bit sample (−8192...8191). The magnitude is biased by 33 so that each segment
  /// starts at a power of two: segment `s` covers biased values 2^(s+5)...2^(s+6)−1 with steps of
  /// 2^(s+1) (G.711 Table 2). The seven magnitude bits are sent inverted and the sign bit is 1
  /// for positive values (G.711 Table 2, note on character signals).
  static func encodeMuLaw14(_ value: Int) -> UInt8 {
    let magnitude = value >= 0 ? value : ~value
    let biased = min(magnitude + 33, 0x1FFF)
    let segment = (Int.bitWidth - biased.leadingZeroBitCount) - 6
    let mantissa = (biased >> (segment + 1)) & 0x0F
    let code = UInt8(truncatingIfNeeded: ~(segment << 4 | mantissa) & 0x7F)
    return value >= 0 ? code | 0x80 : code
  }

  /// A-law of a 13-bit sample (−4096...4095). The 12-bit magnitude's low bit is below the first
  /// step; segments 0 and 1 are linear with step 2, segment `s ≥ 2` spans 2^(s+4)...2^(s+5)−1 with
  /// step 2^s (G.711 Table 1). Even bits are inverted, the sign bit is 1 for positive values.
  static func encodeALaw13(_ value: Int) -> UInt8 {
    let magnitude = (value >= 0 ? value : ~value) >> 1
    var code: Int
    if magnitude < 32 {
      code = magnitude
    } else {
      let segment = (Int.bitWidth - magnitude.leadingZeroBitCount) - 4
      code = segment << 4 | (magnitude >> (segment - 1)) & 0x0F
    }
    if value >= 0 { code |= 0x80 }
    return UInt8(truncatingIfNeeded: code ^ 0x55)
  }

  static func decodeMuLaw(_ code: UInt8) -> Int16 {
    let inverted = Int(~code)
    let segment = (inverted >> 4) & 0x07
    let mantissa = inverted & 0x0F
    // Midpoint of the interval in the biased domain, unbiased, at 16-bit scale (× 4).
    let magnitude = ((mantissa << 3) + 0x84) << segment - 0x84
    return Int16(code & 0x80 != 0 ? magnitude : -magnitude)
  }

  static func decodeALaw(_ code: UInt8) -> Int16 {
    let toggled = Int(code ^ 0x55)
    let segment = (toggled >> 4) & 0x07
    var mantissa = toggled & 0x0F
    if segment > 0 { mantissa += 16 }
    // Midpoint of the interval at 16-bit scale (× 8 from 13 bits).
    var magnitude = mantissa << 4 + 8
    if segment > 1 { magnitude <<= segment - 1 }
    return Int16(code & 0x80 != 0 ? magnitude : -magnitude)
  }
}
