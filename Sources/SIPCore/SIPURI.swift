/// A URI as SIP uses it: `sip:` and `sips:` (RFC 3261 §19.1), `tel:` (RFC 3966), and any other
/// absolute URI kept opaque (RFC 3261 §19.1 allows them in most places; RFC 4475 §3.3.4).
///
/// Components are held *unescaped*: `sip:%75ser@example.com` has `user == "user"`, and a user
/// part may hold any byte, NUL included (RFC 4475 §3.1.1.4). ``description`` writes the URI back
/// with the escapes its grammar needs. IPv6 hosts keep their brackets (`[2001:db8::1]`, RFC 5118).
/// Equality and hashing are structural: components as held (the scheme lowercased, the host as
/// written). Use ``isEquivalent(to:)`` for the comparison rules of RFC 3261 §19.1.4.
///
/// ```swift
/// let uri = try SIPURI.parse("sip:alice:secret@[2001:db8::1]:5070;transport=tcp?Subject=hi")
/// uri.user                          // "alice"
/// uri.host                          // "[2001:db8::1]"
/// uri.port                          // 5070
/// uri.parameters.value("transport") // "tcp"
/// uri.headers.first?.value          // "hi"
/// ```
public struct SIPURI: Sendable, Hashable, CustomStringConvertible {
  /// The URI scheme, lowercased.
  public enum Scheme: Sendable, Hashable, CustomStringConvertible {
    case sip, sips, tel
    /// Any other scheme (lowercased), whose remainder is kept in ``SIPURI/opaque``.
    case other(String)

    /// `sip`, `sips` or `tel` in any case, read from bytes; nil for any other scheme (the
    /// String initializer handles those).
    init?(known name: ArraySlice<UInt8>) {
      func equals(_ lower: StaticString) -> Bool {
        guard name.count == lower.utf8CodeUnitCount else { return false }
        var i = 0
        for b in name {
          guard SIPGrammar.lowercased(b) == lower.utf8Start[i] else { return false }
          i += 1
        }
        return true
      }
      if equals("sip") {
        self = .sip
      } else if equals("sips") {
        self = .sips
      } else if equals("tel") {
        self = .tel
      } else {
        return nil
      }
    }

    public init(_ name: String) {
      switch name.lowercased() {
      case "sip": self = .sip
      case "sips": self = .sips
      case "tel": self = .tel
      case let other: self = .other(other)
      }
    }

    public var description: String {
      switch self {
      case .sip: "sip"
      case .sips: "sips"
      case .tel: "tel"
      case .other(let name): name
      }
    }
  }

  /// One `?name=value` header of a SIP URI (RFC 3261 §19.1.1), unescaped.
  public struct Header: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(name: String, value: String) {
      self.name = name
      self.value = value
    }
  }

  public var scheme: Scheme
  /// The user part, unescaped; for `tel:` the telephone number (RFC 3966 telephone-subscriber).
  public var user: String?
  /// The password of the userinfo, unescaped (its use is NOT RECOMMENDED, RFC 3261 §19.1.1).
  public var password: String?
  /// The host: a domain name, an IPv4 address or an IPv6 reference with brackets. Empty for
  /// `tel:` and opaque URIs.
  public var host: String
  public var port: Int?
  /// URI parameters (`;transport=tcp;lr`), values unescaped.
  public var parameters: SIPParameters
  /// URI headers (`?Subject=hi&Priority=urgent`), unescaped.
  public var headers: [Header]
  /// For ``Scheme/other(_:)``: everything after `scheme:`, as written.
  public var opaque: String?

  public init(
    scheme: Scheme = .sip, user: String? = nil, password: String? = nil, host: String, port: Int? = nil,
    parameters: SIPParameters = SIPParameters(), headers: [Header] = []
  ) {
    self.scheme = scheme
    self.user = user
    self.password = password
    self.host = host
    self.port = port
    self.parameters = parameters
    self.headers = headers
    self.opaque = nil
  }

  /// `sip` or `sips`.
  public var isSIP: Bool { scheme == .sip || scheme == .sips }

  /// The host without IPv6 brackets, for socket addresses.
  public var hostWithoutBrackets: String {
    if host.hasPrefix("["), host.hasSuffix("]") { return String(host.dropFirst().dropLast()) }
    return host
  }

  /// `transport` parameter, lowercased (RFC 3261 §19.1.1).
  public var transport: String? { parameters.value("transport")?.lowercased() }

  /// Whether the URI carries the `lr` parameter (loose routing, RFC 3261 §19.1.1).
  public var isLooseRouting: Bool { parameters.contains("lr") }

  public var description: String {
    switch scheme {
    case .other(let name):
      return name + ":" + (opaque ?? "")
    case .tel:
      return "tel:" + (user ?? "") + Self.parametersText(parameters)
    case .sip, .sips:
      var out = scheme.description + ":"
      if let user {
        out += SIPGrammar.escape(user, allowing: SIPGrammar.userUnreserved)
        if let password { out += ":" + SIPGrammar.escape(password, allowing: SIPGrammar.passwordExtra) }
        out += "@"
      }
      out += host
      if let port { out += ":\(port)" }
      out += Self.parametersText(parameters)
      if !headers.isEmpty {
        out += "?"
        out += headers.map {
          SIPGrammar.escape($0.name, allowing: SIPGrammar.headerUnreserved) + "="
            + SIPGrammar.escape($0.value, allowing: SIPGrammar.headerUnreserved)
        }.joined(separator: "&")
      }
      return out
    }
  }

  static func parametersText(_ parameters: SIPParameters) -> String {
    var out = ""
    for p in parameters {
      out += ";" + SIPGrammar.escape(p.name, allowing: SIPGrammar.paramUnreserved)
      if let v = p.value { out += "=" + SIPGrammar.escape(v, allowing: SIPGrammar.paramUnreserved) }
    }
    return out
  }

  /// URI comparison of RFC 3261 §19.1.4 for SIP and SIPS URIs: scheme, user and password
  /// case-sensitively, host case-insensitively, port as written (no default), `user`, `ttl`,
  /// `method`, `maddr` and `transport` parameters when either side has them, other parameters
  /// when both sides have them, and headers all. Other schemes compare textually.
  public func isEquivalent(to other: SIPURI) -> Bool {
    guard scheme == other.scheme else { return false }
    guard isSIP else { return description == other.description }
    guard user == other.user, password == other.password, port == other.port,
      host.lowercased() == other.host.lowercased()
    else { return false }
    let mustMatch: Set<String> = ["user", "ttl", "method", "maddr", "transport"]
    for p in parameters {
      let name = p.name.lowercased()
      let otherValue = other.parameters[name]
      if mustMatch.contains(name) || otherValue != nil {
        guard let otherValue, otherValue?.lowercased() == p.value?.lowercased() else { return false }
      }
    }
    for p in other.parameters where mustMatch.contains(p.name.lowercased()) && !parameters.contains(p.name) {
      return false
    }
    let mine = Set(headers.map { Header(name: $0.name.lowercased(), value: $0.value) })
    let theirs = Set(other.headers.map { Header(name: $0.name.lowercased(), value: $0.value) })
    return mine == theirs
  }
}
