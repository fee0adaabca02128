/// Why a recording ended.
public enum RecordingStopReason: Sendable, Hashable, CustomStringConvertible {
  /// `max_seconds` of audio were recorded (or the guard timer fired).
  case max
  /// `silence_seconds` of silence in a row.
  case silence
  /// A key of `stop_on_dtmf`.
  case dtmf(Character)
  /// The script stopped it.
  case stopped
  /// The call ended.
  case hangup

  /// The string the Lua layer reports: `max`, `silence`, `dtmf`, `stopped`, `hangup`.
  public var name: String {
    switch self {
    case .max: "max"
    case .silence: "silence"
    case .dtmf: "dtmf"
    case .stopped: "stopped"
    case .hangup: "hangup"
    }
  }

  public var description: String {
    if case .dtmf(let key) = self { return "dtmf(\(key))" }
    return name
  }
}

/// What a recording produced.
public struct RecordingResult: Sendable, Hashable, CustomStringConvertible {
  public var reason: RecordingStopReason
  /// Samples written to the file.
  public var samples: Int
  public var sampleRate: Int
  /// Whether any frame was above the silence threshold.
  public var heardSound: Bool
  /// Samples received but not written: the trailing silence cut when silence ended the recording,
  /// 0 otherwise.
  public var trimmedSamples: Int

  public init(
    reason: RecordingStopReason, samples: Int, sampleRate: Int, heardSound: Bool, trimmedSamples: Int
  ) {
    self.reason = reason
    self.samples = samples
    self.sampleRate = sampleRate
    self.heardSound = heardSound
    self.trimmedSamples = trimmedSamples
  }

  /// Seconds in the file (`recording.seconds` in Lua).
  public var seconds: Double { sampleRate > 0 ? Double(samples) / Double(sampleRate) : 0 }

  public var description: String {
    "\(reason) after \(seconds) s (\(samples) samples, \(trimmedSamples) trimmed)"
  }
}

/// A `call:record` option that cannot work; `description` names the option, for the Lua error.
public struct RecordingConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
  public var option: String
  public var message: String

  public init(option: String, _ message: String) {
    self.option = option
    self.message = message
  }

  public var description: String { "record: \(option) \(message)" }
}
