/// ITU-T G.711 companding, bit-exact with the ITU reference code (G.191 `g711.c`).
///
/// **Input mapping.** G.711 quantizes 14-bit (µ-law) and 13-bit (A-law) two's-complement linear
/// samples. A 16-bit sample `x` is mapped the way G.191 does it: µ-law takes `x >> 2`, A-law
/// takes `x >> 3` (arithmetic shifts, i.e. the low bits are dropped toward −∞). A negative value
/// `v` is quantized by its one's complement `~v` (= −v − 1), which makes the quantizer symmetric
/// around −½; the decision levels are those of G.711 Tables 1 and 2.
///
/// **Output scale.** Decoding returns the interval's midpoint scaled back to 16 bits (A-law × 8,
/// µ-law × 4): A-law gives ±8...±32256, µ-law gives 0...±32124 (both 0x7F and 0xFF decode to 0).
///
/// Encoding uses a 16 K / 8 K entry table indexed by the shifted sample and decoding a 256-entry
/// table, so the buffer functions do one load per sample and never allocate.
public enum G711Law: Hashable, Sendable {
  /// PCMU: North America and Japan. RTP static payload type 0 (RFC 3551 §6).
  case muLaw
  /// PCMA: elsewhere. RTP static payload type 8 (RFC 3551 §6).
  case aLaw

  /// The static RTP payload type (RFC 3551 Table 4).
  public var rtpPayloadType: UInt8 {
    switch self {
    case .muLaw: 0
    case .aLaw: 8
    }
  }

  /// The code of a zero sample (what `encode(0)` returns).
  public var silence: UInt8 {
    switch self {
    case .muLaw: 0xFF
    case .aLaw: 0xD5
    }
  }

  /// Encodes one 16-bit linear sample.
  @inline(__always)
  public func encode(_ sample: Int16) -> UInt8 {
    switch self {
    case .muLaw: G711Tables.muLawEncode[Int(sample >> 2) + 8192]
    case .aLaw: G711Tables.aLawEncode[Int(sample >> 3) + 4096]
    }
  }

  /// Decodes one code to a 16-bit linear sample.
  @inline(__always)
  public func decode(_ code: UInt8) -> Int16 {
    switch self {
    case .muLaw: G711Tables.muLawDecode[Int(code)]
    case .aLaw: G711Tables.aLawDecode[Int(code)]
    }
  }

  /// Encodes `min(samples.count, codes.count)` samples.
  public func encode(_ samples: UnsafeBufferPointer<Int16>, into codes: UnsafeMutableBufferPointer<UInt8>) {
    let count = min(samples.count, codes.count)
    guard count > 0, let input = samples.baseAddress, let output = codes.baseAddress else { return }
    switch self {
    case .muLaw:
      G711Tables.muLawEncode.withUnsafeBufferPointer { table in
        guard let table = table.baseAddress else { return }
        for index in 0..<count { output[index] = table[Int(input[index] >> 2) &+ 8192] }
      }
    case .aLaw:
      G711Tables.aLawEncode.withUnsafeBufferPointer { table in
        guard let table = table.baseAddress else { return }
        for index in 0..<count { output[index] = table[Int(input[index] >> 3) &+ 4096] }
      }
    }
  }

  /// Decodes `min(codes.count, samples.count)` codes.
  public func decode(_ codes: UnsafeBufferPointer<UInt8>, into samples: UnsafeMutableBufferPointer<Int16>) {
    let count = min(samples.count, codes.count)
    guard count > 0, let input = codes.baseAddress, let output = samples.baseAddress else { return }
    let table = self == .muLaw ? G711Tables.muLawDecode : G711Tables.aLawDecode
    table.withUnsafeBufferPointer { table in
      guard let table = table.baseAddress else { return }
      for index in 0..<count { output[index] = table[Int(input[index])] }
    }
  }

  /// Encodes an array (allocates the result).
  public func encode(_ samples: [Int16]) -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: samples.count) { codes, initialized in
      samples.withUnsafeBufferPointer { encode($0, into: codes) }
      initialized = samples.count
    }
  }

  /// Decodes an array (allocates the result).
  public func decode(_ codes: [UInt8]) -> [Int16] {
    [Int16](unsafeUninitializedCapacity: codes.count) { samples, initialized in
      codes.withUnsafeBufferPointer { decode($0, into: samples) }
      initialized = codes.count
    }
  }
}
