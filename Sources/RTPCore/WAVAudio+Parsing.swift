extension WAVAudio {
  private static let formatPCM: UInt16 = 1
  private static let formatALaw: UInt16 = 6
  private static let formatMuLaw: UInt16 = 7
  private static let formatExtensible: UInt16 = 0xFFFE

  /// Parses a whole WAV file.
  public init(parsing bytes: [UInt8]) throws(WAVError) {
    let result: Result<WAVAudio, WAVError> = bytes.withUnsafeBytes { raw in
      do throws(WAVError) { return .success(try WAVAudio(parsing: raw)) } catch { return .failure(error) }
    }
    self = try result.get()
  }

  /// Parses a whole WAV file held in raw memory.
  public init(parsing bytes: UnsafeRawBufferPointer) throws(WAVError) {
    guard bytes.count >= 12, Self.tag(bytes, 0) == "RIFF" else { throw .notRIFF }
    guard Self.tag(bytes, 8) == "WAVE" else { throw .notWAVE }
    let riffSize = Int(Self.littleUInt32(bytes, 4))
    guard riffSize >= 4, riffSize <= bytes.count - 8 else {
      throw .riffSizeBeyondFile(declared: riffSize, available: bytes.count - 8)
    }
    let end = 8 + riffSize
    var format: (tag: UInt16, channels: UInt16, rate: UInt32, blockAlign: UInt16, bits: UInt16)?
    var data: Range<Int>?
    var offset = 12
    while offset < end {
      guard end - offset >= 8 else { throw .truncatedChunkHeader(offset: offset) }
      let id = Self.tag(bytes, offset)
      let size = Int(Self.littleUInt32(bytes, offset + 4))
      let body = offset + 8
      guard size <= end - body else { throw .chunkBeyondFile(id: id, offset: offset, size: size) }
      switch id {
      case "fmt ":
        guard format == nil else { throw .duplicateChunk(id: id, offset: offset) }
        guard size >= 16 else { throw .formatChunkTooShort(size: size) }
        var tag = Self.littleUInt16(bytes, body)
        // WAVE_FORMAT_EXTENSIBLE: the real tag is the first two octets of the sub-format GUID.
        if tag == Self.formatExtensible && size >= 40 { tag = Self.littleUInt16(bytes, body + 24) }
        format = (
          tag, Self.littleUInt16(bytes, body + 2), Self.littleUInt32(bytes, body + 4),
          Self.littleUInt16(bytes, body + 12), Self.littleUInt16(bytes, body + 14)
        )
      case "data":
        guard data == nil else { throw .duplicateChunk(id: id, offset: offset) }
        data = body..<(body + size)
      default:
        break  // LIST, fact, cue, …: not needed
      }
      // RIFF: a chunk of odd size is followed by one pad octet (absent at the very end: tolerated).
      offset = body + size + (size & 1)
    }
    guard let format else { throw .missingFormatChunk }
    guard let data else { throw .missingDataChunk }

    let encoding: Encoding
    let bytesPerSample: Int
    switch format.tag {
    case Self.formatPCM:
      guard format.bits == 16 else { throw .unsupportedBitsPerSample(format.bits, tag: format.tag) }
      (encoding, bytesPerSample) = (.pcm16, 2)
    case Self.formatALaw, Self.formatMuLaw:
      guard format.bits == 8 else { throw .unsupportedBitsPerSample(format.bits, tag: format.tag) }
      (encoding, bytesPerSample) = (format.tag == Self.formatALaw ? .aLaw : .muLaw, 1)
    default:
      throw .unsupportedFormat(tag: format.tag)
    }
    guard format.channels == 1 || format.channels == 2 else {
      throw .unsupportedChannelCount(format.channels)
    }
    // Real files use 8…192 kHz; outside 1…768 kHz a rate is either corrupt or would make the
    // resampler's work unreasonable, so it is refused.
    guard (1000...768_000).contains(format.rate) else { throw .invalidSampleRate(format.rate) }
    let frameSize = Int(format.channels) * bytesPerSample
    guard Int(format.blockAlign) == frameSize else { throw .invalidBlockAlign(format.blockAlign) }

    // A partial frame at the end is dropped.
    let sampleCount = (data.count / frameSize) * Int(format.channels)
    let start = data.lowerBound
    var samples = [Int16](repeating: 0, count: sampleCount)
    switch encoding {
    case .pcm16:
      for index in 0..<sampleCount {
        samples[index] = Int16(bitPattern: Self.littleUInt16(bytes, start + 2 * index))
      }
    case .aLaw, .muLaw:
      let law: G711Law = encoding == .aLaw ? .aLaw : .muLaw
      for index in 0..<sampleCount { samples[index] = law.decode(bytes[start + index]) }
    }
    self.init(
      encoding: encoding, sampleRate: format.rate, channelCount: Int(format.channels), samples: samples)
  }

  private static func tag(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> String {
    String(decoding: bytes[offset..<(offset + 4)], as: UTF8.self)
  }

  private static func littleUInt16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
    UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
  }

  private static func littleUInt32(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt32 {
    UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
      | UInt32(bytes[offset + 3]) << 24
  }
}
