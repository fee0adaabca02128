/// Why a media operation failed.
public enum MediaError: Error, Hashable, Sendable {
  /// Every port of the configured range is in use or failed to bind.
  case portRangeExhausted(lower: Int, upper: Int)
  /// A caller-supplied port could not be bound.
  case bindFailed(host: String, port: Int, reason: String)
  /// The stream is closed (or the engine shut down).
  case streamClosed
  /// A caller-supplied channel is not on the engine's event loop.
  case channelOnWrongEventLoop
  /// A system call on a media file failed.
  case file(path: String, operation: String, errno: Int32)
  case fileTooLarge(path: String, limit: Int)
  /// A playback or DTMF sequence was replaced or stopped before it finished.
  case stopped
  /// A DTMF string held a character that is not a key ("0"…"9", "*", "#", "A"…"D").
  case invalidDTMFKey(Character)
}
