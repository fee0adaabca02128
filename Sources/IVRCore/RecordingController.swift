/// The state machine behind `call:record(file, {max_seconds, silence_seconds, stop_on_dtmf})`:
/// audio frames, digits and timer firings in; which samples to write, and when and why to stop,
/// out. The driver owns the WAV file (``RTPCore/WAVWriter``) and writes exactly the samples of the
/// ``Action/write(_:)`` actions, in order, then closes the file on ``Action/finish(_:)``.
///
/// Rules:
/// 1. Every frame received is recorded, except the trailing silence that ends a recording on
///    `silence_seconds`: of that silent run only the first ``Configuration/keptSilence`` (0.5 s)
///    stays, so the fade of the last word is not cut and the file does not end in seconds of
///    nothing. Leading silence and pauses shorter than `silence_seconds` are kept; a stop for
///    any other reason trims nothing.
/// 2. A frame is silent when its level is below ``Configuration/silenceThreshold`` (−40 dBFS by
///    default, AES17 reference, see ``AudioLevel``): between FreeSWITCH's and Asterisk's default
///    energy thresholds, about 15 dB under quiet speech (ITU-T P.56 nominal −26 dBov) and above
///    the line and room noise of phones (−50 dBFS and lower). One loud frame ends a silent run.
/// 3. Silence is counted from the start: a caller who says nothing for `silence_seconds` ends the
///    recording (as Asterisk's and TwiML's Record do). ``RecordingResult/heardSound`` tells
///    whether any frame was loud.
/// 4. `max_seconds` caps the audio recorded, to the sample: the frame that crosses it is cut. As a
///    guard for a stream that stops delivering frames, a timer of `max_seconds` + 1 s ends the
///    recording too (reason `max`). When one frame reaches both limits, `silence` wins.
/// 5. A key in ``Configuration/stopKeys`` (`stop_on_dtmf`) ends the recording at once; other keys
///    are ignored. An explicit stop and a hangup end it at once; nothing received is dropped.
///
/// Frames are expected at 20 ms (160 samples at 8 kHz), but any size works: silence is measured
/// per frame, so the size is the granularity. Not thread-safe; one per recording.
public struct RecordingController: Sendable {
  public struct Configuration: Sendable, Hashable {
    /// Samples per second of the frames.
    public var sampleRate: Int = 8000
    /// `max_seconds`; nil for no limit other than the WAV format's own.
    public var maxDuration: Duration? = .seconds(3600)
    /// `silence_seconds`; nil to never stop on silence.
    public var silenceDuration: Duration?
    /// Frames below this level (dBFS, AES17) are silent.
    public var silenceThreshold: Double = -40
    /// How much of the final silent run is kept when silence ends the recording.
    public var keptSilence: Duration = .milliseconds(500)
    /// `stop_on_dtmf`: `true` is all sixteen keys, a string is its keys; empty for none.
    public var stopKeys: Set<Character> = []
    /// Extra time the guard timer allows past `maxDuration` for late frames.
    public var guardMargin: Duration = .seconds(1)

    public init() {}

    /// Checks the options; the error names the Lua option at fault.
    public func validate() throws(RecordingConfigurationError) {
      guard (1000...768_000).contains(sampleRate) else {
        throw RecordingConfigurationError(option: "sample rate", "must be 1000...768000, not \(sampleRate)")
      }
      if let maxDuration, maxDuration <= .zero || maxDuration > .seconds(86_400) {
        throw RecordingConfigurationError(option: "max_seconds", "must be more than 0 and at most 86400")
      }
      if let silenceDuration, silenceDuration <= .zero || silenceDuration > .seconds(3600) {
        throw RecordingConfigurationError(option: "silence_seconds", "must be more than 0 and at most 3600")
      }
      guard silenceThreshold.isFinite, silenceThreshold <= 0 else {
        throw RecordingConfigurationError(option: "silence threshold", "must be a dBFS level at most 0")
      }
      guard keptSilence >= .zero, guardMargin >= .zero else {
        throw RecordingConfigurationError(option: "kept silence", "must not be negative")
      }
      for key in stopKeys where Keypad.key(key) == nil {
        throw RecordingConfigurationError(
          option: "stop_on_dtmf", "\"\(key)\" is not a DTMF key (0-9 * # A-D)")
      }
    }
  }

  public enum Event: Sendable, Hashable {
    /// Begin: arms the guard timer.
    case start
    /// One frame of received audio, 16-bit linear at ``Configuration/sampleRate``.
    case audio([Int16])
    /// A key press.
    case digit(Character)
    case timerFired(IVRTimerID)
    /// The script stopped the recording.
    case stop
    /// The call ended.
    case hangup
  }

  public enum Action: Sendable, Hashable {
    /// Append these samples to the file.
    case write([Int16])
    case arm(IVRTimerID, after: Duration)
    case cancel(IVRTimerID)
    /// The recording is over: close the file. Nothing follows.
    case finish(RecordingResult)
  }

  public let configuration: Configuration
  private let maxSamples: Int?
  private let silenceSamples: Int?
  private let keptSilenceSamples: Int
  private let thresholdPower: Double
  private var started = false
  private var finished = false
  private var guardTimer: IVRTimerID?
  /// Samples taken from frames (written or held).
  private var received = 0
  private var written = 0
  /// Silent samples in a row, up to now.
  private var silentRun = 0
  /// Silent samples past the kept part of the run, not yet written.
  private var held: [Int16] = []
  private var heardSound = false

  public init(_ configuration: Configuration) throws(RecordingConfigurationError) {
    try configuration.validate()
    var normalized = configuration
    normalized.stopKeys = Set(configuration.stopKeys.compactMap(Keypad.key))
    self.configuration = normalized
    let rate = configuration.sampleRate
    maxSamples = configuration.maxDuration.map { Self.samples($0, rate: rate) }
    silenceSamples = configuration.silenceDuration.map { max(Self.samples($0, rate: rate), 1) }
    keptSilenceSamples = min(
      Self.samples(configuration.keptSilence, rate: rate), silenceSamples ?? Int.max)
    thresholdPower = AudioLevel.meanPower(dBFS: configuration.silenceThreshold)
  }

  /// Whole samples in `duration` at `rate` (rounded down).
  static func samples(_ duration: Duration, rate: Int) -> Int {
    let (seconds, attoseconds) = duration.components
    return Int(seconds) * rate + Int(Double(attoseconds) * Double(rate) / 1e18)
  }

  public var isFinished: Bool { finished }

  public mutating func handle(_ event: Event) -> [Action] {
    guard !finished else { return [] }
    var actions: [Action] = []
    switch event {
    case .start:
      guard !started else { break }
      started = true
      if let max = configuration.maxDuration {
        let id = IVRTimerID(rawValue: 1)
        guardTimer = id
        actions.append(.arm(id, after: max + configuration.guardMargin))
      }
    case .audio(let frame):
      guard started else { break }
      audio(frame, &actions)
    case .digit(let character):
      guard started, let key = Keypad.key(character), configuration.stopKeys.contains(key) else { break }
      finish(.dtmf(key), &actions)
    case .timerFired(let id):
      guard id == guardTimer else { break }
      guardTimer = nil
      finish(.max, &actions)
    case .stop:
      finish(.stopped, &actions)
    case .hangup:
      finish(.hangup, &actions)
    }
    return actions
  }

  private mutating func audio(_ frame: [Int16], _ actions: inout [Action]) {
    var frame = frame
    if let maxSamples, received + frame.count > maxSamples {
      frame.removeLast(received + frame.count - maxSamples)
    }
    guard !frame.isEmpty else { return }
    received += frame.count
    let power = frame.withUnsafeBufferPointer { AudioLevel.meanPower($0) }
    if power >= thresholdPower {
      heardSound = true
      flushHeld(&actions)
      silentRun = 0
      write(frame, &actions)
    } else {
      let keepable = max(0, keptSilenceSamples - silentRun)
      silentRun += frame.count
      if keepable >= frame.count {
        write(frame, &actions)
      } else {
        if keepable > 0 { write(Array(frame[..<keepable]), &actions) }
        held.append(contentsOf: frame[keepable...])
      }
      if let silenceSamples, silentRun >= silenceSamples {
        // The end of rule 1: the held part of the run is the trimmed silence.
        held.removeAll()
        finish(.silence, &actions)
        return
      }
    }
    if let maxSamples, received >= maxSamples { finish(.max, &actions) }
  }

  private mutating func write(_ samples: [Int16], _ actions: inout [Action]) {
    written += samples.count
    actions.append(.write(samples))
  }

  private mutating func flushHeld(_ actions: inout [Action]) {
    guard !held.isEmpty else { return }
    let samples = held
    held.removeAll()
    write(samples, &actions)
  }

  private mutating func finish(_ reason: RecordingStopReason, _ actions: inout [Action]) {
    if reason != .silence { flushHeld(&actions) }
    if let id = guardTimer { actions.append(.cancel(id)) }
    guardTimer = nil
    finished = true
    actions.append(
      .finish(
        RecordingResult(
          reason: reason, samples: written, sampleRate: configuration.sampleRate, heardSound: heardSound,
          trimmedSamples: received - written)))
  }
}
