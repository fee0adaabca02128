/// The audio of a WAV file, decoded to 16-bit linear samples.
///
/// Reads RIFF/WAVE with PCM 16-bit, A-law (format 6) or µ-law (format 7) 8-bit, mono or stereo,
/// at any sample rate, also when wrapped in WAVE_FORMAT_EXTENSIBLE. Chunks other than "fmt " and
/// "data" (LIST, fact, cue…) are skipped, honouring the pad octet after odd-sized chunks (RIFF
/// rule). Anything malformed is a ``WAVError``; nothing is read outside the RIFF chunk, so
/// octets after it (a writer interrupted mid-append, see ``WAVWriter``) are ignored.
///
/// ```swift
/// let audio = try WAVAudio(parsing: bytes)
/// let prompt = audio.telephoneSamples()   // mono, 8 kHz, low-pass filtered
/// ```
public struct WAVAudio: Hashable, Sendable {
  public enum Encoding: Hashable, Sendable {
    case pcm16
    case aLaw
    case muLaw
  }

  public var encoding: Encoding
  public var sampleRate: UInt32
  public var channelCount: Int
  /// Interleaved linear samples (frames × channels).
  public var samples: [Int16]

  public init(encoding: Encoding, sampleRate: UInt32, channelCount: Int, samples: [Int16]) {
    self.encoding = encoding
    self.sampleRate = sampleRate
    self.channelCount = channelCount
    self.samples = samples
  }

  public var frameCount: Int { channelCount > 0 ? samples.count / channelCount : 0 }

  /// One channel: stereo is averaged.
  public func monoSamples() -> [Int16] {
    guard channelCount == 2 else { return samples }
    return (0..<frameCount).map { frame in
      Int16((Int(samples[2 * frame]) + Int(samples[2 * frame + 1])) >> 1)
    }
  }

  /// Mono at `rate` (8 kHz by default), through the windowed-sinc ``SampleRateConverter``.
  public func telephoneSamples(rate: UInt32 = 8000) -> [Int16] {
    let mono = monoSamples()
    guard sampleRate != rate else { return mono }
    return SampleRateConverter(inputRate: sampleRate, outputRate: rate).convert(mono)
  }
}
