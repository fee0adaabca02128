import Foundation
import IVRCore
import NIOCore
import NIOPosix
import RTPCore

@testable import SIPScript

/// Two runtimes on UDP loopback, as in CallLuaTests, and the audio fixtures of the IVR tests.
struct IVRPeers {
  static let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
  var loop: any EventLoop { Self.group.next() }

  /// A UAS script on its own leg and the URI to call it.
  func uas(_ code: String, configure: (@Sendable (CallBinding) -> Void)? = nil) throws -> (
    NetworkScript, String
  ) {
    let script = try NetworkScript(loop: loop, listen: ["udp:127.0.0.1:0"])
    if let configure {
      try loop.submit {
        if let calls = script.binding?.calls { configure(calls) }
      }.wait()
    }
    try script.start(code)
    let deadline = Date().addingTimeInterval(5)
    var port: Int?
    while port == nil, Date() < deadline {
      port = try loop.submit { () -> Int? in script.boundPort }.wait()
      if port == nil { Thread.sleep(forTimeInterval: 0.01) }
    }
    return (script, "sip:ivr@127.0.0.1:\(port ?? 0)")
  }

  func uac(_ code: String) throws -> NetworkScript {
    let script = try NetworkScript(loop: loop)
    try script.start("assert(sip.config{ legs = {'udp:127.0.0.1:0'} })\n" + code)
    return script
  }
}

/// Audio files for the tests, in a temporary directory removed at deinit.
final class AudioFixtures {
  let directory = TemporaryDirectory.make()

  func path(_ name: String) -> String { directory.url.appendingPathComponent(name).path }

  /// A PCM 16-bit WAV of `seconds` of a sine at `frequency`, at any `rate` and channel count.
  func tone(
    _ name: String, frequency: Double, seconds: Double, rate: Int = 8000, channels: Int = 1,
    amplitude: Double = 8000
  ) throws -> String {
    let count = Int(seconds * Double(rate))
    var samples: [Int16] = []
    samples.reserveCapacity(count * channels)
    for index in 0..<count {
      let value = Int16(amplitude * sin(2 * Double.pi * frequency * Double(index) / Double(rate)))
      for _ in 0..<channels { samples.append(value) }
    }
    return try write(name, samples, rate: rate, channels: channels)
  }

  /// DTMF tones (ITU-T Q.23 pairs from RTPCore's ToneGenerator) of `keys`, each `on` seconds
  /// followed by `off` seconds of silence, 8 kHz mono.
  func dtmf(_ name: String, keys: String, on: Double = 0.12, off: Double = 0.12) throws -> String {
    var samples: [Int16] = []
    for key in keys {
      var generator = ToneGenerator.dtmf(key: key)!
      samples += generator.nextFrame(count: Int(on * 8000))
      samples += [Int16](repeating: 0, count: Int(off * 8000))
    }
    return try write(name, samples, rate: 8000, channels: 1)
  }

  func write(_ name: String, _ samples: [Int16], rate: Int, channels: Int) throws -> String {
    var data = Data()
    func le32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    func le16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { data.append(contentsOf: $0) } }
    data.append(contentsOf: Array("RIFF".utf8))
    le32(UInt32(36 + samples.count * 2))
    data.append(contentsOf: Array("WAVEfmt ".utf8))
    le32(16)
    le16(1)
    le16(UInt16(channels))
    le32(UInt32(rate))
    le32(UInt32(rate * channels * 2))
    le16(UInt16(channels * 2))
    le16(16)
    data.append(contentsOf: Array("data".utf8))
    le32(UInt32(samples.count * 2))
    for sample in samples { le16(UInt16(bitPattern: sample)) }
    let file = path(name)
    try data.write(to: URL(fileURLWithPath: file))
    return file
  }
}

extension TemporaryDirectory {
  static func make() -> TemporaryDirectory {
    // A temporary directory that cannot be made is a broken machine, not a test result.
    guard let directory = try? TemporaryDirectory() else { fatalError("no temporary directory") }
    return directory
  }
}

/// A recorded WAV file (sipscript writes PCM 16-bit mono 8 kHz).
struct RecordedWAV {
  var samples: [Int16]
  /// The data size in the header equals the bytes after it: the file was closed properly.
  var headerMatches: Bool

  init(path: String) throws {
    let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let audio = try WAVAudio(parsing: bytes)
    samples = audio.samples
    let declared =
      bytes.count >= 44
      ? Int(bytes[40]) | Int(bytes[41]) << 8 | Int(bytes[42]) << 16 | Int(bytes[43]) << 24 : -1
    headerMatches = declared == bytes.count - 44
  }

  var seconds: Double { Double(samples.count) / 8000 }

  /// Seconds of 100 ms blocks in which `frequency` carries at least `share` of the block's power
  /// (Goertzel), as scripts/interop/check_audio.py measures.
  func secondsWith(_ frequency: Double, share: Double = 0.3) -> Double {
    var seconds = 0.0
    var start = 0
    while start + 800 <= samples.count {
      let block = samples[start..<(start + 800)]
      var energy = 0.0
      let coefficient = 2 * cos(2 * Double.pi * frequency / 8000)
      var s1 = 0.0
      var s2 = 0.0
      for sample in block {
        let x = Double(sample)
        energy += x * x
        let s0 = x + coefficient * s1 - s2
        s2 = s1
        s1 = s0
      }
      let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
      if energy > 800 * 100 * 100, power / (Double(block.count) / 2 * energy) >= share { seconds += 0.1 }
      start += 800
    }
    return seconds
  }

  /// Seconds of 100 ms blocks above −40 dBFS.
  var voicedSeconds: Double {
    var seconds = 0.0
    var start = 0
    while start + 800 <= samples.count {
      if AudioLevel.dBFS(Array(samples[start..<(start + 800)])) > -40 { seconds += 0.1 }
      start += 800
    }
    return seconds
  }
}

/// Whether the espeak-ng program is installed (the real-speech tests need it).
let espeakInstalled = SpeechSynthesizer(cacheDirectory: "/nonexistent").locateExecutable() != nil
