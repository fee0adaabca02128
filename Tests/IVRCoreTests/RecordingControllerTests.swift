import IVRCore
import RTPCore
import Testing

/// 20 ms frames at 8 kHz.
private let frame = 160

/// `count` samples of a 400 Hz sine at `level` dBFS (AES17: a full-scale sine is 0 dBFS).
private func tone(dBFS level: Double, samples count: Int) -> [Int16] {
  var generator = ToneGenerator(frequencies: [400], amplitude: AudioLevel.sineAmplitude(dBFS: level))
  return generator.nextFrame(count: count)
}

/// Pseudo-random noise at about `level` dBFS (uniform, so RMS = peak / √3).
private func noise(dBFS level: Double, samples count: Int, seed: UInt64 = 1) -> [Int16] {
  var state = seed
  let peak = AudioLevel.sineAmplitude(dBFS: level) / 2.0.squareRoot() * 3.0.squareRoot()
  return (0..<count).map { _ in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    let uniform = Double(state >> 11) / Double(1 << 53) * 2 - 1
    return Int16((uniform * peak).rounded())
  }
}

private func seconds(_ value: Double) -> Int { Int(value * 8000) }

/// Runs a recording over `audio` cut in frames of `frameSize`; returns the samples written, the
/// result and how many samples had been fed when it ended.
private func record(
  _ audio: [Int16], frameSize: Int = frame, configure: (inout RecordingController.Configuration) -> Void
) throws -> (written: [Int16], result: RecordingResult?, fed: Int) {
  var configuration = RecordingController.Configuration()
  configure(&configuration)
  var controller = try RecordingController(configuration)
  var written: [Int16] = []
  var result: RecordingResult?
  var fed = 0
  func apply(_ actions: [RecordingController.Action]) {
    for action in actions {
      switch action {
      case .write(let samples): written += samples
      case .finish(let outcome): result = outcome
      case .arm, .cancel: break
      }
    }
  }
  apply(controller.handle(.start))
  for start in stride(from: 0, to: audio.count, by: frameSize) where result == nil {
    let chunk = Array(audio[start..<min(start + frameSize, audio.count)])
    fed += chunk.count
    apply(controller.handle(.audio(chunk)))
  }
  return (written, result, fed)
}

@Suite struct RecordingControllerTests {
  @Test func levelsAreDBFSWithTheSineReference() {
    let fullScale = tone(dBFS: 0, samples: 8000).map { $0 == Int16.min ? Int16.min + 1 : $0 }
    #expect(abs(AudioLevel.dBFS(fullScale)) < 0.05)
    #expect(abs(AudioLevel.dBFS(tone(dBFS: -20, samples: 1600)) + 20) < 0.05)
    #expect(abs(AudioLevel.dBFS(noise(dBFS: -30, samples: 8000)) + 30) < 0.2)
    #expect(AudioLevel.dBFS([Int16](repeating: 0, count: 160)) == -.infinity)
    #expect(AudioLevel.dBFS([]) == -.infinity)
    let square = [Int16](repeating: 32767, count: 80) + [Int16](repeating: -32768, count: 80)
    #expect(abs(AudioLevel.dBFS(square) - 3.01) < 0.01)
  }

  @Test func thresholdIsMinus40DBFS() throws {
    #expect(RecordingController.Configuration().silenceThreshold == -40)
    // 1 s at −39 dBFS never counts as silence; 1 s at −41 dBFS does.
    let loud = try record(tone(dBFS: -39, samples: seconds(1.5))) { $0.silenceDuration = .seconds(1) }
    #expect(loud.result == nil)
    #expect(loud.written.count == seconds(1.5))
    let quiet = try record(tone(dBFS: -41, samples: seconds(1.5))) { $0.silenceDuration = .seconds(1) }
    #expect(quiet.result?.reason == .silence)
    #expect(quiet.result?.heardSound == false)
    // Line noise at −55 dBFS is silence; speech-level tone at −26 dBFS is sound.
    let line = try record(noise(dBFS: -55, samples: seconds(2))) { $0.silenceDuration = .seconds(1) }
    #expect(line.result?.reason == .silence)
  }

  @Test func maxCutsTheRecordingToTheSample() throws {
    // Frames of 150 samples: 2 s = 16000 samples is not a multiple, the last frame is cut.
    let audio = tone(dBFS: -20, samples: seconds(3))
    let run = try record(audio, frameSize: 150) { $0.maxDuration = .seconds(2) }
    #expect(run.result?.reason == .max)
    #expect(run.result?.samples == 16_000)
    #expect(run.result?.seconds == 2)
    #expect(run.written == Array(audio[..<16_000]))
    #expect(run.result?.trimmedSamples == 0)
  }

  @Test func trailingSilenceIsTrimmedToHalfASecond() throws {
    let speech = tone(dBFS: -20, samples: seconds(1))
    let audio = speech + [Int16](repeating: 0, count: seconds(3))
    let run = try record(audio) { $0.silenceDuration = .seconds(2) }
    #expect(run.result?.reason == .silence)
    #expect(run.fed == seconds(3))  // stopped once 2 s of silence were in
    #expect(run.written == Array(audio[..<seconds(1.5)]))
    #expect(run.result?.seconds == 1.5)
    #expect(run.result?.trimmedSamples == seconds(1.5))
    #expect(run.result?.heardSound == true)
  }

  @Test func pausesShorterThanSilenceSecondsAreKept() throws {
    let audio =
      tone(dBFS: -20, samples: seconds(1)) + [Int16](repeating: 0, count: seconds(1.5))
      + tone(dBFS: -25, samples: seconds(1)) + noise(dBFS: -60, samples: seconds(3))
    let run = try record(audio) { $0.silenceDuration = .seconds(2) }
    #expect(run.result?.reason == .silence)
    #expect(run.written == Array(audio[..<seconds(4)]))
    #expect(run.result?.seconds == 4)
  }

  @Test func silenceCountsFromTheStart() throws {
    let run = try record([Int16](repeating: 0, count: seconds(5))) { $0.silenceDuration = .seconds(2) }
    #expect(run.result?.reason == .silence)
    #expect(run.fed == seconds(2))
    #expect(run.result?.seconds == 0.5)
    #expect(run.result?.heardSound == false)

    // Leading silence before speech is kept whole.
    let audio = [Int16](repeating: 0, count: seconds(1.5)) + tone(dBFS: -20, samples: seconds(1))
    let leading = try record(audio) { $0.silenceDuration = .seconds(2) }
    #expect(leading.result == nil)
    #expect(leading.written == audio)
  }

  @Test func keptSilenceNeverExceedsSilenceSeconds() throws {
    let audio = tone(dBFS: -20, samples: seconds(1)) + [Int16](repeating: 0, count: seconds(1))
    let run = try record(audio) { $0.silenceDuration = .milliseconds(300) }
    #expect(run.result?.reason == .silence)
    #expect(run.result?.samples == seconds(1.3))
  }

  @Test func stopKeysEndTheRecordingAndOtherKeysDoNot() throws {
    var configuration = RecordingController.Configuration()
    configuration.stopKeys = ["#", "d"]
    configuration.silenceDuration = .seconds(5)
    var controller = try RecordingController(configuration)
    _ = controller.handle(.start)
    var written = 0
    for chunk in [tone(dBFS: -20, samples: seconds(1)), [Int16](repeating: 0, count: seconds(2))] {
      for action in controller.handle(.audio(chunk)) {
        if case .write(let samples) = action { written += samples.count }
      }
    }
    #expect(controller.handle(.digit("1")).isEmpty)
    let actions = controller.handle(.digit("D"))
    // The silence held back (past the first 0.5 s) is written: a DTMF stop trims nothing.
    for action in actions { if case .write(let samples) = action { written += samples.count } }
    guard case .finish(let result) = actions.last else {
      Issue.record("no finish in \(actions)")
      return
    }
    #expect(result.reason == .dtmf("D"))
    #expect(result.reason.name == "dtmf")
    #expect(written == seconds(3))
    #expect(result.samples == seconds(3))
    #expect(result.trimmedSamples == 0)

    var none = try RecordingController(RecordingController.Configuration())
    _ = none.handle(.start)
    #expect(none.handle(.digit("#")).isEmpty)
  }

  @Test func stopAndHangupKeepEverything() throws {
    for (event, reason) in [
      (RecordingController.Event.stop, RecordingStopReason.stopped), (.hangup, .hangup),
    ] {
      var configuration = RecordingController.Configuration()
      configuration.silenceDuration = .seconds(10)
      var controller = try RecordingController(configuration)
      _ = controller.handle(.start)
      var written: [Int16] = []
      let audio = tone(dBFS: -20, samples: seconds(0.2)) + [Int16](repeating: 0, count: seconds(2))
      for action in controller.handle(.audio(audio)) + controller.handle(event) {
        if case .write(let samples) = action { written += samples }
        if case .finish(let result) = action {
          #expect(result.reason == reason)
          #expect(result.samples == audio.count)
        }
      }
      #expect(written == audio)
      #expect(controller.isFinished)
      #expect(controller.handle(.audio(audio)).isEmpty)
      #expect(controller.handle(.stop).isEmpty)
    }
  }

  @Test func guardTimerEndsARecordingWithoutAudio() throws {
    var configuration = RecordingController.Configuration()
    configuration.maxDuration = .seconds(10)
    var controller = try RecordingController(configuration)
    let start = controller.handle(.start)
    guard case .arm(let id, let after) = start.first, start.count == 1 else {
      Issue.record("expected one timer, got \(start)")
      return
    }
    #expect(after == .seconds(11))
    #expect(controller.handle(.start).isEmpty)
    #expect(controller.handle(.timerFired(IVRTimerID(rawValue: id.rawValue + 1))).isEmpty)
    _ = controller.handle(.audio(tone(dBFS: -20, samples: seconds(1))))
    let actions = controller.handle(.timerFired(id))
    #expect(
      actions == [
        .finish(
          RecordingResult(reason: .max, samples: 8000, sampleRate: 8000, heardSound: true, trimmedSamples: 0))
      ])

    // Any other ending cancels the guard timer.
    var other = try RecordingController(configuration)
    _ = other.handle(.start)
    let end = other.handle(.hangup)
    #expect(end.first == .cancel(id))

    var unlimited = RecordingController.Configuration()
    unlimited.maxDuration = nil
    var noGuard = try RecordingController(unlimited)
    #expect(noGuard.handle(.start).isEmpty)
  }

  @Test func silenceWinsATieWithMax() throws {
    let audio = tone(dBFS: -20, samples: seconds(1)) + [Int16](repeating: 0, count: seconds(1))
    let run = try record(audio, frameSize: seconds(1)) {
      $0.maxDuration = .seconds(2)
      $0.silenceDuration = .seconds(1)
    }
    #expect(run.result?.reason == .silence)
    #expect(run.result?.samples == seconds(1.5))
  }

  @Test func nothingCountsBeforeStart() throws {
    var controller = try RecordingController(RecordingController.Configuration())
    #expect(controller.handle(.audio(tone(dBFS: -20, samples: 160))).isEmpty)
    #expect(controller.handle(.digit("#")).isEmpty)
    let actions = controller.handle(.hangup)
    #expect(
      actions == [
        .finish(
          RecordingResult(reason: .hangup, samples: 0, sampleRate: 8000, heardSound: false, trimmedSamples: 0)
        )
      ])
    #expect(controller.handle(.start).isEmpty)
  }

  @Test func impossibleOptionsAreRefused() {
    func error(_ configure: (inout RecordingController.Configuration) -> Void) -> String? {
      var configuration = RecordingController.Configuration()
      configure(&configuration)
      do {
        _ = try RecordingController(configuration)
        return nil
      } catch {
        return error.option
      }
    }
    #expect(error { $0.maxDuration = .zero } == "max_seconds")
    #expect(error { $0.silenceDuration = .seconds(-1) } == "silence_seconds")
    #expect(error { $0.silenceThreshold = .nan } == "silence threshold")
    #expect(error { $0.silenceThreshold = 3 } == "silence threshold")
    #expect(error { $0.stopKeys = ["x"] } == "stop_on_dtmf")
    #expect(error { $0.sampleRate = 0 } == "sample rate")
    #expect(error { $0.stopKeys = Set("0123456789*#abcd") } == nil)
  }

  @Test func writesMakeAWAVFileOfTheReportedLength() throws {
    var configuration = RecordingController.Configuration()
    configuration.silenceDuration = .seconds(1)
    var controller = try RecordingController(configuration)
    var writer = try WAVWriter(sink: InMemoryWAVSink())
    var result: RecordingResult?
    _ = controller.handle(.start)
    let audio = tone(dBFS: -18, samples: seconds(0.7)) + noise(dBFS: -50, samples: seconds(2))
    for start in stride(from: 0, to: audio.count, by: frame) where result == nil {
      for action in controller.handle(.audio(Array(audio[start..<min(start + frame, audio.count)]))) {
        switch action {
        case .write(let samples): try writer.append(samples)
        case .finish(let outcome): result = outcome
        case .arm, .cancel: break
        }
      }
    }
    let file = try WAVAudio(parsing: writer.sink.bytes)
    #expect(result?.reason == .silence)
    #expect(Double(file.frameCount) / 8000 == result?.seconds)
    #expect(file.samples == Array(audio[..<seconds(1.2)]))
  }
}
