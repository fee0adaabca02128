/// Which recording a ``DigitCollector`` asks its driver to play: the Lua layer maps these to the
/// `prompt` and `invalid_prompt` options (a file, a list of files, or speech).
public enum GatherPrompt: String, Sendable, Hashable {
  case prompt
  case invalidPrompt = "invalid_prompt"
}

/// Why a gather ended; the raw values are the strings `call:gather` returns.
public enum GatherReason: String, Sendable, Hashable {
  /// A terminator key ended an accepted entry.
  case terminator
  /// `max` digits were entered and accepted.
  case max
  /// Time ran out (`first_digit`, `inter_digit` or `total`); the digits are what was accepted, or
  /// empty when nothing was entered.
  case timeout
  /// The last try's entry was refused (fewer than `min` digits, or `valid` said no).
  case invalid
  /// The call ended.
  case hangup
}

/// The outcome of a gather.
public struct GatherResult: Sendable, Hashable, CustomStringConvertible {
  /// The keys entered in the last attempt, without the terminator. For ``GatherReason/invalid`` the
  /// refused entry; for ``GatherReason/hangup`` what was entered before the call ended (the Lua
  /// layer returns `nil, "hangup"` then, DESIGN §3).
  public var digits: String
  public var reason: GatherReason
  /// Attempts started, 1...`tries`.
  public var attempts: Int

  public init(digits: String, reason: GatherReason, attempts: Int) {
    self.digits = digits
    self.reason = reason
    self.attempts = attempts
  }

  public var description: String { "\(reason.rawValue)(\"\(digits)\", attempt \(attempts))" }
}
