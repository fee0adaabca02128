#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Converts a block of mono samples between sample rates with a windowed-sinc low-pass filter:
/// linear interpolation alone would fold everything above 4 kHz of a 44.1 kHz prompt into the
/// telephone band.
///
/// The filter's cutoff is 0.45 × the lower of the two rates (3.6 kHz for 8 kHz output) and its
/// transition band 0.1 × that rate wide, so it is stopped by the output's Nyquist frequency; a
/// Blackman window gives about 74 dB of stopband attenuation. The kernel is tabulated 64 times
/// per input sample and linearly interpolated, so any rate pair works without recomputing sines.
///
/// The whole signal is converted at once (prompts are read once and cached); samples outside the
/// input count as zero.
public struct SampleRateConverter: Hashable, Sendable {
  public let inputRate: UInt32
  public let outputRate: UInt32
  /// Half the kernel length, in input samples.
  private let halfWidth: Double
  private let kernel: [Float]
  private static let oversampling = 64.0

  public init(inputRate: UInt32, outputRate: UInt32) {
    self.inputRate = max(inputRate, 1)
    self.outputRate = max(outputRate, 1)
    let lower = Double(min(self.inputRate, self.outputRate))
    let input = Double(self.inputRate)
    let cutoff = 0.45 * lower / input  // cycles per input sample
    let transition = 0.1 * lower / input
    // Blackman: transition width ≈ 5.5 / length.
    // Capped so that extreme ratios cannot demand an unbounded table (the band then widens).
    let halfWidth = min((5.5 / transition / 2).rounded(.up), 4096)
    self.halfWidth = halfWidth
    let count = Int(2 * halfWidth * Self.oversampling) + 2
    kernel = (0..<count).map { index in
      let tau = Double(index) / Self.oversampling - halfWidth
      let x = 2 * cutoff * tau
      let sinc = x == 0 ? 1 : sin(Double.pi * x) / (Double.pi * x)
      let position = (tau + halfWidth) / (2 * halfWidth)  // 0...1 across the window
      let window =
        position < 0 || position > 1
        ? 0 : 0.42 - 0.5 * cos(2 * Double.pi * position) + 0.08 * cos(4 * Double.pi * position)
      return Float(2 * cutoff * sinc * window)
    }
  }

  /// The converted signal: `input.count × outputRate / inputRate` samples, rounded down.
  public func convert(_ input: [Int16]) -> [Int16] {
    guard inputRate != outputRate else { return input }
    let outputCount = Int(UInt64(input.count) * UInt64(outputRate) / UInt64(inputRate))
    let step = Double(inputRate) / Double(outputRate)
    // Upsampling keeps the input's level; the kernel's integral is 1 per input sample.
    return kernel.withUnsafeBufferPointer { kernel in
      input.withUnsafeBufferPointer { input in
        (0..<outputCount).map { index in
          let center = Double(index) * step
          let first = max(Int((center - halfWidth).rounded(.up)), 0)
          let last = min(Int((center + halfWidth).rounded(.down)), input.count - 1)
          var sum: Float = 0
          if first <= last {
            for k in first...last {
              let position = (Double(k) - center + halfWidth) * Self.oversampling
              let lower = Int(position)
              guard lower + 1 < kernel.count, lower >= 0 else { continue }
              let fraction = Float(position - Double(lower))
              let weight = kernel[lower] + (kernel[lower + 1] - kernel[lower]) * fraction
              sum += weight * Float(input[k])
            }
          }
          return Int16(max(min(sum.rounded(), 32767), -32768))
        }
      }
    }
  }
}
