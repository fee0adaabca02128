#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A sine generator for ``MediaSource/tone(frequency:amplitude:milliseconds:)``. (RTPCore's tone
/// generator was not there when this module was written; this is the few lines the source needs.)
struct Tone {
  let amplitude: Double
  let step: Double
  var phase: Double = 0
  /// Samples left; nil: endless.
  var remaining: Int?

  init(frequency: Double, amplitude: Int16, remaining: Int?) {
    self.amplitude = Double(amplitude)
    step = 2 * Double.pi * frequency / Double(MediaCodec.clockRate)
    self.remaining = remaining
  }

  /// Fills one frame (silence after the end); true when the tone has ended.
  mutating func fill(_ frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
    for index in 0..<frame.count {
      if let left = remaining {
        if left == 0 {
          frame[index] = 0
          continue
        }
        remaining = left - 1
      }
      frame[index] = Int16(amplitude * sin(phase))
      phase += step
      if phase > 2 * Double.pi { phase -= 2 * Double.pi }
    }
    return remaining == 0
  }
}
