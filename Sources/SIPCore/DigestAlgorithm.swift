// Digest hash algorithms (RFC 7616 §3.2, RFC 8760 §2.2, RFC 2617 §3.2.1).

internal import Crypto

/// The `algorithm` of a digest challenge or credentials.
///
/// Any token is representable so that a challenge with an algorithm we do not implement still
/// parses and serializes; ``isSupported`` says whether responses can be computed for it.
///
/// ```swift
/// let algorithm = DigestAlgorithm("sha-256")      // names compare case-insensitively
/// algorithm == .sha256                            // true
/// algorithm.hash("Mufasa:http-auth@example.org:Circle of Life")  // 64 lowercase hex digits
/// ```
///
/// SHA-512-256 (RFC 7616 §3.2, SHA-512/256 of FIPS 180-4, which uses its own initial hash value,
/// not a truncated SHA-512) is representable but not supported: swift-crypto has no SHA-512/256.
public struct DigestAlgorithm: Hashable, Sendable, CustomStringConvertible {
  /// The name as it is written in headers; the canonical spelling for known algorithms.
  public let name: String

  /// Makes an algorithm from its header token; known names get their canonical spelling.
  public init(_ name: String) {
    let known = Self.known.first { $0.name.lowercased() == name.lowercased() }
    self.name = known?.name ?? name
  }

  private init(canonical name: String) {
    self.name = name
  }

  /// `MD5`, the default when a challenge names no algorithm (RFC 7616 §3.3).
  public static let md5 = DigestAlgorithm(canonical: "MD5")
  /// `MD5-sess`: HA1 also covers nonce and cnonce (RFC 2617 §3.2.2.2).
  public static let md5Session = DigestAlgorithm(canonical: "MD5-sess")
  /// `SHA-256` (RFC 7616 §3.2, RFC 8760 §2.2).
  public static let sha256 = DigestAlgorithm(canonical: "SHA-256")
  /// `SHA-256-sess`.
  public static let sha256Session = DigestAlgorithm(canonical: "SHA-256-sess")
  /// `SHA-512-256`: known by name only; see ``isSupported``.
  public static let sha512_256 = DigestAlgorithm(canonical: "SHA-512-256")
  /// `SHA-512-256-sess`: known by name only; see ``isSupported``.
  public static let sha512_256Session = DigestAlgorithm(canonical: "SHA-512-256-sess")

  private static let known: [DigestAlgorithm] = [
    .md5, .md5Session, .sha256, .sha256Session, .sha512_256, .sha512_256Session,
  ]

  public var description: String { name }

  /// Whether this library can compute and check responses with this algorithm.
  public var isSupported: Bool { strength > 0 }

  /// Whether HA1 is the session variant `H(H(user:realm:password):nonce:cnonce)`.
  public var isSession: Bool { name.lowercased().hasSuffix("-sess") }

  /// The preference among supported algorithms, higher is stronger (RFC 8760 §2.4: SHA-512-256,
  /// then SHA-256, then MD5); 0 for an algorithm that is not supported.
  var strength: Int {
    switch self {
    case .sha256, .sha256Session: return 2
    case .md5, .md5Session: return 1
    default: return 0
    }
  }

  /// The algorithm's hash of `text`'s UTF-8 bytes as lowercase hex (RFC 7616 §3.4 `H(data)`).
  /// Returns `nil` for an algorithm that is not supported.
  public func hash(_ text: String) -> String? {
    hash(bytes: Array(text.utf8))
  }

  /// The algorithm's hash of `bytes` as lowercase hex; `nil` when not supported.
  public func hash(bytes: some Sequence<UInt8>) -> String? {
    let data = Array(bytes)
    switch strength {
    case 2: return DigestHex.encode(SHA256.hash(data: data))
    case 1: return DigestHex.encode(Insecure.MD5.hash(data: data))
    default: return nil
    }
  }

  /// `H(username:realm:password)`, the value a server may store instead of the password
  /// (RFC 7616 §3.4.2). The same value serves the `-sess` variant of the algorithm.
  public func ha1(username: String, realm: String, password: String) -> String? {
    hash("\(username):\(realm):\(password)")
  }

  /// `H(username:realm)`, the hidden username sent when the challenge asks for `userhash=true`
  /// (RFC 7616 §3.4.4).
  public func userhash(username: String, realm: String) -> String? {
    hash("\(username):\(realm)")
  }
}
