/// Keeps what a stream receives in memory: for tests and short captures. Bounded by
/// ``maximumSamples``; samples beyond are counted in ``droppedSamples``, not kept.
///
/// Written on the media loop. Read it only after the stream closed or stopped recording: the
/// future of ``MediaStream/close()`` (or ``MediaStream/stopRecording()``) orders the writes before
/// the read, which is why the type may cross threads (`@unchecked Sendable`).
public final class InMemoryRecorder: MediaRecorder, @unchecked Sendable {
  public private(set) var samples: [Int16] = []
  public private(set) var payloads: [[UInt8]] = []
  public private(set) var droppedSamples = 0
  public private(set) var finished = false
  public let maximumSamples: Int

  public init(maximumSamples: Int = 8000 * 600) {
    self.maximumSamples = maximumSamples
  }

  public func record(samples: UnsafeBufferPointer<Int16>, payload: UnsafeRawBufferPointer) {
    guard self.samples.count + samples.count <= maximumSamples else {
      droppedSamples += samples.count
      return
    }
    self.samples.append(contentsOf: samples)
    payloads.append(Array(payload))
  }

  public func finish() { finished = true }
}
