public import RTPCore

/// Audio to play: mono 16-bit linear samples at 8 kHz, read once and shared between streams
/// (copy-on-write array).
public struct MediaClip: Hashable, Sendable {
  public var samples: [Int16]

  public init(samples: [Int16]) {
    self.samples = samples
  }

  /// A WAV file's audio (PCM 16, A-law or µ-law; any rate, mono or stereo), converted to 8 kHz mono.
  public init(wav bytes: [UInt8]) throws(WAVError) {
    samples = try WAVAudio(parsing: bytes).telephoneSamples(rate: MediaCodec.clockRate)
  }

  /// Net::SIP's input format: raw G.711 payload octets without any header, 160 per 20 ms
  /// (`announce.pcmu-8000`).
  public init(rawPayload bytes: [UInt8], law: G711Law) {
    samples = law.decode(bytes)
  }

  /// A file: WAV when it starts with "RIFF", otherwise raw payload octets in `law`
  /// (Net::SIP's `*.pcmu-8000` files).
  public static func load(path: String, law: G711Law = .muLaw) throws -> MediaClip {
    let bytes = try MediaFile.readAll(path: path)
    if bytes.starts(with: Array("RIFF".utf8)) {
      return try MediaClip(wav: bytes)
    }
    return MediaClip(rawPayload: bytes, law: law)
  }

  /// 20 ms frames, the last one padded with silence.
  public var frameCount: Int { (samples.count + MediaCodec.samplesPerFrame - 1) / MediaCodec.samplesPerFrame }
}
