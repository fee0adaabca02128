import Testing

@testable import RTPCore

@Suite struct ToneGeneratorTests {
  @Test func phaseIsContinuousAcrossFrames() {
    var framed = ToneGenerator(frequencies: [697, 1209], amplitude: 8000)
    var whole = framed
    let frames = (0..<50).flatMap { _ in framed.nextFrame(count: 160) }
    let once = whole.nextFrame(count: 8000)
    // Renormalization per frame may move the last bit; nothing more.
    let worst = zip(frames, once).map { abs(Int($0) - Int($1)) }.max() ?? 0
    #expect(worst <= 1)
  }

  @Test func sineValuesAndAmplitude() {
    var tone = ToneGenerator(frequencies: [1000], amplitude: 10000)
    let samples = tone.nextFrame(count: 8)
    // 1000 Hz at 8 kHz: 8 samples per period, starting at sin(0).
    #expect(samples == [0, 7071, 10000, 7071, 0, -7071, -10000, -7071])
    // Long run: amplitude does not drift.
    for _ in 0..<3000 { _ = tone.nextFrame(count: 160) }
    let later = tone.nextFrame(count: 160)
    #expect((9998...10000).contains(later.map { abs(Int($0)) }.max() ?? 0))
  }

  @Test func dtmfKeysUseQ23Frequencies() throws {
    for key in DTMF.keys {
      var tone = try #require(ToneGenerator.dtmf(key: key))
      let frequencies = try #require(DTMF.frequencies(for: key))
      let samples = tone.nextFrame(count: 800)
      let expected = DTMF.amplitude(dBm0: -10)
      let expectedPower = expected * expected / 2
      #expect(abs(TestSignals.power(of: frequencies.low, in: samples) / expectedPower - 1) < 0.05)
      #expect(abs(TestSignals.power(of: frequencies.high, in: samples) / expectedPower - 1) < 0.05)
    }
    #expect(DTMF.frequencies(for: "1")! == (697, 1209))
    #expect(DTMF.frequencies(for: "D")! == (941, 1633))
    #expect(DTMF.frequencies(for: "0")! == (941, 1336))
    #expect(DTMF.frequencies(for: "x") == nil)
    #expect(ToneGenerator.dtmf(key: "?") == nil)
  }

  @Test func clipsInsteadOfWrapping() {
    var tone = ToneGenerator(frequencies: [1000, 1000], amplitude: 30000)
    let samples = tone.nextFrame(count: 8)
    #expect(samples[2] == 32767)
    #expect(samples[6] == -32768)
  }
}
