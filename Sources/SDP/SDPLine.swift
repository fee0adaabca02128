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
  /// The type letter, `v`, `o`, `a`, `m`, ...
  public var type: Character
  /// The text after `=`, without trailing whitespace.
  public var value: String
  /// Spaces and tabs that followed the value on the wire (tolerated, kept for exact re-serialization).
  var trailingWhitespace: String = ""
  /// `"\r\n"`, `"\n"`, `""` (last line without terminator) as received; nil for lines built in code.
  var terminator: String? = nil

  public init(_ type: Character, _ value: String) {
    self.type = type
    self.value = value
  }

  /// `a=` line: `name` or `name:value`.
  public static func attribute(_ name: String, _ value: String? = nil) -> SDPLine {
    SDPLine("a", value.map { "\(name):\($0)" } ?? name)
  }

  /// The line as written in SDP, without terminator: `a=sendrecv`.
  public var description: String { "\(type)=\(value)" }

  public static func == (lhs: SDPLine, rhs: SDPLine) -> Bool {
    lhs.type == rhs.type && lhs.value == rhs.value
  }

  public func hash(into hasher: inout Hasher) {
    hasher.combine(type)
    hasher.combine(value)
  }

  /// The attribute name and value of an `a=` line (RFC 8866 §5.13), nil for other lines.
  public var attribute: (name: Substring, value: Substring?)? {
    guard type == "a" else { return nil }
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
