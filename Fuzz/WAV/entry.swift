// libFuzzer harness: the WAV reader on arbitrary bytes must return audio or a WAVError, never
// crash or run away; accepted audio goes through the telephone conversion and back through the
// writer. Compiled in one module with Sources/RTPCore/*.swift (see Fuzz/RTP/entry.swift).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  guard let audio = try? WAVAudio(parsing: bytes) else { return 0 }
  guard audio.channelCount == 1 || audio.channelCount == 2, audio.samples.count % audio.channelCount == 0
  else {
    fatalError("inconsistent channel layout")
  }
  let samples = audio.telephoneSamples()
  let expected = Int(UInt64(audio.frameCount) * 8000 / UInt64(audio.sampleRate))
  guard audio.sampleRate == 8000 || samples.count == expected else { fatalError("wrong converted length") }
  guard var writer = try? WAVWriter(sink: InMemoryWAVSink()), (try? writer.append(samples)) != nil,
    let back = try? WAVAudio(parsing: writer.sink.bytes), back.samples == samples
  else { fatalError("written WAV does not read back") }
  return 0
}
