// Typed accessors. Each parses its header when called (nothing is parsed at message-parse time:
// a message whose Via nobody reads never pays for parsing Via), unless the message holds its
// transaction headers parsed once (SIPMessage+Cache.swift), which answer the same. An accessor
// answers nil (or leaves a value out of a list) when the header is absent or malformed;
// validateAsRequest()/validateAsResponse() say why.

extension SIPMessage {
  /// Call-ID (RFC 3261 §20.8), as written.
  public var callID: String? {
    if let parsedHeaders { return parsedHeaders.callID }
    return firstValue(.callID)
  }

  /// The From header parsed (RFC 3261 §20.20).
  public var from: SIPNameAddress? {
    if let parsedHeaders { return parsedHeaders.from { parseFrom() } }
    return parseFrom()
  }

  /// The To header parsed (RFC 3261 §20.39).
  public var to: SIPNameAddress? {
    if let parsedHeaders { return parsedHeaders.to { parseTo() } }
    return parseTo()
  }

  /// The `tag` of To (RFC 3261 §19.3): the same as `to?.tag`, without parsing To in full when
  /// the message caches its transaction headers (the cache keeps the tag only).
  public var toTag: String? {
    if let parsedHeaders { return parsedHeaders.toTag }
    return parseTo()?.tag
  }

  /// The `tag` of From: the same as `from?.tag` (see ``toTag``).
  public var fromTag: String? {
    if let parsedHeaders { return parsedHeaders.fromTag }
    return parseFrom()?.tag
  }

  /// CSeq parsed (RFC 3261 §20.16).
  public var cseq: SIPCSeq? {
    if let parsedHeaders { return parsedHeaders.cseq }
    return parseCSeq()
  }

  /// Every Via value parsed, topmost first (RFC 3261 §20.42); malformed values are left out.
  public var vias: [SIPVia] { headerValues("Via").compactMap { try? SIPVia.parse($0) } }

  /// The topmost Via parsed.
  public var topVia: SIPVia? {
    if let parsedHeaders { return parsedHeaders.topVia }
    return parseTopVia()
  }

  /// `body` run on ``topVia`` without copying it out of the message's parsed headers (a
  /// caller that reads a field or two of the Via: the copy and destroy of the whole value cost
  /// more than the read).
  public func withTopVia<R>(_ body: (SIPVia?) throws -> R) rethrows -> R {
    if let parsedHeaders { return try parsedHeaders.withTopVia(body) }
    return try body(parseTopVia())
  }

  /// Max-Forwards, 0–255 (RFC 3261 §20.22).
  public var maxForwards: Int? {
    // An unfolded line's digits are read where they are (the validator reads this for every
    // request): a byte that is not a digit fails here as its decoded String would.
    if let f = fields.first(where: { $0.id == .maxForwards }), !f.folded {
      return SIPGrammar.decimal(bytes[f.valueStart..<f.valueEnd], limit: 255).map { Int($0) }
    }
    return firstValue(.maxForwards).flatMap { SIPGrammar.decimal($0.utf8, limit: 255) }.map { Int($0) }
  }

  /// Contact values parsed (RFC 3261 §20.10); empty for `Contact: *` (see ``isWildcardContact``).
  public var contacts: [SIPNameAddress] {
    headerValues("Contact").compactMap { $0 == "*" ? nil : try? SIPNameAddress.parse($0) }
  }

  /// Whether the message has `Contact: *` (a REGISTER removing all bindings, RFC 3261 §10.2.2).
  public var isWildcardContact: Bool { headerValues("Contact") == ["*"] }

  /// Route values parsed, in order (RFC 3261 §20.34).
  public var routes: [SIPNameAddress] { headerValues("Route").compactMap { try? SIPNameAddress.parse($0) } }

  /// Record-Route values parsed, in order (RFC 3261 §20.30).
  public var recordRoutes: [SIPNameAddress] {
    headerValues("Record-Route").compactMap { try? SIPNameAddress.parse($0) }
  }

  /// Content-Type as written (RFC 3261 §20.15), e.g. `application/sdp`.
  public var contentType: String? { firstValue(.contentType) }

  /// The media type of Content-Type without parameters, lowercased (`application/sdp`).
  public var mediaType: String? {
    guard let value = contentType else { return nil }
    if let type = Self.asciiMediaType(value) { return type }
    let type = value.split(separator: ";", maxSplits: 1).first ?? ""
    return String(type.filter { !$0.isWhitespace }).lowercased()
  }

  /// ``mediaType`` read on the bytes of the usual value (ASCII up to the first `;` and the byte
  /// after it), with the same result as the general path: white space dropped, letters lowered.
  /// Nil for what the general path must read: non-ASCII text, whose characters and case
  /// mappings are Unicode's, and a value starting with `;`, whose empty first part `split` skips.
  static func asciiMediaType(_ value: String) -> String? {
    let utf8 = value.utf8
    guard utf8.first != UInt8(ascii: ";") else { return nil }
    var type: [UInt8] = []
    type.reserveCapacity(utf8.count)
    var iterator = utf8.makeIterator()
    while let byte = iterator.next() {
      guard byte < 0x80 else { return nil }
      switch byte {
      case UInt8(ascii: ";"):
        // A combining mark after `;` would join it into one character that `split` keeps.
        if let next = iterator.next(), next >= 0x80 { return nil }
        return String(decoding: type, as: UTF8.self)
      case 0x09...0x0D, 0x20:
        continue
      case UInt8(ascii: "A")...UInt8(ascii: "Z"):
        type.append(byte | 0x20)
      default:
        type.append(byte)
      }
    }
    return String(decoding: type, as: UTF8.self)
  }

  /// Content-Length (validated by the parser when present).
  public var contentLength: Int? { firstValue(.contentLength).flatMap { Int($0.trimmingLWS) } }

  /// Expires in seconds (RFC 3261 §20.19); values beyond 2³²−1 are clamped to 2³²−1.
  public var expires: UInt32? {
    guard let text = firstValue(.expires)?.trimmingLWS, !text.isEmpty,
      text.utf8.allSatisfy({ SIPGrammar.isDigitByte($0) })
    else { return nil }
    return UInt32(clamping: SIPGrammar.decimal(text.utf8, limit: UInt64(UInt32.max)) ?? UInt64(UInt32.max))
  }

  /// Option tags of Require (RFC 3261 §20.32).
  public var require: [String] { tokens(.require) }
  /// Option tags of Proxy-Require (RFC 3261 §20.29).
  public var proxyRequire: [String] { tokens(.proxyRequire) }
  /// Option tags of Supported (RFC 3261 §20.37).
  public var supported: [String] { tokens(.supported) }
  /// Option tags of Unsupported (RFC 3261 §20.40).
  public var unsupported: [String] { tokens(.unsupported) }
  /// Methods of Allow (RFC 3261 §20.5).
  public var allow: [String] { tokens(.allow) }

  // By the header's id, not its name: the validator reads `require` for every request, and
  // identifying the name String cost more than finding that the message has no such line.
  func tokens(_ id: SIPHeaderName) -> [String] {
    guard fields.contains(where: { $0.id == id }) else { return [] }
    return valueRanges(.known(id)).map { valueString($0.range, folded: $0.folded).trimmingLWS }.filter {
      !$0.isEmpty
    }
  }

  /// User-Agent as written: product tokens and comments (RFC 3261 §20.41).
  public var userAgent: String? { firstValue(.userAgent) }
  /// Server as written: product tokens and comments (RFC 3261 §20.35).
  public var server: String? { firstValue(.server) }

  /// The raw value of each WWW-Authenticate line (one challenge per line; the digest code parses
  /// its parameters), RFC 3261 §20.44.
  public var wwwAuthenticate: [String] { headerLines("WWW-Authenticate") }
  /// The raw value of each Proxy-Authenticate line (RFC 3261 §20.27).
  public var proxyAuthenticate: [String] { headerLines("Proxy-Authenticate") }
  /// The raw value of each Authorization line (RFC 3261 §20.7).
  public var authorization: [String] { headerLines("Authorization") }
  /// The raw value of each Proxy-Authorization line (RFC 3261 §20.28).
  public var proxyAuthorization: [String] { headerLines("Proxy-Authorization") }
}

extension String {
  var trimmingLWS: String {
    var s = Substring(self)
    while let f = s.utf8.first, SIPGrammar.isLWS(f) { s = s.dropFirst() }
    while let l = s.utf8.last, SIPGrammar.isLWS(l) { s = s.dropLast() }
    return String(s)
  }
}
