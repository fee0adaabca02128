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
    if let parsedHeaders { return parsedHeaders.from }
    return parseFrom()
  }

  /// The To header parsed (RFC 3261 §20.39).
  public var to: SIPNameAddress? {
    if let parsedHeaders { return parsedHeaders.to }
    return parseTo()
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

  /// Max-Forwards, 0–255 (RFC 3261 §20.22).
  public var maxForwards: Int? {
    firstValue(.maxForwards).flatMap { SIPGrammar.decimal($0.utf8, limit: 255) }.map { Int($0) }
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
    let type = value.split(separator: ";", maxSplits: 1).first ?? ""
    return String(type.filter { !$0.isWhitespace }).lowercased()
  }

  /// Content-Length (validated by the parser when present).
  public var contentLength: Int? { firstValue(.contentLength).flatMap { Int($0.trimmingLWS) } }

  /// Expires in seconds (RFC 3261 §20.19); values beyond 2³²−1 are clamped to 2³²−1.
  public var expires: UInt32? {
    guard let text = firstValue(.expires)?.trimmingLWS, !text.isEmpty,
      text.utf8.allSatisfy({ SIPGrammar.is($0, SIPGrammar.digit) })
    else { return nil }
    return UInt32(clamping: SIPGrammar.decimal(text.utf8, limit: UInt64(UInt32.max)) ?? UInt64(UInt32.max))
  }

  /// Option tags of Require (RFC 3261 §20.32).
  public var require: [String] { tokens("Require") }
  /// Option tags of Proxy-Require (RFC 3261 §20.29).
  public var proxyRequire: [String] { tokens("Proxy-Require") }
  /// Option tags of Supported (RFC 3261 §20.37).
  public var supported: [String] { tokens("Supported") }
  /// Option tags of Unsupported (RFC 3261 §20.40).
  public var unsupported: [String] { tokens("Unsupported") }
  /// Methods of Allow (RFC 3261 §20.5).
  public var allow: [String] { tokens("Allow") }

  func tokens(_ name: String) -> [String] {
    headerValues(name).map { $0.trimmingLWS }.filter { !$0.isEmpty }
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

/// The headers every transaction reads, parsed once: To, From, the top Via, CSeq, Call-ID and the
/// Request-URI of one ``SIPMessage`` as its typed accessors would answer them (nil when absent or
/// malformed).
///
/// A message holds one after ``SIPMessage/cacheTransactionHeaders()`` until its next change of
/// headers or start line. Without it, each read of `to`, `from`, `topVia`, `cseq` parses its
/// header again, and a UAS read To six times per OPTIONS (docs/benchmarks-transactions.md).
///
/// A class so that copies of a message share it (one retain), immutable so that sharing is safe.
final class SIPParsedHeaders: Sendable {
  let to: SIPNameAddress?
  let from: SIPNameAddress?
  let topVia: SIPVia?
  let cseq: SIPCSeq?
  let callID: String?
  let requestURI: SIPURI?

  init(
    to: SIPNameAddress?, from: SIPNameAddress?, topVia: SIPVia?, cseq: SIPCSeq?, callID: String?,
    requestURI: SIPURI?
  ) {
    self.to = to
    self.from = from
    self.topVia = topVia
    self.cseq = cseq
    self.callID = callID
    self.requestURI = requestURI
  }

  /// The same values with another top Via (the message's top Via was replaced by it).
  func replacingTopVia(_ via: SIPVia) -> SIPParsedHeaders {
    SIPParsedHeaders(to: to, from: from, topVia: via, cseq: cseq, callID: callID, requestURI: requestURI)
  }
}

// Parse-once for the headers of the transaction path (SIPParsedHeaders). The cache lives in the
// message and is dropped by every change of its header lines or start line (the didSet of
// `fields` and `part2` in SIPMessage.swift), so an accessor never answers from stale text.

extension SIPMessage {
  /// Parses To, From, the top Via, CSeq, Call-ID and the Request-URI now and keeps them, so that
  /// the typed accessors (``to``, ``from``, ``topVia``, ``cseq``, ``callID``,
  /// ``requestURIValue``) answer without parsing until the message's headers or start line
  /// change. Answers are the same as without the cache. Does nothing when already cached.
  ///
  /// The transaction layer calls it on each message it receives: its keys, the §8.2 checks and
  /// the response builder all read these headers.
  public mutating func cacheTransactionHeaders() {
    guard parsedHeaders == nil else { return }
    parsedHeaders = SIPParsedHeaders(
      to: parseTo(), from: parseFrom(), topVia: parseTopVia(), cseq: parseCSeq(), callID: firstValue(.callID),
      requestURI: parseRequestURI())
  }

  /// Whether ``cacheTransactionHeaders()`` holds parsed values for the current headers.
  public var hasCachedTransactionHeaders: Bool { parsedHeaders != nil }

  /// Replaces the top Via value by `via` (the received/rport stamp of RFC 3261 §18.2.1 and
  /// RFC 3581 §4) and keeps the other cached headers, which did not change. Returns the new
  /// value as written.
  @discardableResult
  public mutating func replaceTopVia(with via: SIPVia) -> String {
    let cached = parsedHeaders
    let text = via.description
    removeFirstValue("Via")
    prependHeader("Via", text)
    if let cached { parsedHeaders = cached.replacingTopVia(via) }
    return text
  }

  func parseTo() -> SIPNameAddress? { firstValue(.to).flatMap { try? SIPNameAddress.parse($0) } }
  func parseFrom() -> SIPNameAddress? { firstValue(.from).flatMap { try? SIPNameAddress.parse($0) } }
  func parseTopVia() -> SIPVia? { firstValue(.via).flatMap { try? SIPVia.parse($0) } }
  func parseCSeq() -> SIPCSeq? { firstValue(.cseq).flatMap { try? SIPCSeq.parse($0) } }
  func parseRequestURI() -> SIPURI? {
    guard isRequest else { return nil }
    return try? SIPURI.parse(bytes: Array(bytes[part2]))
  }
}
