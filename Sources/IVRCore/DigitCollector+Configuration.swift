extension DigitCollector {
  /// The options of `call:gather{…}`, already converted from Lua values. Defaults follow TwiML's
  /// `<Gather>` (5 s timeout, `#` terminator) and FreeSWITCH's `play_and_get_digits` (at most 128
  /// digits).
  public struct Configuration {
    /// Whether there is a `prompt` to play at the start of each attempt.
    public var hasPrompt: Bool = false
    /// Whether there is an `invalid_prompt` to play after a refused entry.
    public var hasInvalidPrompt: Bool = false
    /// `min`: fewest digits accepted (0 lets a lone terminator be an answer).
    public var minDigits: Int = 1
    /// `max`: the entry ends as soon as this many digits are in.
    public var maxDigits: Int = 128
    /// `first_digit`: wait for the first digit, counted from the end of the prompt.
    public var firstDigitTimeout: Duration = .seconds(5)
    /// `inter_digit`: wait for each next digit; nil means the same as ``firstDigitTimeout``.
    public var interDigitTimeout: Duration?
    /// `total`: cap on the whole gather, prompts and all tries included; nil for none.
    public var totalTimeout: Duration?
    /// `terminators`: keys that end an entry and are not part of it.
    public var terminators: Set<Character> = ["#"]
    /// `tries`: attempts in all, the first one included.
    public var tries: Int = 1
    /// `barge_in`: a digit during the prompt stops it and counts.
    public var bargeIn: Bool = true
    /// `valid`: the caller's check of a complete entry (the Lua layer passes a Lua pattern match).
    /// Called at most once per attempt, only for entries that have at least `min` digits.
    public var valid: ((String) -> Bool)?

    /// The most digits a gather takes (FreeSWITCH's `play_and_get_digits` limit).
    public static let digitLimit = 128
    /// The most tries.
    public static let triesLimit = 100
    /// The longest timeout accepted.
    public static let timeoutLimit: Duration = .seconds(86_400)

    public init() {}

    /// The inter-digit timeout in force.
    public var effectiveInterDigitTimeout: Duration { interDigitTimeout ?? firstDigitTimeout }

    /// Checks the options; the error names the Lua option at fault.
    public func validate() throws(GatherConfigurationError) {
      guard (0...Self.digitLimit).contains(minDigits) else {
        throw GatherConfigurationError(option: "min", "must be 0...\(Self.digitLimit), not \(minDigits)")
      }
      guard (1...Self.digitLimit).contains(maxDigits) else {
        throw GatherConfigurationError(option: "max", "must be 1...\(Self.digitLimit), not \(maxDigits)")
      }
      guard minDigits <= maxDigits else {
        throw GatherConfigurationError(option: "min", "(\(minDigits)) is greater than max (\(maxDigits))")
      }
      guard (1...Self.triesLimit).contains(tries) else {
        throw GatherConfigurationError(option: "tries", "must be 1...\(Self.triesLimit), not \(tries)")
      }
      for (option, value) in [
        ("first_digit", firstDigitTimeout), ("inter_digit", interDigitTimeout), ("total", totalTimeout),
      ] {
        if let value, value <= .zero || value > Self.timeoutLimit {
          throw GatherConfigurationError(option: option, "must be more than 0 and at most 86400 seconds")
        }
      }
      for key in terminators where Keypad.key(key) == nil {
        throw GatherConfigurationError(option: "terminators", "\"\(key)\" is not a DTMF key (0-9 * # A-D)")
      }
    }
  }
}

/// A `call:gather` option that cannot work; `description` names the option, for the Lua error.
public struct GatherConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
  public var option: String
  public var message: String

  public init(option: String, _ message: String) {
    self.option = option
    self.message = message
  }

  public var description: String { "gather: \(option) \(message)" }
}
