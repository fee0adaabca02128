// A digest challenge: the value of WWW-Authenticate or Proxy-Authenticate (RFC 3261 §22.1, §25.1;
// RFC 7616 §3.3; RFC 8760 §2).

/// A `Digest` challenge, parsed from or serialized to a `WWW-Authenticate` / `Proxy-Authenticate`
/// header value.
///
/// ```swift
/// let challenge = try DigestChallenge(
///   parsing: #"Digest realm="atlanta.com", nonce="84a4cc6f", qop="auth,auth-int", algorithm=MD5"#)
/// challenge.realm      // "atlanta.com"
/// challenge.qop        // [.auth, .authInt]
/// challenge.headerValue
/// // Digest realm="atlanta.com", nonce="84a4cc6f", algorithm=MD5, qop="auth,auth-int"
/// ```
///
/// SIP does not combine several challenges in one header field (RFC 3261 §7.3.1), so one header
/// value is one challenge; a 401/407 may carry several header fields (one per realm or per
/// algorithm, RFC 8760 §2.3), read with ``strongest(_:)``.
public struct DigestChallenge: Hashable, Sendable {
  /// The protection space, shown to users and part of HA1.
  public var realm: String
  /// The server's nonce.
  public var nonce: String
  /// Opaque data the client returns unchanged.
  public var opaque: String?
  /// The hash algorithm; `nil` when absent, which means MD5 (RFC 7616 §3.3).
  public var algorithm: DigestAlgorithm?
  /// The qop values the server accepts; empty when absent (RFC 2069 compatible).
  public var qop: [DigestQop]
  /// Whether the previous request was refused only because its nonce had expired: the client
  /// retries with the new nonce and the same password (RFC 7616 §3.3).
  public var stale: Bool
  /// The URIs of the protection space, as written (space-separated).
  public var domain: String?
  /// Whether the server accepts a hashed username (RFC 7616 §3.4.4).
  public var userhash: Bool
  /// Other parameters, kept in order for serialization.
  public var extensions: [DigestParameter]

  /// Makes a challenge, as a server does to send it.
  public init(
    realm: String,
    nonce: String,
    opaque: String? = nil,
    algorithm: DigestAlgorithm? = nil,
    qop: [DigestQop] = [.auth],
    stale: Bool = false,
    domain: String? = nil,
    userhash: Bool = false,
    extensions: [DigestParameter] = []
  ) {
    self.realm = realm
    self.nonce = nonce
    self.opaque = opaque
    self.algorithm = algorithm
    self.qop = qop
    self.stale = stale
    self.domain = domain
    self.userhash = userhash
    self.extensions = extensions
  }

  /// The algorithm in force: the named one, or MD5 when none is named.
  public var effectiveAlgorithm: DigestAlgorithm { algorithm ?? .md5 }

  private static let knownNames: Set<String> = [
    "realm", "nonce", "opaque", "algorithm", "qop", "stale", "domain", "userhash",
  ]

  /// Parses a `WWW-Authenticate` or `Proxy-Authenticate` header value.
  ///
  /// Requires the `Digest` scheme and the `realm` and `nonce` parameters; rejects duplicated
  /// parameters, malformed quoting and flags other than true/false.
  public init(parsing value: String) throws(DigestParseError) {
    let parsed = try DigestParameterParser.parse(value)
    guard parsed.scheme.lowercased() == "digest" else {
      throw DigestParseError("unsupported scheme '\(parsed.scheme)'", at: 0)
    }
    realm = try parsed.required("realm")
    nonce = try parsed.required("nonce")
    opaque = parsed.parameter("opaque")?.parameter.value
    domain = parsed.parameter("domain")?.parameter.value
    if let found = parsed.parameter("algorithm") {
      guard !found.parameter.value.isEmpty else {
        throw DigestParseError("empty algorithm", at: found.offset)
      }
      algorithm = DigestAlgorithm(found.parameter.value)
    } else {
      algorithm = nil
    }
    if let found = parsed.parameter("qop") {
      qop = try Self.qopList(found.parameter.value, at: found.offset)
    } else {
      qop = []
    }
    stale = try parsed.flag("stale")
    userhash = try parsed.flag("userhash")
    extensions = parsed.extensions(excluding: Self.knownNames)
  }

  /// RFC 3261 §25.1 qop-options: `qop="auth,auth-int"`, tokens separated by commas and LWS.
  private static func qopList(_ value: String, at offset: Int) throws(DigestParseError) -> [DigestQop] {
    var list: [DigestQop] = []
    for item in value.split(separator: ",", omittingEmptySubsequences: false) {
      let token = item.digestTrimmed()
      guard !token.isEmpty, token.utf8.allSatisfy(DigestParameterParser.isTokenByte) else {
        throw DigestParseError("invalid qop list \"\(value)\"", at: offset)
      }
      let qop = DigestQop(String(token))
      if !list.contains(qop) { list.append(qop) }
    }
    return list
  }

  /// The header value: `Digest realm="…", nonce="…", …`. `algorithm` and `stale` are tokens,
  /// the others quoted strings (RFC 7616 §3.3).
  public var headerValue: String {
    var parameters = [DigestParameter(name: "realm", value: realm)]
    if let domain { parameters.append(DigestParameter(name: "domain", value: domain)) }
    parameters.append(DigestParameter(name: "nonce", value: nonce))
    if let opaque { parameters.append(DigestParameter(name: "opaque", value: opaque)) }
    if stale { parameters.append(DigestParameter(name: "stale", value: "TRUE", isQuoted: false)) }
    if let algorithm {
      parameters.append(DigestParameter(name: "algorithm", value: algorithm.name, isQuoted: false))
    }
    if !qop.isEmpty {
      parameters.append(DigestParameter(name: "qop", value: qop.map(\.name).joined(separator: ",")))
    }
    if userhash { parameters.append(DigestParameter(name: "userhash", value: "true", isQuoted: false)) }
    parameters += extensions
    return "Digest " + parameters.map(\.serialized).joined(separator: ", ")
  }

  /// The challenge to answer among several for the same realm: the strongest supported algorithm
  /// (SHA-256 over MD5, RFC 8760 §2.4), the topmost one among equals. Servers list their
  /// preferred challenge first (RFC 8760 §2.3), so this is also the topmost supported one when the
  /// server follows that rule. `nil` when none has a supported algorithm.
  ///
  /// ```swift
  /// let offered = try values.map(DigestChallenge.init(parsing:))
  /// if let best = DigestChallenge.strongest(offered) { … }
  /// ```
  public static func strongest(_ challenges: [DigestChallenge]) -> DigestChallenge? {
    var best: DigestChallenge?
    for challenge in challenges where challenge.effectiveAlgorithm.isSupported {
      if let current = best, current.effectiveAlgorithm.strength >= challenge.effectiveAlgorithm.strength {
        continue
      }
      best = challenge
    }
    return best
  }
}

extension Substring {
  /// The substring without leading and trailing SP and HTAB.
  fileprivate func digestTrimmed() -> Substring {
    var text = self
    while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
    while let last = text.last, last == " " || last == "\t" { text.removeLast() }
    return text
  }
}
