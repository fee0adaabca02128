/// Where a ``WAVWriter`` puts its bytes: positional writes, like `pwrite(2)`.
///
/// `FileWAVSink` is the file adapter; `InMemoryWAVSink` keeps the bytes (tests, small clips).
public protocol WAVSink {
  /// Writes `bytes` at `offset`, extending the output when the offset is at or past its end.
  mutating func write(_ bytes: [UInt8], at offset: UInt64) throws
}
