#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Levels of 16-bit linear audio in dBFS, with AES17's reference: a sine whose peaks reach full
/// scale (32 768) is 0 dBFS, so a square wave at full scale is +3.01 dBFS and digital silence is
/// −∞. The level of a block is its RMS against that sine's RMS (32 768 / √2).
public enum AudioLevel {
  /// RMS of the full-scale sine.
  static let referenceRMS = 32768.0 / 2.0.squareRoot()

  /// Mean power (mean of squared samples) of `samples`; 0 for none.
  public static func meanPower(_ samples: UnsafeBufferPointer<Int16>) -> Double {
    guard !samples.isEmpty else { return 0 }
    var sum: Int64 = 0
    for sample in samples {
      let value = Int64(sample)
      sum += value * value  // at most 2^30 per sample: no overflow below 2^33 samples
    }
    return Double(sum) / Double(samples.count)
  }

  /// The level of `samples` in dBFS; −∞ for digital silence or no samples.
  public static func dBFS(_ samples: [Int16]) -> Double {
    samples.withUnsafeBufferPointer { dBFS(meanPower: meanPower($0)) }
  }

  /// dBFS of a mean power.
  public static func dBFS(meanPower power: Double) -> Double {
    power > 0 ? 10 * log10(power / (referenceRMS * referenceRMS)) : -.infinity
  }

  /// The mean power of a signal at `level` dBFS.
  public static func meanPower(dBFS level: Double) -> Double {
    referenceRMS * referenceRMS * pow(10, level / 10)
  }

  /// The peak amplitude of a sine at `level` dBFS (for generating test and comfort tones).
  public static func sineAmplitude(dBFS level: Double) -> Double {
    32768 * pow(10, level / 20)
  }
}
