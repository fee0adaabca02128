/// Where a stream records what it receives. Called on the media loop with each received audio
/// packet; implementations buffer so that a file sees few writes (see ``WAVFileRecorder``).
///
/// Not required to be thread-safe: one recorder belongs to one stream.
public protocol MediaRecorder: AnyObject {
  /// One received frame: the decoded samples and the payload octets as they arrived.
  func record(samples: UnsafeBufferPointer<Int16>, payload: UnsafeRawBufferPointer) throws
  /// Writes what is buffered and releases the file. Called when recording stops or the stream closes.
  func finish() throws
}
