// One `<type>=<value>` line of a session description (RFC 8866 §5).

/// One line of a session description: a type letter and the text after `=`.
///
/// Lines are what a ``SessionDescription`` stores, so that unknown line types and attributes stay
/// where they were and an unmodified description re-serializes byte for byte. Trailing whitespace
/// and the line terminator seen on the wire are remembered (they are not part of `value`); lines
/// built in code take the description's line ending.
///
/// Equality compares the type and the value only.
public struct SDPLine: Sendable, Hashable, CustomStringConvertible {
  /// The text after `=`, without trailing whitespace.
  public var value: String
  /// The type letter as its ASCII byte (every parsed line's is one); 0 when ``rare`` holds it.
  private(set) var asciiType: UInt8
  /// The terminator seen on the wire (``LineEnding``).
  private var ending: LineEnding
  /// What few lines have: trailing whitespace, a type that is not one ASCII character. A held
  /// call keeps two descriptions of a dozen lines each, so a line is kept to 32 bytes inline (the
  /// value, two bytes, this pointer) instead of 64 with a Character and two more Strings.
  private var rare: Rare?

  /// The rarely used parts of a line, shared by its copies (never changed in place).
  private final class Rare: Sendable {
    let type: Character?
    let trailingWhitespace: String
    init(type: Character?, trailingWhitespace: String) {
      self.type = type
      self.trailingWhitespace = trailingWhitespace
    }
  }

  public init(_ type: Character, _ value: String) {
    self.value = value
    self.ending = .builtInCode
    if let byte = type.asciiValue, byte != 0 {
      asciiType = byte
      rare = nil
    } else {
      asciiType = 0
      rare = Rare(type: type, trailingWhitespace: "")
    }
  }

  /// A parsed line: its type letter is an ASCII byte.
  init(asciiType: UInt8, value: String, ending: LineEnding = .builtInCode) {
    self.value = value
    self.asciiType = asciiType
    self.ending = ending
    self.rare = nil
  }

  /// The type letter, `v`, `o`, `a`, `m`, ...
  public var type: Character {
    get { asciiType != 0 ? Character(Unicode.Scalar(asciiType)) : rare?.type ?? "\u{0}" }
    set {
      if let byte = newValue.asciiValue, byte != 0 {
        asciiType = byte
        setRare(type: nil, trailingWhitespace: trailingWhitespace)
      } else {
        asciiType = 0
        setRare(type: newValue, trailingWhitespace: trailingWhitespace)
      }
    }
  }

  /// Spaces and tabs that followed the value on the wire (tolerated, kept for exact re-serialization).
  var trailingWhitespace: String {
    get { rare?.trailingWhitespace ?? "" }
    set { setRare(type: asciiType == 0 ? rare?.type : nil, trailingWhitespace: newValue) }
  }

  /// `"\r\n"`, `"\n"`, `""` (last line without terminator) as received; nil for lines built in code.
  var terminator: String? {
    get { ending.text }
    set { ending = LineEnding(newValue) }
  }

  /// The terminators a parsed line can have, in one byte.
  enum LineEnding: UInt8, Sendable {
    case builtInCode, crlf, lf, missing

    /// The parser gives only these three; any other text counts as built in code.
    init(_ text: String?) {
      switch text {
      case "\r\n": self = .crlf
      case "\n": self = .lf
      case "": self = .missing
      default: self = .builtInCode
      }
    }

    var text: String? {
      switch self {
      case .builtInCode: nil
      case .crlf: "\r\n"
      case .lf: "\n"
      case .missing: ""
      }
    }
  }

  private mutating func setRare(type: Character?, trailingWhitespace: String) {
    rare =
      type == nil && trailingWhitespace.isEmpty
      ? nil : Rare(type: type, trailingWhitespace: trailingWhitespace)
  }

  /// `a=` line: `name` or `name:value`.
  public static func attribute(_ name: String, _ value: String? = nil) -> SDPLine {
    SDPLine(asciiType: UInt8(ascii: "a"), value: value.map { "\(name):\($0)" } ?? name)
  }

  /// The line as written in SDP, without terminator: `a=sendrecv`.
  public var description: String { "\(type)=\(value)" }

  public static func == (lhs: SDPLine, rhs: SDPLine) -> Bool {
    lhs.asciiType == rhs.asciiType && lhs.value == rhs.value && (lhs.asciiType != 0 || lhs.type == rhs.type)
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(type)
    hasher.combine(value)
  }

  /// The attribute name and value of an `a=` line (RFC 8866 §5.13), nil for other lines.
  public var attribute: (name: Substring, value: Substring?)? {
    guard asciiType == UInt8(ascii: "a") else { return nil }
    // The colon is the first Character ":"; while the text up to it is ASCII and an ASCII byte
    // (or nothing) follows it, that is the first byte ":", found without grapheme breaking.
    let utf8 = value.utf8
    if let stop = utf8.firstIndex(where: { $0 == UInt8(ascii: ":") || $0 >= 0x80 }) {
      let after = utf8.index(after: stop)
      if utf8[stop] == UInt8(ascii: ":"), after == utf8.endIndex || utf8[after] < 0x80 {
        return (value[..<stop], value[after...])
      }
      if let colon = value.firstIndex(of: ":") {
        return (value[..<colon], value[value.index(after: colon)...])
      }
    }
    return (value[...], nil)
  }
}
