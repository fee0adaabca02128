/// Writes a PCM 16-bit mono WAV file (8 kHz unless told otherwise) whose header is valid at every
/// moment, so a recording survives the process stopping mid-call.
///
/// The 44-octet header is written first with a data size of 0. Each ``append(_:)-([Int16])``
/// then does exactly two writes: the samples after the current end, then header octets 4...43
/// in ONE write carrying both the RIFF size and the data size. Until the second write lands the
/// new samples lie after the RIFF chunk, where readers do not look (``WAVAudio`` ignores them);
/// after it they are part of the data chunk. No moment exists where a size field claims bytes
/// that are not there.
///
/// Not thread-safe; owned by one recorder.
public struct WAVWriter<Sink: WAVSink> {
  public private(set) var sink: Sink
  public let sampleRate: UInt32
  /// Samples written so far.
  public private(set) var sampleCount: Int = 0
  private static var headerLength: Int { 44 }

  /// Writes the header with an empty data chunk.
  public init(sink: Sink, sampleRate: UInt32 = 8000) throws {
    self.sink = sink
    self.sampleRate = sampleRate
    try self.sink.write(header(dataBytes: 0), at: 0)
  }

  /// The 44-octet RIFF/WAVE header of a PCM 16-bit mono file with `dataBytes` of samples.
  public func header(dataBytes: UInt32) -> [UInt8] {
    var bytes: [UInt8] = []
    bytes.reserveCapacity(Self.headerLength)
    func tag(_ text: String) { bytes.append(contentsOf: text.utf8) }
    func little32(_ value: UInt32) {
      for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(truncatingIfNeeded: value >> shift)) }
    }
    func little16(_ value: UInt16) { bytes.append(UInt8(value & 0xFF)); bytes.append(UInt8(value >> 8)) }
    tag("RIFF")
    little32(36 + dataBytes)
    tag("WAVE")
    tag("fmt ")
    little32(16)
    little16(1)  // PCM
    little16(1)  // mono
    little32(sampleRate)
    little32(sampleRate * 2)  // byte rate
    little16(2)  // block align
    little16(16)  // bits per sample
    tag("data")
    little32(dataBytes)
    return bytes
  }

  /// Appends samples and updates the header.
  public mutating func append(_ samples: UnsafeBufferPointer<Int16>) throws {
    guard !samples.isEmpty else { return }
    let newBytes = UInt64(sampleCount + samples.count) * 2
    guard newBytes + 36 <= UInt64(UInt32.max) else { throw WAVWriterError.fileFull }
    var block = [UInt8](repeating: 0, count: samples.count * 2)
    for (index, sample) in samples.enumerated() {
      let bits = UInt16(bitPattern: sample)
      block[2 * index] = UInt8(bits & 0xFF)
      block[2 * index + 1] = UInt8(bits >> 8)
    }
    try sink.write(block, at: UInt64(Self.headerLength + sampleCount * 2))
    sampleCount += samples.count
    // One write covering both size fields (offsets 4 and 40).
    try sink.write(Array(header(dataBytes: UInt32(newBytes))[4..<44]), at: 4)
  }

  /// Appends samples and updates the header.
  public mutating func append(_ samples: [Int16]) throws {
    try samples.withUnsafeBufferPointer { try append($0) }
  }
}
