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
