#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The DTMF keypad and its frequencies (ITU-T Q.23): each key is one low-group (row) tone plus
/// one high-group (column) tone.
public enum DTMF {
  /// Low group, Hz (Q.23).
  public static let rowFrequencies: [Double] = [697, 770, 852, 941]
  /// High group, Hz (Q.23).
  public static let columnFrequencies: [Double] = [1209, 1336, 1477, 1633]
  /// Keys by row, then column.
  public static let keypad: [[Character]] = [
    ["1", "2", "3", "A"],
    ["4", "5", "6", "B"],
    ["7", "8", "9", "C"],
    ["*", "0", "#", "D"],
  ]
  /// All sixteen keys.
  public static let keys: [Character] = Array("0123456789*#ABCD")

  /// The (row, column) frequencies of a key; lower-case a...d are accepted. Nil for other characters.
  public static func frequencies(for key: Character) -> (low: Double, high: Double)? {
    let upper = key.uppercased().first ?? key
    for (row, keys) in keypad.enumerated() {
      if let column = keys.firstIndex(of: upper) {
        return (rowFrequencies[row], columnFrequencies[column])
      }
    }
    return nil
  }

  /// Peak amplitude (16-bit linear) of a sine at 0 dBm0: G.711 µ-law's full scale (±32124 after
  /// decoding, ±8159 at 14 bits) is +3.17 dBm0 (G.711, Tables 1 and 2 and their notes).
  public static let zeroDBm0Amplitude = 32636.0 / 1.440_397  // 10^(3.17/20)

  /// The peak amplitude of a sine at `level` dBm0.
  public static func amplitude(dBm0 level: Double) -> Double {
    zeroDBm0Amplitude * pow(10, level / 20)
  }
}
