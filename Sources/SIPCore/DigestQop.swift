// Quality of protection (RFC 7616 §3.3, RFC 2617 §3.2.1).

/// A `qop` value: `auth`, `auth-int`, or an extension token kept as written.
///
/// A challenge lists the ones the server accepts (`qop="auth,auth-int"`); credentials carry the
/// one the client chose. Credentials without `qop` are RFC 2069 style (no cnonce, no nc).
public struct DigestQop: Hashable, Sendable, CustomStringConvertible {
  /// The token as written; known values are lowercased.
  public let name: String

  /// Makes a qop from its token; `auth` and `auth-int` are matched case-insensitively.
  public init(_ name: String) {
    let lower = name.lowercased()
    self.name = (lower == "auth" || lower == "auth-int") ? lower : name
  }

  /// Authentication only: the response covers method and request-URI.
  public static let auth = DigestQop("auth")
  /// Authentication with integrity protection: the response also covers `H(body)`.
  public static let authInt = DigestQop("auth-int")

  public var description: String { name }
}
