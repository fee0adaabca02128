import Testing

@testable import RTPCore

@Suite struct WAVAudioTests {
  /// Builds a RIFF/WAVE file from chunks (id, body), adding pad octets after odd bodies.
  static func riff(_ chunks: [(String, [UInt8])]) -> [UInt8] {
    var body: [UInt8] = Array("WAVE".utf8)
    for (id, data) in chunks {
      body += Array(id.utf8) + little32(UInt32(data.count)) + data
      if data.count % 2 == 1 { body.append(0) }
    }
    return Array("RIFF".utf8) + little32(UInt32(body.count)) + body
  }

  static func little32(_ value: UInt32) -> [UInt8] {
    (0..<4).map { UInt8(truncatingIfNeeded: value >> (8 * $0)) }
  }
  static func little16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

  static func fmt(
    tag: UInt16 = 1, channels: UInt16 = 1, rate: UInt32 = 8000, bits: UInt16 = 16, blockAlign: UInt16? = nil
  ) -> [UInt8] {
    let align = blockAlign ?? channels * bits / 8
    return little16(tag) + little16(channels) + little32(rate) + little32(rate * UInt32(align))
      + little16(align) + little16(bits)
  }

  static func pcmBytes(_ samples: [Int16]) -> [UInt8] { samples.flatMap { little16(UInt16(bitPattern: $0)) } }

  @Test func pcmMonoWithUnknownAndOddChunks() throws {
    let samples: [Int16] = [0, 1, -1, 32767, -32768, 1234]
    let bytes = Self.riff([
      ("LIST", Array("INFOabc".utf8)),  // odd size: a pad octet follows
      ("fmt ", Self.fmt()),
      ("fact", Self.little32(6)),
      ("data", Self.pcmBytes(samples)),
    ])
    let audio = try WAVAudio(parsing: bytes)
    #expect(audio.encoding == .pcm16)
    #expect(audio.sampleRate == 8000)
    #expect(audio.channelCount == 1)
    #expect(audio.samples == samples)
    #expect(audio.telephoneSamples() == samples)
  }

  @Test func stereoIsDownmixed() throws {
    let bytes = Self.riff([
      ("fmt ", Self.fmt(channels: 2)), ("data", Self.pcmBytes([100, 300, -100, -301, 32767, 32767])),
    ])
    let audio = try WAVAudio(parsing: bytes)
    #expect(audio.frameCount == 3)
    #expect(audio.monoSamples() == [200, -201, 32767])
  }

  @Test func muLawAndALaw() throws {
    let codes: [UInt8] = [0xFF, 0x80, 0x00, 0x7F, 0x55]
    let mu = try WAVAudio(
      parsing: Self.riff([("fmt ", Self.fmt(tag: 7, bits: 8) + [0, 0]), ("data", codes)]))
    #expect(mu.encoding == .muLaw)
    #expect(mu.samples == codes.map { G711Law.muLaw.decode($0) })
    let a = try WAVAudio(parsing: Self.riff([("fmt ", Self.fmt(tag: 6, bits: 8)), ("data", codes)]))
    #expect(a.encoding == .aLaw)
    #expect(a.samples == codes.map { G711Law.aLaw.decode($0) })
  }

  @Test func extensibleFormat() throws {
    // WAVEFORMATEXTENSIBLE: cbSize 22, valid bits, channel mask, sub-format GUID starting with 1.
    let extensible =
      Self.fmt(tag: 0xFFFE) + Self.little16(22) + Self.little16(16) + Self.little32(4) + Self.little16(1)
      + Array(repeating: 0, count: 14)
    let audio = try WAVAudio(parsing: Self.riff([("fmt ", extensible), ("data", Self.pcmBytes([5, 6]))]))
    #expect(audio.samples == [5, 6])
  }

  @Test func trailingPartialFrameAndBytesAfterRIFFAreIgnored() throws {
    var bytes = Self.riff([("fmt ", Self.fmt()), ("data", Self.pcmBytes([7, 8]) + [9])])
    bytes += [1, 2, 3]  // outside the RIFF chunk
    #expect(try WAVAudio(parsing: bytes).samples == [7, 8])
  }

  @Test func malformedFilesAreErrors() {
    let good = Self.riff([("fmt ", Self.fmt()), ("data", Self.pcmBytes([1]))])
    #expect(throws: WAVError.notRIFF) { try WAVAudio(parsing: Array(good[0..<11])) }
    #expect(throws: WAVError.notRIFF) { try WAVAudio(parsing: Array("RIFX".utf8) + Array(good[4...])) }
    var notWave = good
    notWave[8] = UInt8(ascii: "A")
    #expect(throws: WAVError.notWAVE) { try WAVAudio(parsing: notWave) }
    #expect(throws: WAVError.riffSizeBeyondFile(declared: good.count - 8, available: good.count - 9)) {
      try WAVAudio(parsing: Array(good.dropLast()))
    }
    #expect(throws: WAVError.missingDataChunk) { try WAVAudio(parsing: Self.riff([("fmt ", Self.fmt())])) }
    #expect(throws: WAVError.missingFormatChunk) { try WAVAudio(parsing: Self.riff([("data", [0, 0])])) }
    #expect(throws: WAVError.formatChunkTooShort(size: 14)) {
      try WAVAudio(parsing: Self.riff([("fmt ", Array(Self.fmt()[0..<14])), ("data", [])]))
    }
    #expect(throws: WAVError.unsupportedFormat(tag: 3)) {
      try WAVAudio(parsing: Self.riff([("fmt ", Self.fmt(tag: 3, bits: 32)), ("data", [])]))
    }
    #expect(throws: WAVError.unsupportedBitsPerSample(8, tag: 1)) {
      try WAVAudio(parsing: Self.riff([("fmt ", Self.fmt(bits: 8)), ("data", [])]))
    }
    #expect(throws: WAVError.unsupportedChannelCount(3)) {
      try WAVAudio(parsing: Self.riff([("fmt ", Self.fmt(channels: 3)), ("data", [])]))
    }
    for rate: UInt32 in [0, 999, 768_001] {
      #expect(throws: WAVError.invalidSampleRate(rate)) {
        try WAVAudio(parsing: Self.riff([("fmt ", Self.fmt(rate: rate)), ("data", [])]))
      }
    }
    #expect(throws: WAVError.invalidBlockAlign(4)) {
      try WAVAudio(parsing: Self.riff([("fmt ", Self.fmt(blockAlign: 4)), ("data", [])]))
    }
    #expect(throws: WAVError.duplicateChunk(id: "fmt ", offset: 36)) {
      try WAVAudio(parsing: Self.riff([("fmt ", Self.fmt()), ("fmt ", Self.fmt()), ("data", [])]))
    }
    // A chunk whose size runs past the RIFF chunk.
    var long = good
    long[40] = 0xFF
    #expect(throws: WAVError.chunkBeyondFile(id: "data", offset: 36, size: 255)) {
      try WAVAudio(parsing: long)
    }
    // Fewer than 8 octets left for a chunk header.
    let stub = Self.riff([("fmt ", Self.fmt()), ("data", Self.pcmBytes([1]))])
    var cut = stub + [0x61, 0x62, 0x63, 0x64]
    let size = UInt32(cut.count - 8)
    cut.replaceSubrange(4..<8, with: Self.little32(size))
    #expect(throws: WAVError.truncatedChunkHeader(offset: stub.count)) { try WAVAudio(parsing: cut) }
  }
}

@Suite struct SampleRateConverterTests {
  @Test func lengthAndPassThrough() {
    let input = [Int16](repeating: 1000, count: 44100)
    #expect(SampleRateConverter(inputRate: 44100, outputRate: 8000).convert(input).count == 8000)
    #expect(SampleRateConverter(inputRate: 8000, outputRate: 8000).convert([1, 2, 3]) == [1, 2, 3])
    #expect(
      SampleRateConverter(inputRate: 11025, outputRate: 8000).convert(Array(input[0..<11025])).count == 8000)
  }

  @Test func passbandToneKeepsFrequencyAndLevel() {
    for rate in [44100.0, 48000, 16000, 22050, 11025, 6000] {
      let input = TestSignals.pcm(TestSignals.tones([(1000, 10000)], count: Int(rate), rate: rate))
      let output = SampleRateConverter(inputRate: UInt32(rate), outputRate: 8000).convert(input)
      let middle = Array(output[1000..<7000])
      let tonePower = TestSignals.power(of: 1000, in: middle)
      #expect(abs(tonePower / 50_000_000 - 1) < 0.02, "rate \(rate)")
      // Nearly all the power is the tone.
      #expect(tonePower / TestSignals.power(middle) > 0.999, "rate \(rate)")
    }
  }

  /// 6 kHz at 44.1 kHz is above 8 kHz's Nyquist frequency: plain interpolation would fold it to
  /// 2 kHz at almost full level. The low-pass must remove it.
  @Test func aliasingIsSuppressed() {
    let input = TestSignals.pcm(TestSignals.tones([(6000, 10000)], count: 44100, rate: 44100))
    let output = SampleRateConverter(inputRate: 44100, outputRate: 8000).convert(input)
    let middle = Array(output[1000..<7000])
    let inputPower = 50_000_000.0
    // Below −60 dB.
    #expect(TestSignals.power(middle) < inputPower * 1e-6)
    // For contrast: naive decimation by picking the nearest sample aliases to 2 kHz.
    let naive = (0..<8000).map { input[min(Int(Double($0) * 44100 / 8000), input.count - 1)] }
    #expect(TestSignals.power(Array(naive[1000..<7000])) > inputPower * 0.5)
  }

  @Test func wavAt44100IsConvertedForTelephony() throws {
    let stereo = zip(
      TestSignals.pcm(TestSignals.tones([(440, 8000)], count: 4410, rate: 44100)),
      TestSignals.pcm(TestSignals.tones([(440, 8000)], count: 4410, rate: 44100))
    ).flatMap { [$0, $1] }
    let bytes = WAVAudioTests.riff([
      ("fmt ", WAVAudioTests.fmt(channels: 2, rate: 44100)), ("data", WAVAudioTests.pcmBytes(stereo)),
    ])
    let samples = try WAVAudio(parsing: bytes).telephoneSamples()
    #expect(samples.count == 800)
    #expect(abs(TestSignals.power(of: 440, in: Array(samples[200..<600])) / 32_000_000 - 1) < 0.03)
  }
}
