/// One Via value: `SIP/2.0/UDP host:port;branch=…;received=…;rport` (RFC 3261 §20.42, RFC 3581).
///
/// ```swift
/// var via = SIPVia(transport: "UDP", host: "192.0.2.4", port: 5060, branch: "z9hG4bK776asdhds")
/// via.rport = .requested
/// via.description    // "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds;rport"
/// ```
public struct SIPVia: Sendable, Hashable, CustomStringConvertible {
  /// The prefix of branches made by RFC 3261 elements (RFC 3261 §8.1.1.7).
  public static let magicCookie = "z9hG4bK"

  /// The `rport` parameter of RFC 3581: asked for (no value, in a request) or filled in.
  public enum RPort: Sendable, Hashable {
    case requested
    case port(Int)
  }

  public var protocolName: String
  public var protocolVersion: String
  /// The transport as written (`UDP`, `TCP`, `TLS`, `SCTP`, `WS`, or an unknown token).
  public var transport: String
  /// sent-by host: domain name, IPv4 address or IPv6 reference with brackets.
  public var host: String
  /// sent-by port, nil when absent.
  public var port: Int?
  /// Via parameters, values as written.
  public var parameters: SIPParameters

  public init(
    transport: String, host: String, port: Int? = nil, branch: String? = nil,
    parameters: SIPParameters = SIPParameters()
  ) {
    self.protocolName = "SIP"
    self.protocolVersion = "2.0"
    self.transport = transport
    self.host = host
    self.port = port
    self.parameters = parameters
    if let branch { self.branch = branch }
  }

  /// The `branch` parameter (RFC 3261 §8.1.1.7).
  public var branch: String? {
    get { parameters.value("branch") }
    set { parameters["branch"] = newValue.map { .some($0) } }
  }

  /// Whether the branch starts with the magic cookie and has something after it; when false, an
  /// element falls back to RFC 2543 transaction matching (RFC 3261 §17.2.3, RFC 4475 §3.2.1).
  public var isRFC3261Branch: Bool {
    guard let branch else { return false }
    return branch.hasPrefix(Self.magicCookie) && branch.utf8.count > Self.magicCookie.utf8.count
  }

  /// The `received` parameter (RFC 3261 §18.2.1) as written; an IPv6 address may come with or
  /// without brackets (RFC 5118 §4.5 accepts both).
  public var received: String? {
    get { parameters.value("received") }
    set { parameters["received"] = newValue.map { .some($0) } }
  }

  /// The `rport` parameter (RFC 3581 §3, §4).
  public var rport: RPort? {
    get {
      guard let value = parameters["rport"] else { return nil }
      guard let value else { return .requested }
      return SIPGrammar.decimal(value.utf8, limit: 65535).map { .port(Int($0)) }
    }
    set {
      switch newValue {
      case nil: parameters["rport"] = nil
      case .requested: parameters["rport"] = .some(nil)
      case .port(let p): parameters["rport"] = .some(String(p))
      }
    }
  }

  /// The `maddr` parameter (RFC 3261 §18.2.2).
  public var maddr: String? { parameters.value("maddr") }

  /// The `ttl` parameter (RFC 3261 §18.2.2), 0–255.
  public var ttl: Int? {
    parameters.value("ttl").flatMap { SIPGrammar.decimal($0.utf8, limit: 255) }.map { Int($0) }
  }

  /// The sent-by as `host` or `host:port`.
  public var sentBy: String {
    guard let port else { return host }
    // `"\(host):\(port)"` written into the String's own storage: the interpolation cost ~760
    // instructions, and every server transaction's key reads it (round 7). The capacity is the
    // exact length, so that a text of 15 bytes or fewer stays a small String (no allocation).
    var digits = 1
    var rest = port.magnitude / 10
    while rest > 0 {
      digits += 1
      rest /= 10
    }
    let sign = port < 0 ? 1 : 0
    var host = host
    return host.withUTF8 { name in
      String(unsafeUninitializedCapacity: name.count + 1 + sign + digits) { out in
        var i = 0
        for b in name {
          out[i] = b
          i += 1
        }
        out[i] = UInt8(ascii: ":")
        if sign == 1 { out[i + 1] = UInt8(ascii: "-") }
        i += 1 + sign + digits
        var magnitude = port.magnitude
        for k in 1...digits {
          out[i - k] = UInt8(ascii: "0") + UInt8(magnitude % 10)
          magnitude /= 10
        }
        return i
      }
    }
  }

  public var description: String {
    var text: [UInt8] = []
    appendText(to: &text)
    return String(decoding: text, as: UTF8.self)
  }

  /// Appends the UTF-8 of ``description`` to `bytes`, without making Strings on the way (the
  /// transport writes one for every request it stamps, RFC 3261 §18.2.1).
  public func appendText(to bytes: inout [UInt8]) {
    bytes.appendUTF8(protocolName)
    bytes.append(UInt8(ascii: "/"))
    bytes.appendUTF8(protocolVersion)
    bytes.append(UInt8(ascii: "/"))
    bytes.appendUTF8(transport)
    bytes.append(0x20)
    bytes.appendUTF8(host)
    if let port {
      bytes.append(UInt8(ascii: ":"))
      SIPGrammar.appendDecimal(port, to: &bytes)
    }
    for p in parameters.elements {
      bytes.append(UInt8(ascii: ";"))
      bytes.appendUTF8(p.name)
      if let value = p.value {
        bytes.append(UInt8(ascii: "="))
        bytes.appendUTF8(value)
      }
    }
  }

  /// Parses one via-parm (one element of the Via list). LWS is allowed around `/`, `:`, `;` and
  /// `=` (RFC 4475 §3.1.1.1); a trailing comment (RFC 2543) is accepted and ignored.
  public static func parse(_ text: String) throws(SIPParseError) -> SIPVia {
    var scanner = SIPScanner(text)
    return try parse(&scanner)
  }

  /// ``parse(_:)`` of the bytes the scanner covers (all of them must be the one via-parm).
  static func parse(_ scanner: inout SIPScanner) throws(SIPParseError) -> SIPVia {
    scanner.skipLWS()
    guard let name = scanner.token(), scanner.consume(UInt8(ascii: "/"), lws: true),
      let version = scanner.token(), scanner.consume(UInt8(ascii: "/"), lws: true),
      let transport = scanner.token()
    else {
      throw SIPParseError(reason: "Via must start with protocol-name/version/transport (RFC 3261 §20.42)")
    }
    let beforeLWS = scanner.index
    scanner.skipLWS()
    guard scanner.index > beforeLWS else {
      throw SIPParseError(reason: "Via needs white space between sent-protocol and sent-by (RFC 3261 §25.1)")
    }
    let host = try SIPURI.parseHost(&scanner)
    var via = SIPVia(transport: transport, host: host)
    via.protocolName = name
    via.protocolVersion = version
    if scanner.consume(UInt8(ascii: ":"), lws: true) {
      guard let port = SIPGrammar.decimal(scanner.take(SIPGrammar.digit), limit: 65535) else {
        throw SIPParseError(reason: "invalid sent-by port in Via (RFC 3261 §25.1)")
      }
      via.port = Int(port)
    }
    // The parameters, and where the first of each checked one lies, found as they are read by
    // comparing their bytes (four lookups, each a scan of the list, were ~1,300 instructions per
    // Via, round 6; comparing the made Strings after the parse ~500, msgcost).
    var receivedParameter: Range<Int>?? = nil
    var rportParameter: Range<Int>?? = nil
    var ttlParameter: Range<Int>?? = nil
    var branchParameter: Range<Int>?? = nil
    var parameters = SIPParameters()
    let bytes = scanner.bytes
    func named(_ name: Range<Int>, _ lower: StaticString) -> Bool {
      guard name.count == lower.utf8CodeUnitCount else { return false }
      var k = 0
      for i in name {
        guard SIPGrammar.lowercased(bytes[i]) == lower.utf8Start[k] else { return false }
        k += 1
      }
      return true
    }
    try SIPParameters.scanHeaderParameters(&scanner) { name, value in
      // Room for a few at once (a Via's branch, rport and the received stamp).
      if parameters.isEmpty { parameters.reserveCapacity(4) }
      parameters.append(
        name: SIPCommonWords.string(bytes, name),
        value: value.map { String(decoding: bytes[$0], as: UTF8.self) })
      switch name.count {
      case 8 where receivedParameter == nil && named(name, "received"): receivedParameter = .some(value)
      case 5 where rportParameter == nil && named(name, "rport"): rportParameter = .some(value)
      case 3 where ttlParameter == nil && named(name, "ttl"): ttlParameter = .some(value)
      case 6 where branchParameter == nil && named(name, "branch"): branchParameter = .some(value)
      default: break
      }
    }
    via.parameters = parameters
    scanner.skipLWS()
    if scanner.peek == UInt8(ascii: "(") {
      // A trailing comment (RFC 2543 §6.40) carries no protocol meaning: skipped.
      try scanner.skipComment()
      scanner.skipLWS()
    }
    guard scanner.isAtEnd else { throw SIPParseError(reason: "unexpected text in Via (RFC 3261 §20.42)") }
    // The checks read the values' bytes as written: what the Strings held, but for bytes that are
    // not UTF-8 (repaired in the String), which none of the checks accepts either way.
    if let received = receivedParameter {
      guard let received else {
        throw SIPParseError(reason: "Via received needs an address (RFC 3261 §20.42)")
      }
      var address = bytes[received]
      if address.first == UInt8(ascii: "["), address.last == UInt8(ascii: "]") {
        address = address.dropFirst().dropLast()
      }
      guard SIPURI.isIPv4Address(address) || SIPURI.isIPv6Address(address) else {
        throw SIPParseError(
          reason: "Via received must be an IPv4 or IPv6 address (RFC 3261 §20.42, RFC 5118 §4.5)")
      }
    }
    if let rport = rportParameter, let value = rport, SIPGrammar.decimal(bytes[value], limit: 65535) == nil {
      throw SIPParseError(reason: "Via rport must be empty or a port number (RFC 3581 §3)")
    }
    if let ttl = ttlParameter, ttl.flatMap({ SIPGrammar.decimal(bytes[$0], limit: 255) }) == nil {
      throw SIPParseError(reason: "Via ttl must be 0-255 (RFC 3261 §25.1)")
    }
    if let branch = branchParameter, branch.map({ SIPGrammar.isToken(bytes[$0]) }) != true {
      throw SIPParseError(reason: "Via branch must be a token (RFC 3261 §20.42)")
    }
    return via
  }
}
