#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// An in-band DTMF detector: Goertzel filters on 20 ms blocks, with the acceptance rules of
/// ITU-T Q.24 and a key-press state machine that reports each press once.
///
/// Per block of ``Configuration/blockSize`` samples (160 = 20 ms at 8 kHz):
/// 1. Goertzel power at the eight Q.23 frequencies; the strongest row and column are candidates,
///    and every other tone of its group must be ``Configuration/relativePeak`` dB weaker.
/// 2. Level: each tone at least ``Configuration/minimumLevel`` dBm0.
/// 3. Twist: the column tone at most ``Configuration/reverseTwist`` dB above the row tone, the row
///    tone at most ``Configuration/normalTwist`` dB above the column tone.
/// 4. Frequency: a fine Goertzel scan (±5 % in 0.5 % steps, parabolic peak interpolation)
///    estimates each tone's real frequency; it must lie within ``Configuration/frequencyTolerance``
///    (2.5 %, midway between Q.24's "accept ±1.5 %" and "reject ±3.5 %").
/// 5. Purity: the two tones must carry ``Configuration/minimumToneShare`` of the block's power,
///    which speech and music (many harmonics) do not.
///
/// A key is reported after ``Configuration/minimumBlocks`` consecutive blocks agree (40 ms); it is
/// then held until ``Configuration/releaseBlocks`` blocks pass without it (the hangover), so a
/// 100 ms tone, even with a disturbed block in the middle, gives one digit.
///
/// Sans-I/O: samples in (any chunk size), detections out, positions in samples since the start.
/// Not thread-safe; one per stream.
public struct DTMFDetector: Sendable {
  public struct Configuration: Hashable, Sendable {
    public var sampleRate: Double = 8000
    public var blockSize: Int = 160
    public var minimumBlocks: Int = 2
    public var releaseBlocks: Int = 2
    /// dBm0 per tone (Q.24 accepts down to about −25 dBm0 depending on the administration).
    public var minimumLevel: Double = -30
    /// Row louder than column, dB.
    public var normalTwist: Double = 8
    /// Column louder than row, dB.
    public var reverseTwist: Double = 4
    /// Relative deviation accepted between measured and nominal frequency.
    public var frequencyTolerance: Double = 0.025
    /// Other tones of a group must be this many dB below the strongest.
    public var relativePeak: Double = 6
    /// Fraction of the block's power that the two tones must carry.
    public var minimumToneShare: Double = 0.7

    public init() {}
  }

  /// A key press, reported once.
  public struct Detection: Hashable, Sendable {
    public var key: Character
    /// Sample index (since the detector started) of the first block in which the key was seen.
    public var start: Int
  }

  /// The end of a key press: the tone was seen from `start` for `length` samples (whole blocks,
  /// from the first block of the detection to the last block that still had the key).
  public struct Release: Hashable, Sendable {
    public var key: Character
    public var start: Int
    public var length: Int
  }

  public let configuration: Configuration
  private var heldStart = 0
  private var heldEnd = 0
  private var releases: [Release] = []
  private var block: [Float]
  private var filled = 0
  private var blockStart = 0
  private var candidate: Character?
  private var candidateStart = 0
  private var candidateBlocks = 0
  private var held: Character?
  private var absentBlocks = 0
  private let rowCoefficients: [Float]
  private let columnCoefficients: [Float]
  private let minimumPower: Float

  public init(configuration: Configuration = Configuration()) {
    var configuration = configuration
    configuration.blockSize = max(configuration.blockSize, 32)
    self.configuration = configuration
    block = [Float](repeating: 0, count: configuration.blockSize)
    rowCoefficients = DTMF.rowFrequencies.map { Self.coefficient($0, configuration.sampleRate) }
    columnCoefficients = DTMF.columnFrequencies.map { Self.coefficient($0, configuration.sampleRate) }
    let amplitude = DTMF.amplitude(dBm0: configuration.minimumLevel)
    minimumPower = Float(amplitude * amplitude / 2)
  }

  /// Feeds samples; returns the key presses completed by them.
  public mutating func process(_ samples: UnsafeBufferPointer<Int16>) -> [Detection] {
    var detections: [Detection] = []
    for sample in samples {
      block[filled] = Float(sample)
      filled += 1
      if filled == block.count {
        let key = analyzeBlock()
        if let detection = advance(with: key) { detections.append(detection) }
        blockStart += filled
        filled = 0
      }
    }
    return detections
  }

  /// Feeds samples; returns the key presses completed by them.
  public mutating func process(_ samples: [Int16]) -> [Detection] {
    samples.withUnsafeBufferPointer { process($0) }
  }

  /// The key presses whose tone ended (after the hangover) in the samples fed so far, oldest
  /// first; each is returned once.
  public mutating func takeReleases() -> [Release] {
    guard !releases.isEmpty else { return [] }
    defer { releases.removeAll(keepingCapacity: true) }
    return releases
  }

  // MARK: Key-press state machine

  private mutating func advance(with key: Character?) -> Detection? {
    if let held {
      if key == held {
        absentBlocks = 0
        heldEnd = blockStart + block.count
      } else {
        absentBlocks += 1
        if absentBlocks >= configuration.releaseBlocks {
          releases.append(Release(key: held, start: heldStart, length: heldEnd - heldStart))
          self.held = nil
          candidate = nil
          candidateBlocks = 0
        }
      }
      return nil
    }
    if let key, key == candidate {
      candidateBlocks += 1
    } else {
      candidate = key
      candidateBlocks = key == nil ? 0 : 1
      candidateStart = blockStart
    }
    guard let key = candidate, candidateBlocks >= configuration.minimumBlocks else { return nil }
    held = key
    absentBlocks = 0
    heldStart = candidateStart
    heldEnd = blockStart + block.count
    return Detection(key: key, start: candidateStart)
  }

  // MARK: Block analysis

  private static func coefficient(_ frequency: Double, _ sampleRate: Double) -> Float {
    Float(2 * cos(2 * Double.pi * frequency / sampleRate))
  }

  /// Mean power of the component at the Goertzel coefficient's frequency: 2|X|²/N², which is A²/2
  /// for a sine of amplitude A on the bin, the same scale as the block's mean power.
  private func power(coefficient: Float) -> Float {
    var s1: Float = 0
    var s2: Float = 0
    for sample in block {
      let s0 = sample + coefficient * s1 - s2
      s2 = s1
      s1 = s0
    }
    let squared = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    let count = Float(block.count)
    return 2 * squared / (count * count)
  }

  private func strongest(_ coefficients: [Float]) -> (index: Int, power: Float, runnerUp: Float) {
    var best = (index: 0, power: Float(-1), runnerUp: Float(0))
    for (index, coefficient) in coefficients.enumerated() {
      let value = power(coefficient: coefficient)
      if value > best.power {
        best.runnerUp = max(best.power, 0)
        best = (index, value, best.runnerUp)
      } else {
        best.runnerUp = max(best.runnerUp, value)
      }
    }
    return best
  }

  /// Scans ±5 % around `nominal`; returns the peak power and the relative deviation of the peak,
  /// or nil when the peak is at the edge of the scan (the tone is further off).
  private func fineScan(around nominal: Double) -> (power: Float, deviation: Double)? {
    let steps = 10
    let stepSize = 0.005
    var powers = [Float](repeating: 0, count: 2 * steps + 1)
    var best = 0
    for index in powers.indices {
      let frequency = nominal * (1 + Double(index - steps) * stepSize)
      powers[index] = power(coefficient: Self.coefficient(frequency, configuration.sampleRate))
      if powers[index] > powers[best] { best = index }
    }
    guard best > 0, best < powers.count - 1 else { return nil }
    let left = Double(powers[best - 1])
    let center = Double(powers[best])
    let right = Double(powers[best + 1])
    let denominator = left - 2 * center + right
    let offset = denominator < 0 ? 0.5 * (left - right) / denominator : 0
    return (powers[best], (Double(best - steps) + offset) * stepSize)
  }

  private func analyzeBlock() -> Character? {
    var total: Float = 0
    for sample in block { total += sample * sample }
    let meanPower = total / Float(block.count)
    guard meanPower >= 2 * minimumPower else { return nil }

    let row = strongest(rowCoefficients)
    let column = strongest(columnCoefficients)
    guard row.power >= minimumPower, column.power >= minimumPower else { return nil }
    let peakRatio = Float(pow(10, configuration.relativePeak / 10))
    guard row.runnerUp * peakRatio <= row.power, column.runnerUp * peakRatio <= column.power else {
      return nil
    }
    guard column.power <= row.power * Float(pow(10, configuration.reverseTwist / 10)),
      row.power <= column.power * Float(pow(10, configuration.normalTwist / 10))
    else { return nil }

    guard let rowTone = fineScan(around: DTMF.rowFrequencies[row.index]),
      let columnTone = fineScan(around: DTMF.columnFrequencies[column.index]),
      abs(rowTone.deviation) <= configuration.frequencyTolerance,
      abs(columnTone.deviation) <= configuration.frequencyTolerance
    else { return nil }
    guard rowTone.power + columnTone.power >= Float(configuration.minimumToneShare) * meanPower else {
      return nil
    }
    return DTMF.keypad[row.index][column.index]
  }
}
