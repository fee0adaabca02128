/// A ``WAVSink`` in memory: the bytes, as a file would hold them.
public struct InMemoryWAVSink: WAVSink, Hashable, Sendable {
  public private(set) var bytes: [UInt8] = []

  public init() {}

  public mutating func write(_ data: [UInt8], at offset: UInt64) {
    let start = Int(offset)
    if bytes.count < start + data.count {
      bytes.append(contentsOf: repeatElement(0, count: start + data.count - bytes.count))
    }
    bytes.replaceSubrange(start..<(start + data.count), with: data)
  }
}
