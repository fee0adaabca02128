import RTPCore

/// A timed tone for ``MediaSource/tone(frequency:amplitude:milliseconds:)``: RTPCore's
/// ``ToneGenerator`` plus the count of samples left.
struct Tone {
  private var generator: ToneGenerator
  /// Samples left; nil: endless.
  private var remaining: Int?

  init(frequency: Double, amplitude: Int16, remaining: Int?) {
    generator = ToneGenerator(
      frequencies: [frequency], amplitude: Double(amplitude), sampleRate: Double(MediaCodec.clockRate))
    self.remaining = remaining
  }

  /// Fills one frame (silence after the end); true when the tone has ended.
  mutating func fill(_ frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
    guard let left = remaining else {
      generator.fill(frame)
      return false
    }
    let count = min(left, frame.count)
    if count > 0 { generator.fill(UnsafeMutableBufferPointer(rebasing: frame[0..<count])) }
    for index in count..<frame.count { frame[index] = 0 }
    remaining = left - count
    return remaining == 0
  }
}
