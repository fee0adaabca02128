import Testing

@testable import RTPCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

@Suite struct DTMFDetectorTests {
  static let level = DTMF.amplitude(dBm0: -10)

  /// Dual tone of `key` with optional frequency deviations and levels, `ms` long.
  func tone(
    _ key: Character, ms: Int, lowDeviation: Double = 0, highDeviation: Double = 0,
    lowLevel: Double = -10, highLevel: Double = -10
  ) -> [Double] {
    let (low, high) = DTMF.frequencies(for: key)!
    return TestSignals.tones(
      [
        (low * (1 + lowDeviation), DTMF.amplitude(dBm0: lowLevel)),
        (high * (1 + highDeviation), DTMF.amplitude(dBm0: highLevel)),
      ],
      count: ms * 8)
  }

  func detect(_ signal: [Double], chunk: Int = 160) -> [Character] {
    var detector = DTMFDetector()
    let samples = TestSignals.pcm(signal)
    var keys: [Character] = []
    var index = 0
    while index < samples.count {
      let end = min(index + chunk, samples.count)
      keys += detector.process(Array(samples[index..<end])).map(\.key)
      index = end
    }
    return keys
  }

  @Test func everyKeyOnce() {
    for key in DTMF.keys {
      let signal = TestSignals.silence(400) + tone(key, ms: 100) + TestSignals.silence(800)
      #expect(detect(signal) == [key], "key \(key)")
    }
  }

  @Test func aDialledSequenceWithOddChunkSizes() {
    let keys = Array("123A456B789C*0#D")
    let signal = keys.flatMap { tone($0, ms: 70) + TestSignals.silence(480) }
    #expect(detect(signal, chunk: 97) == keys)
  }

  @Test func repeatedKeyNeedsAPause() {
    let signal =
      tone("5", ms: 100) + TestSignals.silence(8 * 60) + tone("5", ms: 100) + TestSignals.silence(800)
    #expect(detect(signal) == ["5", "5"])
  }

  @Test func shortDropoutDoesNotSplitAPress() {
    let signal = tone("9", ms: 60) + TestSignals.silence(80) + tone("9", ms: 60) + TestSignals.silence(800)
    #expect(detect(signal) == ["9"])
  }

  @Test func withNoise() {
    var random = TestSignals.Random(state: 42)
    for key in DTMF.keys {
      // White noise 20 dB below the tone pair.
      let clean = TestSignals.silence(240) + tone(key, ms: 100) + TestSignals.silence(400)
      let noiseAmplitude = Self.level * 0.1 * 3.0.squareRoot()  // uniform: power = a²/3
      let noisy = clean.map { $0 + noiseAmplitude * random.uniform() }
      #expect(detect(noisy) == [key], "key \(key)")
    }
  }

  @Test func acceptsWithinOnePointFivePercent() {
    for key in DTMF.keys {
      for (low, high) in [(0.015, 0.015), (-0.015, -0.015), (0.015, -0.015), (-0.015, 0.015)] {
        let signal = tone(key, ms: 100, lowDeviation: low, highDeviation: high) + TestSignals.silence(400)
        #expect(detect(signal) == [key], "key \(key) \(low) \(high)")
      }
    }
  }

  @Test func rejectsBeyondThreePointFivePercent() {
    for key in DTMF.keys {
      for (low, high) in [
        (0.035, 0.0), (-0.035, 0.0), (0.0, 0.035), (0.0, -0.035), (0.035, 0.035), (-0.035, -0.035),
      ] {
        let signal = tone(key, ms: 100, lowDeviation: low, highDeviation: high) + TestSignals.silence(400)
        #expect(detect(signal).isEmpty, "key \(key) \(low) \(high)")
      }
    }
  }

  @Test func rejectsTooShortTooWeakAndTwisted() {
    #expect(detect(tone("1", ms: 20) + TestSignals.silence(800)).isEmpty)
    #expect(detect(tone("1", ms: 100, lowLevel: -40, highLevel: -40) + TestSignals.silence(800)).isEmpty)
    // Normal twist (row louder) of 6 dB passes, 10 dB does not; reverse twist 3 dB passes, 6 dB not.
    #expect(detect(tone("2", ms: 100, lowLevel: -8, highLevel: -14)) == ["2"])
    #expect(detect(tone("2", ms: 100, lowLevel: -6, highLevel: -16)).isEmpty)
    #expect(detect(tone("2", ms: 100, lowLevel: -12, highLevel: -9)) == ["2"])
    #expect(detect(tone("2", ms: 100, lowLevel: -14, highLevel: -8)).isEmpty)
    // A single tone is not a key.
    #expect(detect(TestSignals.tones([(770, Self.level)], count: 800)).isEmpty)
  }

  @Test func speechLikeHarmonicsDoNotTrigger() {
    // Voiced-speech-like signals: a fundamental 90...300 Hz with 15 harmonics falling 3 dB per
    // harmonic, including fundamentals whose harmonics land on DTMF frequencies (e.g. 139.4 Hz ×
    // 5 = 697 Hz, 241.8 Hz × 5 = 1209 Hz).
    var fundamentals = Array(stride(from: 90.0, through: 300.0, by: 3.0))
    fundamentals += [697.0 / 5, 1209.0 / 5, 770.0 / 4, 1336.0 / 7, 941.0 / 4, 1633.0 / 7]
    for fundamental in fundamentals {
      let harmonics = (1...15).map { (fundamental * Double($0), 12000 * pow(0.708, Double($0 - 1))) }
      let signal = TestSignals.tones(harmonics, count: 8 * 300)
      #expect(detect(signal).isEmpty, "f0 \(fundamental)")
    }
  }

  @Test func chordOfThreeTonesIsRejected() {
    // Two row tones at once: not a valid key.
    let signal = TestSignals.tones([(697, Self.level), (770, Self.level), (1209, Self.level)], count: 800)
    #expect(detect(signal).isEmpty)
  }

  @Test func reportsStartPosition() {
    var detector = DTMFDetector()
    let samples = TestSignals.pcm(TestSignals.silence(800) + tone("#", ms: 100) + TestSignals.silence(800))
    let detections = detector.process(samples)
    #expect(detections.count == 1)
    #expect(detections.first?.start == 800)
  }
}
