#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Deterministic signals for the DSP tests.
enum TestSignals {
  /// A reproducible pseudo-random generator (SplitMix64).
  struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    /// Uniform in −1...1.
    mutating func uniform() -> Double { Double(next() >> 11) / Double(1 << 53) * 2 - 1 }
  }

  /// Sum of sines (frequency Hz, peak amplitude), `count` samples at `rate`.
  static func tones(_ parts: [(Double, Double)], count: Int, rate: Double = 8000, phase: Double = 0.3)
    -> [Double]
  {
    (0..<count).map { n in
      parts.reduce(0) { sum, part in sum + part.1 * sin(2 * Double.pi * part.0 * Double(n) / rate + phase) }
    }
  }

  static func pcm(_ signal: [Double]) -> [Int16] {
    signal.map { Int16(max(min($0.rounded(), 32767), -32768)) }
  }

  static func silence(_ count: Int) -> [Double] { Array(repeating: 0, count: count) }

  /// Mean power of a signal.
  static func power(_ signal: [Int16]) -> Double {
    signal.reduce(0) { $0 + Double($1) * Double($1) } / Double(max(signal.count, 1))
  }

  /// Power of the component at `frequency` (single-bin DFT, A²/2 scale).
  static func power(of frequency: Double, in signal: [Int16], rate: Double = 8000) -> Double {
    var real = 0.0
    var imaginary = 0.0
    for (n, sample) in signal.enumerated() {
      let angle = 2 * Double.pi * frequency * Double(n) / rate
      real += Double(sample) * cos(angle)
      imaginary -= Double(sample) * sin(angle)
    }
    let count = Double(signal.count)
    return 2 * (real * real + imaginary * imaginary) / (count * count)
  }
}
