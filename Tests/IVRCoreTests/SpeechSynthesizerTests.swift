import Foundation
import RTPCore
import Testing

@testable import IVRCore

/// A fresh directory under the temporary directory, removed by the caller.
private func temporaryDirectory() throws -> String {
  let path = NSTemporaryDirectory() + "ivrcore-speech-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
  try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  return path
}

/// A shell script standing in for espeak-ng (with the system's PATH, whatever the test's is).
private func script(_ body: String, in directory: String) throws -> String {
  let path = directory + "/fake-espeak"
  try ("#!/bin/sh\nPATH=/usr/bin:/bin:$PATH\n" + body + "\n").write(
    toFile: path, atomically: true, encoding: .utf8)
  chmod(path, 0o755)
  return path
}

private let espeakInstalled = SpeechSynthesizer(cacheDirectory: "/nonexistent").locateExecutable() != nil

@Suite struct SpeechSynthesizerTests {
  @Test func cacheKeyDependsOnVoiceAndText() {
    let synthesizer = SpeechSynthesizer(cacheDirectory: "/cache/")
    let path = synthesizer.cachePath(text: "Hello", voice: "en")
    #expect(path.hasPrefix("/cache/") && path.hasSuffix(".wav"))
    #expect(path.count == "/cache/".count + 64 + 4)
    #expect(path == synthesizer.cachePath(text: "Hello", voice: "en"))
    #expect(path != synthesizer.cachePath(text: "Hello", voice: "de"))
    #expect(path != synthesizer.cachePath(text: "Hello!", voice: "en"))
    // The separator keeps (voice, text) pairs apart.
    #expect(synthesizer.cachePath(text: "nb", voice: "e") != synthesizer.cachePath(text: "b", voice: "en"))
  }

  @Test func badVoicesAndTextsAreRefused() async {
    let synthesizer = SpeechSynthesizer(cacheDirectory: "/nonexistent")
    for voice in ["", "-w", "../../etc/passwd", "/abs", "en us", "en;rm", String(repeating: "e", count: 65)] {
      await #expect(throws: SpeechError.self) { try await synthesizer.synthesize("hi", voice: voice) }
      do {
        _ = try await synthesizer.synthesize("hi", voice: voice)
      } catch {
        #expect(error.code == .invalidVoice)
      }
    }
    for voice in ["en", "en-us", "en+f3", "mb-en1", "gmw/af"] {
      #expect(throws: Never.self) { try SpeechSynthesizer.check(voice: voice) }
    }
    for text in ["", "  \n", String(repeating: "a", count: 8193), "a\u{0}b"] {
      do {
        _ = try await synthesizer.synthesize(text)
        Issue.record("accepted \(text.prefix(10))")
      } catch {
        #expect(error.code == .invalidText)
      }
    }
  }

  @Test func missingProgramIsAClearError() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    for synthesizer in [
      SpeechSynthesizer(cacheDirectory: directory, searchPath: directory),
      SpeechSynthesizer(cacheDirectory: directory, executable: directory + "/no-such-espeak"),
    ] {
      #expect(synthesizer.locateExecutable() == nil)
      do {
        _ = try await synthesizer.synthesize("hello")
        Issue.record("no error")
      } catch {
        #expect(error.code == .synthesizerMissing)
        #expect(error.description.contains("not installed"))
        #expect(
          error.description.contains("apt-get install espeak-ng") || error.description.contains("espeak-ng"))
      }
    }
  }

  @Test func failuresOfTheProgramAreReported() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let cases: [(String, SpeechError.Code)] = [
      ("echo 'Error: no such voice' >&2; exit 1", .synthesisFailed),
      ("exit 0", .invalidOutput),  // wrote no file
      ("printf 'not a wav' > \"$2\"", .invalidOutput),
      ("exec sleep 30", .timedOut),
    ]
    for (body, code) in cases {
      let program = try script(body, in: directory)
      let synthesizer = SpeechSynthesizer(
        cacheDirectory: directory + "/cache", executable: program,
        // Only the hanging program meets its timeout; the others get ample time on a busy machine.
        timeout: code == .timedOut ? .milliseconds(500) : .seconds(60))
      do {
        _ = try await synthesizer.synthesize("hello")
        Issue.record("no error for \(body)")
      } catch {
        #expect(error.code == code, "\(body): \(error)")
        if code == .synthesisFailed { #expect(error.message.contains("no such voice")) }
      }
      // Nothing half-written is left in the cache.
      let left = (try? FileManager.default.contentsOfDirectory(atPath: directory + "/cache")) ?? []
      #expect(left.isEmpty, "\(left)")
    }
  }

  @Test func fakeProgramGetsTheTextInAFile() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    // Writes a valid WAV and keeps its arguments and the text file beside it.
    let wav = try WAVWriter(sink: InMemoryWAVSink(), sampleRate: 22_050).sink.bytes
    try Data(wav).write(to: URL(fileURLWithPath: directory + "/empty.wav"))
    let program = try script(
      "cp '\(directory)/empty.wav' \"$2\"; echo \"$@\" > '\(directory)/args'; cp \"$6\" '\(directory)/text'",
      in: directory)
    let synthesizer = SpeechSynthesizer(cacheDirectory: directory + "/cache", executable: program)
    let text = "-w /etc/passwd; $(reboot) `x`"
    let first = try await synthesizer.synthesize(text, voice: "en-us")
    #expect(first.fromCache == false)
    #expect(first.path == synthesizer.cachePath(text: text, voice: "en-us"))
    let arguments = try String(contentsOfFile: directory + "/args", encoding: .utf8)
    #expect(arguments.hasPrefix("-w \(first.path)."))
    #expect(arguments.contains(" -v en-us -f \(first.path)."))
    #expect(try String(contentsOfFile: directory + "/text", encoding: .utf8) == text)
    // The second time the program does not run.
    try FileManager.default.removeItem(atPath: directory + "/text")
    let second = try await synthesizer.synthesize(text, voice: "en-us")
    #expect(second == SynthesizedSpeech(path: first.path, fromCache: true))
    #expect(!FileManager.default.fileExists(atPath: directory + "/text"))
  }

  @Test func concurrentSynthesesOfOneTextShareOneFile() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let wav = try WAVWriter(sink: InMemoryWAVSink(), sampleRate: 22_050)
    var full = wav
    try full.append([Int16](repeating: 1000, count: 22_050))
    try Data(full.sink.bytes).write(to: URL(fileURLWithPath: directory + "/one.wav"))
    // Writes the file in two steps, slowly, as a real synthesizer would.
    let program = try script(
      "head -c 100 '\(directory)/one.wav' > \"$2\"; sleep 0.2; cat '\(directory)/one.wav' > \"$2\"",
      in: directory)
    let synthesizer = SpeechSynthesizer(cacheDirectory: directory + "/cache", executable: program)
    let results = try await withThrowingTaskGroup(of: SynthesizedSpeech.self) { group in
      for _ in 0..<4 { group.addTask { try await synthesizer.synthesize("same words") } }
      var all: [SynthesizedSpeech] = []
      for try await result in group { all.append(result) }
      return all
    }
    #expect(Set(results.map(\.path)).count == 1)
    let audio = try WAVAudio(parsing: [UInt8](Data(contentsOf: URL(fileURLWithPath: results[0].path))))
    #expect(audio.frameCount == 22_050)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory + "/cache").count == 1)
  }

  @Test(
    .enabled(
      if: espeakInstalled,
      "espeak-ng is not installed: real synthesis is skipped (apt-get install espeak-ng, or scripts/setup)"))
  func realSynthesisWithEspeakNG() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let synthesizer = SpeechSynthesizer(cacheDirectory: directory + "/speech")
    let first = try await synthesizer.synthesize("Press one for sales, two for support.")
    #expect(!first.fromCache)
    let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: first.path)))
    let audio = try WAVAudio(parsing: bytes)
    #expect(audio.sampleRate == SpeechSynthesizer.outputSampleRate)
    #expect(audio.channelCount == 1)
    #expect(audio.encoding == .pcm16)
    let seconds = Double(audio.frameCount) / Double(audio.sampleRate)
    #expect(seconds > 1 && seconds < 10, "\(seconds) s")
    #expect(AudioLevel.dBFS(audio.samples) > -35, "speech, not silence")
    // At the call's rate for the media layer.
    let telephone = audio.telephoneSamples()
    #expect(abs(Double(telephone.count) / 8000 - seconds) < 0.01)

    let modified = try FileManager.default.attributesOfItem(atPath: first.path)[.modificationDate] as? Date
    let again = try await synthesizer.synthesize("Press one for sales, two for support.")
    #expect(again == SynthesizedSpeech(path: first.path, fromCache: true))
    #expect(
      try FileManager.default.attributesOfItem(atPath: first.path)[.modificationDate] as? Date == modified)

    let german = try await synthesizer.synthesize("Press one for sales, two for support.", voice: "de")
    #expect(german.path != first.path && !german.fromCache)

    do {
      _ = try await synthesizer.synthesize("hello", voice: "xx-nonexistent")
      Issue.record("an unknown voice was accepted")
    } catch {
      #expect(error.code == .synthesisFailed)
      #expect(error.message.contains("voice"), "\(error)")
    }
  }

  @Test func defaultCacheDirectoryFollowsXDG() {
    #expect(
      SpeechSynthesizer.defaultCacheDirectory(environment: ["XDG_CACHE_HOME": "/x", "HOME": "/h"])
        == "/x/sipscript/speech")
    #expect(
      SpeechSynthesizer.defaultCacheDirectory(environment: ["HOME": "/h"]) == "/h/.cache/sipscript/speech")
    #expect(SpeechSynthesizer.defaultCacheDirectory(environment: [:]).hasSuffix("sipscript-speech"))
  }

  // MARK: Cache bound

  private static func file(_ name: String, bytes: Int, used: Int) -> SpeechSynthesizer.CacheFile {
    SpeechSynthesizer.CacheFile(path: name, bytes: bytes, used: timespec(tv_sec: used, tv_nsec: 0))
  }

  @Test func evictionRemovesTheLeastRecentlyUsedFirst() {
    let files = [
      Self.file("c", bytes: 10, used: 3), Self.file("a", bytes: 10, used: 1),
      Self.file("b", bytes: 10, used: 2),
      Self.file("d", bytes: 10, used: 4),
    ]
    typealias Limit = SpeechSynthesizer.CacheLimit
    #expect(SpeechSynthesizer.evictionOrder(files, limit: Limit(entries: 4, bytes: 40), keeping: nil).isEmpty)
    #expect(
      SpeechSynthesizer.evictionOrder(files, limit: Limit(entries: 2, bytes: 1000), keeping: nil) == [
        "a", "b",
      ])
    // Bytes: 25 allowed, so two files of 10 stay.
    #expect(
      SpeechSynthesizer.evictionOrder(files, limit: Limit(entries: 100, bytes: 25), keeping: nil) == [
        "a", "b",
      ])
    // The file just made stays even when it is the oldest by its times.
    #expect(
      SpeechSynthesizer.evictionOrder(files, limit: Limit(entries: 2, bytes: 1000), keeping: "a") == [
        "b", "c",
      ])
    // A limit of 0 keeps only that file.
    #expect(
      SpeechSynthesizer.evictionOrder(files, limit: Limit(entries: 0, bytes: 0), keeping: "d") == [
        "a", "b", "c",
      ])
    #expect(SpeechSynthesizer.isCacheName(String(repeating: "0a", count: 32) + ".wav"))
    #expect(!SpeechSynthesizer.isCacheName(String(repeating: "0A", count: 32) + ".wav"))
    #expect(!SpeechSynthesizer.isCacheName(String(repeating: "0a", count: 32) + ".wav.123-4.tmp"))
    #expect(!SpeechSynthesizer.isCacheName("notes.wav"))
  }

  @Test func cacheIsBoundedAndEvictsTheLeastRecentlyUsedFromDisk() async throws {
    let directory = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: directory) }
    var wav = try WAVWriter(sink: InMemoryWAVSink(), sampleRate: 22_050)
    try wav.append([Int16](repeating: 500, count: 1000))
    try Data(wav.sink.bytes).write(to: URL(fileURLWithPath: directory + "/one.wav"))
    let size = wav.sink.bytes.count
    let program = try script("cp '\(directory)/one.wav' \"$2\"", in: directory)
    var synthesizer = SpeechSynthesizer(cacheDirectory: directory + "/cache", executable: program)
    synthesizer.cacheLimit = .init(entries: 2, bytes: 1 << 30)
    // Someone else's file in the directory is neither counted nor removed.
    try FileManager.default.createDirectory(atPath: directory + "/cache", withIntermediateDirectories: true)
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: directory + "/cache/notes.txt"))
    func cached() throws -> Set<String> {
      Set(
        try FileManager.default.contentsOfDirectory(atPath: directory + "/cache").filter {
          $0.hasSuffix(".wav")
        })
    }
    func name(_ text: String) -> String {
      String(synthesizer.cachePath(text: text).split(separator: "/").last!)
    }
    // File times are as coarse as the kernel's tick (up to 10 ms): each use lands on a later one.
    func say(_ text: String) async throws -> SynthesizedSpeech {
      try await Task.sleep(for: .milliseconds(25))
      return try await synthesizer.synthesize(text)
    }
    _ = try await say("one")
    _ = try await say("two")
    #expect(try cached() == [name("one"), name("two")])
    _ = try await say("three")
    #expect(try cached() == [name("two"), name("three")])  // "one" was the least recently used
    // A hit makes "two" the most recent: "three" goes next.
    #expect(try await say("two").fromCache)
    _ = try await say("four")
    #expect(try cached() == [name("two"), name("four")])
    // An evicted text is made again.
    #expect(try await say("one").fromCache == false)
    #expect(try cached() == [name("four"), name("one")])
    #expect(FileManager.default.fileExists(atPath: directory + "/cache/notes.txt"))

    // Bytes: room for one file and a half keeps one.
    synthesizer.cacheLimit = .init(entries: 100, bytes: size + size / 2)
    _ = try await say("five")
    #expect(try cached() == [name("five")])
    #expect(synthesizer.pruneCache().isEmpty)
  }
}
