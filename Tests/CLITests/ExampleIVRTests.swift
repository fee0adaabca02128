import Foundation
import Testing

/// examples/ivr.lua, examples/answer_machine.lua and examples/echo_bot.lua, each run in its demo
/// mode: the script calls itself over loopback and the test checks what it printed and recorded.
extension CLITests {
  static let espeakInstalled = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    .split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/espeak-ng") }

  func example(_ name: String) -> String {
    Self.repository.appendingPathComponent("examples/\(name)").path
  }

  @Test(.enabled(if: espeakInstalled, "the IVR examples speak with espeak-ng (apt-get install espeak-ng)"))
  func ivrExample() throws {
    let result = try run([example("ivr.lua"), "demo=1"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first?.hasPrefix("listening on udp:127.0.0.1:") == true)
    // The menu key and the account number were typed ahead at once ("21234#") during the greeting.
    #expect(
      Array(lines.dropFirst().prefix(3)) == [
        "ivr: menu\t2\tmax", "ivr: account\t1234\tterminator",
        "caller: account call ended,\ttrue\tremote_bye",
      ])
    #expect(
      Set(lines.dropFirst(4)) == [
        "ivr: menu\t1\tmax", "sales: answered", "ivr: transfer\ttrue\t200",
        "caller: sales call ended,\ttrue\tremote_bye",
      ])
  }

  @Test(.enabled(if: espeakInstalled, "the IVR examples speak with espeak-ng (apt-get install espeak-ng)"))
  func answerMachineExample() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("am-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let result = try run([example("answer_machine.lua"), "demo=1", "dir=\(dir.path)", "silence=1"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.count == 3, "\(result.stdout)")
    #expect(lines.dropFirst().first?.contains(" s recorded (silence) in \(dir.path)/message-") == true)
    #expect(lines.last == "caller: hung up on,\ttrue\tremote_bye")
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
    #expect(files.count == 1)
    // The caller's "message" (a 440 Hz tone played after the greeting and beep) is in the file.
    let wav = try Data(contentsOf: dir.appendingPathComponent(files.first ?? "none"))
    #expect(Self.toneSeconds(wav, frequency: 440) >= 1.0)
  }

  @Test(.enabled(if: espeakInstalled, "the IVR examples speak with espeak-ng (apt-get install espeak-ng)"))
  func echoBotExample() throws {
    let heard = FileManager.default.temporaryDirectory.appendingPathComponent("echo-\(UUID().uuidString).wav")
    defer { try? FileManager.default.removeItem(at: heard) }
    let result = try run([example("echo_bot.lua"), "demo=1", "heard=\(heard.path)"])
    #expect(result.status == 0, "\(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(
      Array(lines.dropFirst().prefix(3)) == [
        "echo_bot: echoing", "echo_bot: key 1 by rfc4733", "echo_bot: key # by info",
      ])
    // The two ends print from their own tasks.
    #expect(
      Set(lines.dropFirst(4)) == [
        "caller: hung up on,\ttrue\tremote_bye", "caller: recorded what came back,\thangup",
        "echo_bot: call ended, local_bye",
      ])
    // The caller heard the bot's beep (800 Hz) and its own 440 Hz tone come back.
    let wav = try Data(contentsOf: heard)
    #expect(Self.toneSeconds(wav, frequency: 800) >= 0.2)
    #expect(Self.toneSeconds(wav, frequency: 440) >= 1.0)
  }

  /// Seconds of 100 ms blocks of a PCM 16-bit 8 kHz mono WAV (44-byte header) in which
  /// `frequency` carries at least a third of the power (Goertzel).
  static func toneSeconds(_ wav: Data, frequency: Double) -> Double {
    guard wav.count > 44 else { return 0 }
    let samples = stride(from: 44, to: wav.count - 1, by: 2).map {
      Double(Int16(bitPattern: UInt16(wav[$0]) | UInt16(wav[$0 + 1]) << 8))
    }
    let coefficient = 2 * cos(2 * Double.pi * frequency / 8000)
    var seconds = 0.0
    var start = 0
    while start + 800 <= samples.count {
      var (s1, s2, energy) = (0.0, 0.0, 0.0)
      for x in samples[start..<(start + 800)] {
        energy += x * x
        (s1, s2) = (x + coefficient * s1 - s2, s1)
      }
      let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
      if energy > 800 * 100 * 100, power / (400 * energy) >= 0.3 { seconds += 0.1 }
      start += 800
    }
    return seconds
  }
}
