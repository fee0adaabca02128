// Digest credentials: the value of Authorization or Proxy-Authorization (RFC 3261 §22.2, §25.1;
// RFC 7616 §3.4; RFC 2617 §3.2.2).

/// `Digest` credentials, parsed from or serialized to an `Authorization` /
/// `Proxy-Authorization` header value.
///
/// A client makes them with ``DigestClient`` (or ``init(answering:username:password:method:uri:body:qop:nonceCount:cnonce:)``
/// for full control); a server reads them with ``init(parsing:)`` and checks them with
/// ``DigestVerifier``.
///
/// ```swift
/// let credentials = try DigestCredentials(parsing: request.header("Authorization") ?? "")
/// credentials.username    // "Mufasa"
/// credentials.nonceCount  // 1
/// ```
public struct DigestCredentials: Hashable, Sendable {
  /// The username, or `H(username:realm)` when ``userhash`` is true.
  public var username: String
  /// The realm of the challenge answered.
  public var realm: String
  /// The nonce of the challenge answered.
  public var nonce: String
  /// The request-URI as the client wrote it (RFC 3261 §22.4 digest-uri).
  public var uri: String
  /// The request digest, lowercase hex.
  public var response: String
  /// The algorithm; `nil` when absent (MD5).
  public var algorithm: DigestAlgorithm?
  /// The client nonce; present when ``qop`` is.
  public var cnonce: String?
  /// The challenge's opaque value, returned unchanged.
  public var opaque: String?
  /// The chosen quality of protection; `nil` for RFC 2069 style credentials.
  public var qop: DigestQop?
  /// `nc`: how many requests, this one included, the client sent with this nonce; present when
  /// ``qop`` is.
  public var nonceCount: UInt32?
  /// Whether ``username`` is hashed (RFC 7616 §3.4.4).
  public var userhash: Bool
  /// Other parameters, kept in order for serialization.
  public var extensions: [DigestParameter]

  /// Makes credentials from their parts as they are sent; the response is not computed here.
  public init(
    username: String,
    realm: String,
    nonce: String,
    uri: String,
    response: String,
    algorithm: DigestAlgorithm? = nil,
    cnonce: String? = nil,
    opaque: String? = nil,
    qop: DigestQop? = nil,
    nonceCount: UInt32? = nil,
    userhash: Bool = false,
    extensions: [DigestParameter] = []
  ) {
    self.username = username
    self.realm = realm
    self.nonce = nonce
    self.uri = uri
    self.response = response
    self.algorithm = algorithm
    self.cnonce = cnonce
    self.opaque = opaque
    self.qop = qop
    self.nonceCount = nonceCount
    self.userhash = userhash
    self.extensions = extensions
  }

  /// The algorithm in force: the named one, or MD5 when none is named.
  public var effectiveAlgorithm: DigestAlgorithm { algorithm ?? .md5 }

  private static let knownNames: Set<String> = [
    "username", "realm", "nonce", "uri", "response", "algorithm", "cnonce", "opaque", "qop", "nc",
    "userhash",
  ]

  /// Parses an `Authorization` or `Proxy-Authorization` header value.
  ///
  /// Requires the `Digest` scheme and `username`, `realm`, `nonce`, `uri` and `response`; with
  /// `qop`, also `cnonce` and an 8-hex-digit `nc` (RFC 7616 §3.4). `response` must be hex.
  public init(parsing value: String) throws(DigestParseError) {
    let parsed = try DigestParameterParser.parse(value)
    guard parsed.scheme.lowercased() == "digest" else {
      throw DigestParseError("unsupported scheme '\(parsed.scheme)'", at: 0)
    }
    username = try parsed.required("username")
    realm = try parsed.required("realm")
    nonce = try parsed.required("nonce")
    uri = try parsed.required("uri")
    response = try parsed.required("response").lowercased()
    if let found = parsed.parameter("response"),
      response.isEmpty || !response.utf8.allSatisfy({ $0.isHexDigitASCII })
    {
      throw DigestParseError("response must be hex digits", at: found.offset)
    }
    if let found = parsed.parameter("algorithm") {
      guard !found.parameter.value.isEmpty else {
        throw DigestParseError("empty algorithm", at: found.offset)
      }
      algorithm = DigestAlgorithm(found.parameter.value)
    } else {
      algorithm = nil
    }
    opaque = parsed.parameter("opaque")?.parameter.value
    userhash = try parsed.flag("userhash")
    if let found = parsed.parameter("qop") {
      guard !found.parameter.value.isEmpty,
        found.parameter.value.utf8.allSatisfy(DigestParameterParser.isTokenByte)
      else {
        throw DigestParseError("qop must be one token", at: found.offset)
      }
      qop = DigestQop(found.parameter.value)
      // RFC 7616 §3.4: cnonce and nc MUST be sent when qop is.
      cnonce = try parsed.required("cnonce")
      guard let count = parsed.parameter("nc") else {
        throw DigestParseError("missing parameter 'nc'", at: parsed.end)
      }
      guard DigestHex.isHex(count.parameter.value, count: 8),
        let number = UInt32(count.parameter.value, radix: 16)
      else {
        throw DigestParseError("nc must be 8 hex digits", at: count.offset)
      }
      nonceCount = number
    } else {
      qop = nil
      // RFC 2617 §3.2.2: without qop there is no cnonce nor nc.
      if let found = parsed.parameter("cnonce") ?? parsed.parameter("nc") {
        throw DigestParseError("'\(found.parameter.name)' without qop", at: found.offset)
      }
      cnonce = nil
      nonceCount = nil
    }
    extensions = parsed.extensions(excluding: Self.knownNames)
  }

  /// The header value: `Digest username="…", realm="…", …`. `algorithm`, `qop` and `nc` are
  /// tokens, since a sender must not quote them (RFC 7616 §3.4); the others quoted strings.
  public var headerValue: String {
    var parameters = [
      DigestParameter(name: "username", value: username),
      DigestParameter(name: "realm", value: realm),
      DigestParameter(name: "nonce", value: nonce),
      DigestParameter(name: "uri", value: uri),
      DigestParameter(name: "response", value: response),
    ]
    if let algorithm {
      parameters.append(DigestParameter(name: "algorithm", value: algorithm.name, isQuoted: false))
    }
    if let cnonce { parameters.append(DigestParameter(name: "cnonce", value: cnonce)) }
    if let opaque { parameters.append(DigestParameter(name: "opaque", value: opaque)) }
    if let qop { parameters.append(DigestParameter(name: "qop", value: qop.name, isQuoted: false)) }
    if let nonceCount {
      parameters.append(
        DigestParameter(name: "nc", value: Self.formatNonceCount(nonceCount), isQuoted: false))
    }
    if userhash { parameters.append(DigestParameter(name: "userhash", value: "true", isQuoted: false)) }
    parameters += extensions
    return "Digest " + parameters.map(\.serialized).joined(separator: ", ")
  }

  /// `nc` as 8 lowercase hex digits (RFC 7616 §3.4).
  static func formatNonceCount(_ count: UInt32) -> String {
    let hex = String(count, radix: 16)
    return String(repeating: "0", count: max(0, 8 - hex.utf8.count)) + hex
  }
}
