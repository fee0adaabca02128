import Foundation
import Testing

@testable import RTPCore

@Suite struct WAVWriterTests {
  /// A sink that checks, after every single write, that the bytes so far form a valid WAV file
  /// holding exactly the samples of one of the completed appends.
  struct CheckingSink: WAVSink {
    var memory = InMemoryWAVSink()
    var writes: [(offset: UInt64, count: Int)] = []
    var sampleCountsSeen: [Int] = []

    mutating func write(_ bytes: [UInt8], at offset: UInt64) throws {
      memory.write(bytes, at: offset)
      writes.append((offset, bytes.count))
      let audio = try WAVAudio(parsing: memory.bytes)
      sampleCountsSeen.append(audio.samples.count)
    }
  }

  @Test func headerIsValidAfterEveryWrite() throws {
    var writer = try WAVWriter(sink: CheckingSink())
    var expected: [Int16] = []
    for block in 0..<5 {
      let samples = (0..<(160 + block)).map { Int16(truncatingIfNeeded: $0 * 97 - block * 1000) }
      try writer.append(samples)
      expected += samples
    }
    let sink = writer.sink
    // Header, then per append: samples after the end, then offsets 4…43 in one write.
    #expect(sink.writes.count == 1 + 2 * 5)
    #expect(sink.writes[0].offset == 0 && sink.writes[0].count == 44)
    for append in 0..<5 {
      #expect(sink.writes[1 + 2 * append].offset >= 44)
      #expect(sink.writes[2 + 2 * append].offset == 4 && sink.writes[2 + 2 * append].count == 40)
    }
    // Between the two writes of an append the file still shows the previous samples.
    #expect(sink.sampleCountsSeen == [0, 0, 160, 160, 321, 321, 483, 483, 646, 646, 810])
    let audio = try WAVAudio(parsing: sink.memory.bytes)
    #expect(audio.samples == expected)
    #expect(audio.sampleRate == 8000)
    #expect(sink.memory.bytes.count == 44 + 2 * expected.count)
  }

  @Test func headerFields() throws {
    let writer = try WAVWriter(sink: InMemoryWAVSink(), sampleRate: 16000)
    let header = writer.sink.bytes
    #expect(header.count == 44)
    #expect(Array(header[0..<4]) == Array("RIFF".utf8))
    #expect(Array(header[4..<8]) == [36, 0, 0, 0])
    #expect(Array(header[24..<28]) == [0x80, 0x3E, 0, 0])  // 16000
    #expect(Array(header[28..<32]) == [0x00, 0x7D, 0, 0])  // 32000 bytes/s
    #expect(Array(header[40..<44]) == [0, 0, 0, 0])
  }

  @Test func emptyAppendWritesNothing() throws {
    var writer = try WAVWriter(sink: CheckingSink())
    try writer.append([Int16]())
    #expect(writer.sink.writes.count == 1)
  }

  @Test func fileSinkWritesARealFile() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "rtpcore-\(UInt32.random(in: 0...UInt32.max)).wav"
    ).path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let sink = try FileWAVSink(path: path)
    var writer = try WAVWriter(sink: sink)
    try writer.append([1, 2, 3])
    try writer.append([-4])
    sink.close()
    let bytes = try #require(FileManager.default.contents(atPath: path))
    #expect(try WAVAudio(parsing: [UInt8](bytes)).samples == [1, 2, 3, -4])
  }

  @Test func fileSinkReportsOpenFailure() {
    #expect(throws: FileWAVSink.SystemError.self) { try FileWAVSink(path: "/nonexistent-dir/x.wav") }
  }
}
