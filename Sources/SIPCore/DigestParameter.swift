// One auth-param of a digest header value (RFC 3261 §25.1, RFC 7616 §3.3–3.4).

/// One `name=value` pair of a digest challenge or credentials, as it was written.
///
/// Known parameters (realm, nonce, …) are read into the typed properties of ``DigestChallenge`` and
/// ``DigestCredentials``; the others are kept as `DigestParameter`s so that serializing a parsed
/// value gives them back.
public struct DigestParameter: Hashable, Sendable {
  /// The parameter name as written; compare it case-insensitively (RFC 7616 §3.3).
  public var name: String
  /// The value, with quoted-string escapes removed.
  public var value: String
  /// Whether the value is written as a quoted-string (`name="value"`) rather than a token.
  public var isQuoted: Bool

  /// Makes a parameter; `isQuoted` chooses `name="value"` over `name=value` when serialized.
  public init(name: String, value: String, isQuoted: Bool = true) {
    self.name = name
    self.value = value
    self.isQuoted = isQuoted
  }

  /// `name=value` or `name="value"`, with `"`, `\` and control characters escaped inside quotes
  /// (RFC 3261 §25.1 quoted-pair); CR and LF, which cannot be escaped, become spaces. A
  /// token-form value that is not a valid token is quoted, so the result always parses back.
  var serialized: String {
    if !isQuoted, !value.isEmpty, value.utf8.allSatisfy(DigestParameterParser.isTokenByte) {
      return "\(name)=\(value)"
    }
    return "\(name)=\(Self.quoted(value))"
  }

  /// `value` as a quoted-string.
  static func quoted(_ value: String) -> String {
    var out = "\""
    out.reserveCapacity(value.utf8.count + 2)
    for character in value.unicodeScalars {
      switch character {
      // RFC 3261 §25.1: CR and LF cannot appear in a quoted-string, not even escaped.
      case "\r", "\n":
        out.unicodeScalars.append(" ")
      // quoted-pair: the quote, the backslash and control characters other than HTAB (which
      // qdtext allows as LWS) are written escaped.
      case "\"", "\\", "\u{00}"..."\u{08}", "\u{0B}"..."\u{1F}", "\u{7F}":
        out.unicodeScalars.append("\\")
        out.unicodeScalars.append(character)
      default:
        out.unicodeScalars.append(character)
      }
    }
    out += "\""
    return out
  }
}
