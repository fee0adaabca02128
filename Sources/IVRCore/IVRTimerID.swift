// IVRCore — the sans-I/O pieces of the IVR vocabulary (call:gather, call:record, DTMF from three
// sources at once) and the thin espeak-ng adapter behind call:say. See docs/architecture-ivr.md.

/// Names one timer a machine of this module armed. The driver arms a real timer for each id it is
/// given and feeds it back as a `timerFired` event; a machine never reuses an id, so a timer that
/// fires after it was cancelled is recognised as stale and ignored.
///
/// Ids are per machine instance: a driver that runs several machines keys its timers on
/// (machine, id).
public struct IVRTimerID: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "ivr-timer#\(rawValue)" }
}

/// Names one prompt playback a ``DigitCollector`` asked for. The driver reports the end of that
/// playback with the same id, so the end of a prompt that was stopped (and reported late) cannot
/// be mistaken for the end of the next one.
public struct PromptID: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "prompt#\(rawValue)" }
}

/// The keys of a telephone keypad, as the IVR machines accept them: `0`–`9`, `*`, `#`, `A`–`D`
/// (lower-case `a`–`d` are read as upper-case).
enum Keypad {
  static let keys: Set<Character> = Set("0123456789*#ABCD")

  /// The key, upper-cased; nil for a character that is not a DTMF key.
  static func key(_ character: Character) -> Character? {
    let upper: Character =
      switch character {
      case "a": "A"
      case "b": "B"
      case "c": "C"
      case "d": "D"
      default: character
      }
    return keys.contains(upper) ? upper : nil
  }
}
