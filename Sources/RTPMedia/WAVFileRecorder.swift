import RTPCore

/// Records decoded audio to a PCM 16-bit mono 8 kHz WAV file, whose header stays valid after
/// every flush (``WAVWriter``).
///
/// Samples are buffered and written once per ``flushSamples`` (one second by default) so a
/// recording costs the media loop two `pwrite` calls a second, not two per packet.
public final class WAVFileRecorder: MediaRecorder {
  private var writer: WAVWriter<FileWAVSink>
  private var pending: [Int16] = []
  public let flushSamples: Int
  /// Samples handed to the file so far (flushed).
  public var writtenSamples: Int { writer.sampleCount }

  public init(path: String, flushSamples: Int = 8000) throws {
    writer = try WAVWriter(sink: FileWAVSink(path: path), sampleRate: MediaCodec.clockRate)
    self.flushSamples = max(flushSamples, 1)
    pending.reserveCapacity(self.flushSamples + MediaCodec.samplesPerFrame)
  }

  public func record(samples: UnsafeBufferPointer<Int16>, payload: UnsafeRawBufferPointer) throws {
    pending.append(contentsOf: samples)
    if pending.count >= flushSamples { try flush() }
  }

  public func flush() throws {
    guard !pending.isEmpty else { return }
    try writer.append(pending)
    pending.removeAll(keepingCapacity: true)
  }

  public func finish() throws {
    try flush()
    writer.sink.close()
  }
}

@available(*, unavailable)
extension WAVFileRecorder: Sendable {}
