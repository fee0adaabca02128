// Parsing of SIP, SIPS and tel URIs (RFC 3261 §19.1.1 and §25.1, RFC 3966, RFC 5118 for IPv6).

extension SIPURI {
  /// The longest URI accepted, a guard against unbounded work on hostile input.
  static let maximumLength = 8192

  /// Parses a URI. SIP and SIPS URIs are parsed fully and checked against the grammar of RFC 3261
  /// §25.1; `tel:` URIs per RFC 3966 (number and parameters); other schemes are kept opaque.
  ///
  /// - Throws: ``SIPParseError`` with status 400 naming the rule broken.
  public static func parse(_ text: String) throws(SIPParseError) -> SIPURI {
    try parse(bytes: Array(text.utf8))
  }

  static func parse(bytes: [UInt8]) throws(SIPParseError) -> SIPURI {
    try parse(bytes: bytes, from: 0, to: bytes.count)
  }

  /// Parses the URI in `bytes[start..<end]` where it lies (a header line or the start line of a
  /// message): the same answer as ``parse(bytes:)`` of a copy of those bytes, without the copy.
  static func parse(bytes: [UInt8], from start: Int, to end: Int) throws(SIPParseError) -> SIPURI {
    try scan(bytes: bytes, from: start, to: end, into: SIPURI.self)
  }

  /// Checks the URI in `bytes[start..<end]` against the same grammar as
  /// ``parse(bytes:from:to:)``, throwing the same errors, without making its Strings and arrays:
  /// for the transaction path, which needs to know that To and From parse but reads only their
  /// tags (docs/benchmarks-transactions.md, round 6).
  static func check(bytes: [UInt8], from start: Int, to end: Int) throws(SIPParseError) {
    _ = try scan(bytes: bytes, from: start, to: end, into: GrammarCheck.self)
  }

  /// The one grammar of ``parse(bytes:from:to:)`` and ``check(bytes:from:to:)``: into a
  /// ``GrammarCheck`` every rule is checked the same way and no component is made.
  private static func scan<U: Components>(bytes: [UInt8], from start: Int, to end: Int, into _: U.Type)
    throws(SIPParseError) -> U
  {
    guard end - start <= maximumLength else {
      throw SIPParseError(reason: "URI longer than \(maximumLength) bytes")
    }
    var scanner = SIPScanner(bytes, from: start, to: end)
    // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )   (RFC 3986 §3.1)
    guard let first = scanner.peek, SIPGrammar.isAlphaByte(first) else {
      throw SIPParseError(reason: "URI must start with a scheme (RFC 3261 §25.1 absoluteURI)")
    }
    let schemeBytes = scanner.take(SIPGrammar.schemeChar)
    guard scanner.consume(UInt8(ascii: ":")) else {
      throw SIPParseError(reason: "URI scheme must be followed by ':' (RFC 3261 §25.1)")
    }
    let scheme = Scheme(known: schemeBytes) ?? Scheme(String(decoding: schemeBytes, as: UTF8.self))
    switch scheme {
    case .sip, .sips: return try parseSIP(scheme: scheme, scanner: &scanner, into: U.self)
    case .tel: return try parseTel(scanner: &scanner, into: U.self)
    case .other:
      let rest = scanner.rest
      // absoluteURI = scheme ":" ( hier-part / opaque-part ): non-empty, no white space or controls.
      guard !rest.isEmpty,
        rest.allSatisfy({
          $0 > 0x20 && $0 != 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">")
            && $0 != UInt8(ascii: "\"")
        })
      else { throw SIPParseError(reason: "invalid absoluteURI after '\(scheme):' (RFC 3261 §25.1)") }
      var uri = U(scheme: scheme)
      if U.keepsComponents { uri.opaque = String(decoding: rest, as: UTF8.self) }
      return uri
    }
  }

  private static func unescaped(_ run: ArraySlice<UInt8>, what: String) throws(SIPParseError) -> String {
    // Without a '%' the unescaped bytes are the bytes: no intermediate array.
    if !run.contains(UInt8(ascii: "%")) { return String(decoding: run, as: UTF8.self) }
    guard let bytes = SIPGrammar.unescape(run) else {
      throw SIPParseError(reason: "invalid %-escape in URI \(what) (RFC 3986 §2.1)")
    }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// ``unescaped(_:what:)`` when building; when only checking, the same error for a bad escape
  /// and no String.
  private static func unescaped(_ run: ArraySlice<UInt8>, what: String, build: Bool) throws(SIPParseError)
    -> String?
  {
    if build { return try unescaped(run, what: what) }
    if run.contains(UInt8(ascii: "%")), SIPGrammar.unescape(run) == nil {
      throw SIPParseError(reason: "invalid %-escape in URI \(what) (RFC 3986 §2.1)")
    }
    return nil
  }

  private static func parseSIP<U: Components>(scheme: Scheme, scanner: inout SIPScanner, into _: U.Type)
    throws(SIPParseError) -> U
  {
    let build = U.keepsComponents
    let bytes = scanner.bytes
    var uri = U(scheme: scheme)
    // userinfo: '@' cannot appear unescaped anywhere else in a SIP URI, so the first one ends it.
    if let at = bytes[scanner.index..<scanner.end].firstIndex(of: UInt8(ascii: "@")) {
      let userinfo = bytes[scanner.index..<at]
      let colon = userinfo.firstIndex(of: UInt8(ascii: ":"))
      let userBytes = userinfo[..<(colon ?? at)]
      // The class and '%' in one mask test per byte (round 7).
      let userChars = SIPGrammar.adding(
        UInt8(ascii: "%"), to: SIPGrammar.masks(SIPGrammar.unreserved | SIPGrammar.userUnreserved))
      guard !userBytes.isEmpty, userBytes.allSatisfy({ SIPGrammar.is($0, in: userChars) })
      else {
        throw SIPParseError(reason: "invalid user part in SIP URI (RFC 3261 §25.1 user)")
      }
      uri.user = try unescaped(userBytes, what: "user", build: build)
      if let colon {
        let passwordBytes = userinfo[(colon + 1)...]
        let passwordChars = SIPGrammar.adding(
          UInt8(ascii: "%"), to: SIPGrammar.masks(SIPGrammar.unreserved | SIPGrammar.passwordExtra))
        guard passwordBytes.allSatisfy({ SIPGrammar.is($0, in: passwordChars) }) else {
          throw SIPParseError(reason: "invalid password in SIP URI (RFC 3261 §25.1 password)")
        }
        uri.password = try unescaped(passwordBytes, what: "password", build: build)
      }
      scanner.index = at + 1
    }
    let host = try parseHost(&scanner, build: build)
    if build { uri.host = host }
    if scanner.consume(UInt8(ascii: ":")) {
      let digits = scanner.take(SIPGrammar.digit)
      guard let port = SIPGrammar.decimal(digits, limit: 65535) else {
        throw SIPParseError(reason: "invalid port in SIP URI (RFC 3261 §25.1 port)")
      }
      if build { uri.port = Int(port) }
    }
    let paramChars = SIPGrammar.adding(
      UInt8(ascii: "%"), to: SIPGrammar.masks(SIPGrammar.unreserved | SIPGrammar.paramUnreserved))
    while scanner.consume(UInt8(ascii: ";")) {
      let name = scanner.take(in: paramChars)
      guard !name.isEmpty else {
        throw SIPParseError(reason: "empty URI parameter name (RFC 3261 §25.1 pname)")
      }
      var value: String?
      if scanner.consume(UInt8(ascii: "=")) {
        let run = scanner.take(in: paramChars)
        guard !run.isEmpty else {
          throw SIPParseError(reason: "empty URI parameter value (RFC 3261 §25.1 pvalue)")
        }
        value = try unescaped(run, what: "parameter", build: build)
      }
      let unescapedName = try unescaped(name, what: "parameter", build: build)
      if let unescapedName { uri.appendParameter(name: unescapedName, value: value) }
    }
    if scanner.consume(UInt8(ascii: "?")) {
      let headerChars = SIPGrammar.adding(
        UInt8(ascii: "%"), to: SIPGrammar.masks(SIPGrammar.unreserved | SIPGrammar.headerUnreserved))
      repeat {
        let name = scanner.take(in: headerChars)
        guard !name.isEmpty, scanner.consume(UInt8(ascii: "=")) else {
          throw SIPParseError(reason: "URI header must be hname=hvalue (RFC 3261 §25.1 header)")
        }
        let value = scanner.take(in: headerChars)
        let headerName = try unescaped(name, what: "header", build: build)
        let headerValue = try unescaped(value, what: "header", build: build)
        if let headerName, let headerValue {
          uri.appendHeader(Header(name: headerName, value: headerValue))
        }
      } while scanner.consume(UInt8(ascii: "&"))
    }
    guard scanner.isAtEnd else {
      throw SIPParseError(
        reason:
          "unexpected character '\(Character(Unicode.Scalar(scanner.peek ?? 0)))' in SIP URI (RFC 3261 §25.1)"
      )
    }
    return uri
  }

  /// host = hostname / IPv4address / IPv6reference (RFC 3261 §25.1, RFC 5118 §4.3).
  /// With `build` false the host is checked the same way and "" is returned.
  static func parseHost(_ scanner: inout SIPScanner, build: Bool = true) throws(SIPParseError) -> String {
    if scanner.peek == UInt8(ascii: "[") {
      let start = scanner.index
      guard let close = scanner.bytes[start..<scanner.end].firstIndex(of: UInt8(ascii: "]")) else {
        throw SIPParseError(reason: "unterminated IPv6 reference (RFC 3261 §25.1 IPv6reference)")
      }
      guard isIPv6Address(scanner.bytes[(start + 1)..<close]) else {
        throw SIPParseError(reason: "invalid IPv6 address in IPv6 reference (RFC 5118 §4.3)")
      }
      scanner.index = close + 1
      return build ? String(decoding: scanner.bytes[start...close], as: UTF8.self) : ""
    }
    let run = scanner.take(in: SIPGrammar.hostMasks)
    guard !run.isEmpty, run.first != UInt8(ascii: "."), run.first != UInt8(ascii: "-") else {
      throw SIPParseError(reason: "missing or invalid host (RFC 3261 §25.1 hostport)")
    }
    return build ? String(decoding: run, as: UTF8.self) : ""
  }

  private static func parseTel<U: Components>(scanner: inout SIPScanner, into _: U.Type) throws(SIPParseError)
    -> U
  {
    let build = U.keepsComponents
    // telephone-subscriber: global-number ("+" digits, visual separators) or local-number
    // (hex digits, "*", "#", separators) (RFC 3966 §3).
    let number = scanner.take {
      SIPGrammar.isHexDigitByte($0)
        || [
          UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "("), UInt8(ascii: ")"),
          UInt8(ascii: "*"), UInt8(ascii: "#"),
        ].contains($0)
    }
    guard
      number.contains(where: {
        SIPGrammar.isHexDigitByte($0) || $0 == UInt8(ascii: "*") || $0 == UInt8(ascii: "#")
      }),
      !number.dropFirst().contains(UInt8(ascii: "+"))
    else { throw SIPParseError(reason: "invalid telephone-subscriber in tel URI (RFC 3966 §3)") }
    var uri = U(scheme: .tel)
    if build { uri.user = String(decoding: number, as: UTF8.self) }
    let paramChars = SIPGrammar.adding(
      UInt8(ascii: "%"), to: SIPGrammar.masks(SIPGrammar.unreserved | SIPGrammar.paramUnreserved))
    while scanner.consume(UInt8(ascii: ";")) {
      let name = scanner.take {
        SIPGrammar.isAlphaByte($0) || SIPGrammar.isDigitByte($0) || $0 == UInt8(ascii: "-")
      }
      guard !name.isEmpty else { throw SIPParseError(reason: "empty tel URI parameter name (RFC 3966 §3)") }
      var value: String?
      if scanner.consume(UInt8(ascii: "=")) {
        let run = scanner.take(in: paramChars)
        guard !run.isEmpty else { throw SIPParseError(reason: "empty tel URI parameter value (RFC 3966 §3)") }
        value = try unescaped(run, what: "parameter", build: build)
      }
      if build { uri.appendParameter(name: String(decoding: name, as: UTF8.self), value: value) }
    }
    guard scanner.isAtEnd else {
      throw SIPParseError(reason: "unexpected character in tel URI (RFC 3966 §3)")
    }
    return uri
  }

  /// Whether `bytes` is an IPv6 address in text form (RFC 4291 §2.2): eight groups of one to four
  /// hex digits, one `::` standing for one or more zero groups, an IPv4 address as the last 32 bits.
  /// `2001:db8:::192.0.2.1` (three colons) is refused (RFC 5118 §4.3).
  static func isIPv6Address(_ bytes: ArraySlice<UInt8>) -> Bool {
    guard bytes.count >= 2, bytes.count <= 45 else { return false }
    let colon = UInt8(ascii: ":")
    let text = Array(bytes)
    // Locate a single "::".
    var doubleAt: Int?
    var i = 0
    while i + 1 < text.count {
      if text[i] == colon, text[i + 1] == colon {
        if doubleAt != nil { return false }
        if i + 2 < text.count, text[i + 2] == colon { return false }
        doubleAt = i
        i += 2
      } else {
        i += 1
      }
    }
    func groups(_ part: ArraySlice<UInt8>) -> [ArraySlice<UInt8>]? {
      if part.isEmpty { return [] }
      let pieces = part.split(separator: colon, omittingEmptySubsequences: false)
      return pieces.contains(where: \.isEmpty) ? nil : pieces
    }
    let head: [ArraySlice<UInt8>]
    let tail: [ArraySlice<UInt8>]
    if let d = doubleAt {
      guard let h = groups(text[..<d]), let t = groups(text[(d + 2)...]) else { return false }
      head = h
      tail = t
    } else {
      guard let h = groups(text[...]) else { return false }
      head = h
      tail = []
    }
    var all = head + tail
    var count = 0
    if let last = all.last, last.contains(UInt8(ascii: ".")) {
      guard isIPv4Address(last) else { return false }
      all.removeLast()
      count += 2
    }
    for g in all {
      guard g.count >= 1, g.count <= 4, g.allSatisfy({ SIPGrammar.isHexDigitByte($0) }) else {
        return false
      }
      count += 1
    }
    return doubleAt != nil ? count <= 7 : count == 8
  }

  /// Whether `bytes` is a dotted-quad IPv4 address (RFC 3261 §25.1 IPv4address).
  /// Four groups of one to three digits, each at most 255, separated by dots: read in one pass
  /// (a `split` into an array of slices cost ~2,800 instructions per stamped Via; msgcost).
  static func isIPv4Address(_ bytes: ArraySlice<UInt8>) -> Bool {
    var dots = 0
    var digits = 0
    var value = 0
    for b in bytes {
      if b == UInt8(ascii: ".") {
        guard digits > 0, dots < 3 else { return false }
        dots += 1
        digits = 0
        value = 0
        continue
      }
      let d = b &- UInt8(ascii: "0")
      guard d < 10, digits < 3 else { return false }
      digits += 1
      value = value * 10 + Int(d)
      guard value <= 255 else { return false }
    }
    return dots == 3 && digits > 0
  }
}

extension SIPURI {
  /// What the URI grammar writes its components to: the URI itself, or nothing at all
  /// (``GrammarCheck``), so that one grammar serves both the parse and the check and the check
  /// makes and copies no URI value.
  protocol Components {
    /// false: the grammar makes no String for the components.
    static var keepsComponents: Bool { get }
    init(scheme: Scheme)
    var user: String? { get set }
    var password: String? { get set }
    var host: String { get set }
    var port: Int? { get set }
    var opaque: String? { get set }
    mutating func appendParameter(name: String, value: String?)
    mutating func appendHeader(_ header: Header)
  }

  /// The components of a URI checked and dropped.
  struct GrammarCheck: Components {
    static var keepsComponents: Bool { false }
    init(scheme: Scheme) {}
    var user: String? {
      get { nil }
      set {}
    }
    var password: String? {
      get { nil }
      set {}
    }
    var host: String {
      get { "" }
      set {}
    }
    var port: Int? {
      get { nil }
      set {}
    }
    var opaque: String? {
      get { nil }
      set {}
    }
    func appendParameter(name: String, value: String?) {}
    func appendHeader(_ header: Header) {}
  }
}

extension SIPURI: SIPURI.Components {
  static var keepsComponents: Bool { true }
  init(scheme: Scheme) { self.init(scheme: scheme, host: "") }
  mutating func appendParameter(name: String, value: String?) { parameters.append(name: name, value: value) }
  mutating func appendHeader(_ header: Header) { headers.append(header) }
}
