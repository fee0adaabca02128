// The auth-param list parser shared by challenges and credentials (RFC 3261 §25.1, RFC 7616 §3.3).
//
//   challenge   = "Digest" LWS digest-cln *(COMMA digest-cln)
//   auth-param  = auth-param-name EQUAL ( token / quoted-string )
//   EQUAL = SWS "=" SWS,  COMMA = SWS "," SWS,  LWS = [*WSP CRLF] 1*WSP
//   quoted-string = SWS DQUOTE *(qdtext / quoted-pair) DQUOTE
//   quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
//
// One pass over the UTF-8 bytes, no backtracking: work is linear in the input.

/// Reads `Scheme name=value, name="value", …` into a scheme and a list of parameters.
struct DigestParameterParser {
  private let bytes: [UInt8]
  private var index = 0

  private init(_ value: String) {
    bytes = Array(value.utf8)
  }

  /// Parses a whole header value. Parameter names are unique case-insensitively (RFC 7616 §3.3
  /// allows each directive once); a duplicate is an error rather than a silent choice of one.
  static func parse(_ value: String) throws(DigestParseError) -> Parsed {
    var parser = DigestParameterParser(value)
    return try parser.parseAll()
  }

  /// A parsed header value: its scheme and parameters, with each parameter's byte offset so that
  /// later checks (a missing or invalid value) can point at it.
  struct Parsed {
    var scheme: String
    var parameters: [DigestParameter]
    var offsets: [Int]
    /// The length of the header value in bytes, the offset to report for "missing" errors.
    var end: Int

    /// The parameter named `name` (case-insensitively) and its offset.
    func parameter(_ name: String) -> (parameter: DigestParameter, offset: Int)? {
      for (position, parameter) in parameters.enumerated() where parameter.name.lowercased() == name {
        return (parameter, offsets[position])
      }
      return nil
    }

    /// The value of the required parameter `name`.
    func required(_ name: String) throws(DigestParseError) -> String {
      guard let found = parameter(name) else {
        throw DigestParseError("missing parameter '\(name)'", at: end)
      }
      return found.parameter.value
    }

    /// The parameters whose lowercased names are not in `known`, in order.
    func extensions(excluding known: Set<String>) -> [DigestParameter] {
      parameters.filter { !known.contains($0.name.lowercased()) }
    }

    /// A `true`/`false` flag (RFC 7616 §3.3 stale and userhash; case-insensitive).
    func flag(_ name: String) throws(DigestParseError) -> Bool {
      guard let found = parameter(name) else { return false }
      switch found.parameter.value.lowercased() {
      case "true": return true
      case "false": return false
      default: throw DigestParseError("'\(name)' must be true or false", at: found.offset)
      }
    }
  }

  /// RFC 3261 §25.1 token characters.
  static func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
      UInt8(ascii: "0")...UInt8(ascii: "9"):
      return true
    case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "!"), UInt8(ascii: "%"), UInt8(ascii: "*"),
      UInt8(ascii: "_"), UInt8(ascii: "+"), UInt8(ascii: "`"), UInt8(ascii: "'"), UInt8(ascii: "~"):
      return true
    default:
      return false
    }
  }

  private mutating func parseAll() throws(DigestParseError) -> Parsed {
    try skipLWS()
    let schemeStart = index
    let scheme = readToken()
    if scheme.isEmpty {
      throw DigestParseError("expected an authentication scheme", at: schemeStart)
    }
    let afterScheme = index
    try skipLWS()
    if index == afterScheme {
      if index == bytes.count {
        throw DigestParseError("missing parameters after scheme '\(scheme)'", at: index)
      }
      throw DigestParseError("expected whitespace after scheme '\(scheme)'", at: index)
    }
    var parameters: [DigestParameter] = []
    var offsets: [Int] = []
    var seen = Set<String>()
    while true {
      let nameStart = index
      let name = readToken()
      if name.isEmpty {
        throw DigestParseError(
          index == bytes.count ? "expected a parameter name, found the end" : "expected a parameter name",
          at: index)
      }
      let key = name.lowercased()
      if !seen.insert(key).inserted {
        throw DigestParseError("duplicated parameter '\(name)'", at: nameStart)
      }
      try skipLWS()
      guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
        throw DigestParseError("expected '=' after parameter '\(name)'", at: index)
      }
      index += 1
      try skipLWS()
      let parameter: DigestParameter
      if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
        parameter = DigestParameter(name: name, value: try readQuotedString(), isQuoted: true)
      } else {
        let value = readToken()
        if value.isEmpty {
          throw DigestParseError("expected a token or quoted-string value for '\(name)'", at: index)
        }
        parameter = DigestParameter(name: name, value: value, isQuoted: false)
      }
      parameters.append(parameter)
      offsets.append(nameStart)
      try skipLWS()
      if index == bytes.count { break }
      guard bytes[index] == UInt8(ascii: ",") else {
        throw DigestParseError("expected ',' after the value of '\(name)'", at: index)
      }
      index += 1
      try skipLWS()
    }
    return Parsed(scheme: scheme, parameters: parameters, offsets: offsets, end: bytes.count)
  }

  /// Skips linear white space; a line fold (CRLF followed by SP or HTAB) counts as white space
  /// (RFC 3261 §7.3.1), any other CR or LF is an error.
  private mutating func skipLWS() throws(DigestParseError) {
    while index < bytes.count {
      switch bytes[index] {
      case UInt8(ascii: " "), UInt8(ascii: "\t"):
        index += 1
      case UInt8(ascii: "\r"):
        guard index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n"),
          bytes[index + 2] == UInt8(ascii: " ") || bytes[index + 2] == UInt8(ascii: "\t")
        else {
          throw DigestParseError("CR or LF that is not a line fold", at: index)
        }
        index += 3
      case UInt8(ascii: "\n"):
        throw DigestParseError("CR or LF that is not a line fold", at: index)
      default:
        return
      }
    }
  }

  private mutating func readToken() -> String {
    let start = index
    while index < bytes.count, Self.isTokenByte(bytes[index]) {
      index += 1
    }
    return String(decoding: bytes[start..<index], as: UTF8.self)
  }

  /// Reads a quoted-string starting at its opening quote and returns its content unescaped.
  private mutating func readQuotedString() throws(DigestParseError) -> String {
    let opening = index
    index += 1
    var content: [UInt8] = []
    while index < bytes.count {
      let byte = bytes[index]
      switch byte {
      case UInt8(ascii: "\""):
        index += 1
        return String(decoding: content, as: UTF8.self)
      case UInt8(ascii: "\\"):
        // quoted-pair excludes CR and LF.
        guard index + 1 < bytes.count else {
          throw DigestParseError("unterminated quoted-string", at: opening)
        }
        let escaped = bytes[index + 1]
        guard escaped <= 0x7F, escaped != 0x0A, escaped != 0x0D else {
          throw DigestParseError("invalid escape in quoted-string", at: index)
        }
        content.append(escaped)
        index += 2
      case UInt8(ascii: "\r"):
        // A fold inside qdtext stands for the white space that follows it.
        guard index + 2 < bytes.count, bytes[index + 1] == UInt8(ascii: "\n"),
          bytes[index + 2] == UInt8(ascii: " ") || bytes[index + 2] == UInt8(ascii: "\t")
        else {
          throw DigestParseError("CR or LF that is not a line fold", at: index)
        }
        index += 2
      case UInt8(ascii: "\t"):
        content.append(byte)
        index += 1
      case 0x00...0x1F, 0x7F:
        throw DigestParseError("control character in quoted-string", at: index)
      default:
        content.append(byte)
        index += 1
      }
    }
    throw DigestParseError("unterminated quoted-string", at: opening)
  }
}
