/// Where to record a stream's incoming audio; the recorder is created on the media loop.
public enum MediaRecording: Sendable {
  /// PCM 16-bit 8 kHz mono WAV (``WAVFileRecorder``).
  case wav(path: String)
  /// Raw payload octets, Net::SIP's OUTPUT format (``RawPayloadRecorder``).
  case rawPayload(path: String)
  /// A recorder of the caller's (for example an ``InMemoryRecorder`` in tests).
  case recorder(@Sendable () throws -> any MediaRecorder)

  /// Net::SIP's OUTPUT file name: `.wav` gets a WAV file, anything else raw payload octets as
  /// Net::SIP writes them.
  public init(netSIPOutput path: String) {
    self = path.lowercased().hasSuffix(".wav") ? .wav(path: path) : .rawPayload(path: path)
  }

  func makeRecorder() throws -> any MediaRecorder {
    switch self {
    case .wav(let path): try WAVFileRecorder(path: path)
    case .rawPayload(let path): try RawPayloadRecorder(path: path)
    case .recorder(let make): try make()
    }
  }
}
