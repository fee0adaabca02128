#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Generates the sum of one or more sines frame by frame with continuous phase, so that 20 ms
/// frames played back to back give a clean tone (no click at frame edges).
///
/// Each tone is a rotating phasor (one complex multiply per sample, no `sin` calls); the phasor
/// is renormalized at the end of every frame so rounding cannot grow or shrink the amplitude.
///
/// ```swift
/// var tone = ToneGenerator.dtmf(key: "5")!        // 770 Hz + 1336 Hz
/// let frame = tone.nextFrame(count: 160)           // 20 ms at 8 kHz
/// ```
public struct ToneGenerator: Hashable, Sendable {
  private struct Oscillator: Hashable, Sendable {
    var real: Double
    var imaginary: Double
    let stepReal: Double
    let stepImaginary: Double
    let amplitude: Double
  }

  private var oscillators: [Oscillator]
  public let sampleRate: Double

  /// Tones of the given frequencies (Hz), each with peak `amplitude` (16-bit linear scale; the sum
  /// is clipped to Int16), starting at phase 0.
  public init(frequencies: [Double], amplitude: Double, sampleRate: Double = 8000) {
    self.sampleRate = sampleRate
    oscillators = frequencies.map { frequency in
      let step = 2 * Double.pi * frequency / sampleRate
      return Oscillator(
        real: 1, imaginary: 0, stepReal: cos(step), stepImaginary: sin(step), amplitude: amplitude)
    }
  }

  /// The dual tone of a DTMF key (ITU-T Q.23), each tone at `level` dBm0 (−10 by default, within
  /// Q.24's acceptance range). Nil for a character that is not a key.
  public static func dtmf(key: Character, level: Double = -10, sampleRate: Double = 8000) -> ToneGenerator? {
    guard let (low, high) = DTMF.frequencies(for: key) else { return nil }
    return ToneGenerator(
      frequencies: [low, high], amplitude: DTMF.amplitude(dBm0: level), sampleRate: sampleRate)
  }

  /// Fills `buffer` with the next samples.
  public mutating func fill(_ buffer: UnsafeMutableBufferPointer<Int16>) {
    guard !oscillators.isEmpty else {
      for index in buffer.indices { buffer[index] = 0 }
      return
    }
    for index in buffer.indices {
      var sum = 0.0
      for tone in oscillators.indices {
        let oscillator = oscillators[tone]
        // The imaginary part is sin(phase): phase 0 starts at zero crossing.
        sum += oscillator.imaginary * oscillator.amplitude
        oscillators[tone].real =
          oscillator.real * oscillator.stepReal - oscillator.imaginary * oscillator.stepImaginary
        oscillators[tone].imaginary =
          oscillator.real * oscillator.stepImaginary + oscillator.imaginary * oscillator.stepReal
      }
      buffer[index] = Int16(max(min(sum.rounded(), 32767), -32768))
    }
    for tone in oscillators.indices {
      let magnitude =
        (oscillators[tone].real * oscillators[tone].real + oscillators[tone].imaginary
        * oscillators[tone].imaginary).squareRoot()
      oscillators[tone].real /= magnitude
      oscillators[tone].imaginary /= magnitude
    }
  }

  /// The next `count` samples (allocates; use ``fill(_:)`` on the hot path).
  public mutating func nextFrame(count: Int = 160) -> [Int16] {
    [Int16](unsafeUninitializedCapacity: max(count, 0)) { buffer, initialized in
      fill(UnsafeMutableBufferPointer(rebasing: buffer[0..<max(count, 0)]))
      initialized = max(count, 0)
    }
  }
}
