// Parse-once for the headers of the transaction path (SIPParsedHeaders). The cache lives in the
// message and is dropped by every change of its header lines or start line (the didSet of
// `fields` and `part2` in SIPMessage.swift), so an accessor never answers from stale text.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension SIPMessage {
  /// Parses the top Via, CSeq and Call-ID now and keeps them, and checks To and From keeping
  /// their tags, so that the typed accessors (``to``, ``from``, ``toTag``, ``fromTag``,
  /// ``topVia``, ``cseq``, ``callID``, ``requestURIValue``) answer without parsing again until the
  /// message's headers or start line change (`to`, `from` and the Request-URI parse in full on
  /// their first read). Answers are the same as without the cache. Does nothing when already
  /// cached.
  ///
  /// The transaction layer calls it on each message it receives: its keys, the §8.2 checks and
  /// the response builder all read these headers.
  public mutating func cacheTransactionHeaders() {
    guard parsedHeaders == nil else { return }
    parsedHeaders = SIPParsedHeaders(
      to: checkNameAddress(.to), from: checkNameAddress(.from), topVia: parseTopVia(), cseq: parseCSeq(),
      callID: firstValue(.callID))
  }

  /// Drops the values ``cacheTransactionHeaders()`` parsed (the accessors parse again when
  /// asked). For a message kept long after its headers were read: a UDP non-INVITE server
  /// transaction keeps its request 32 s after answering it (Timer J, RFC 3261 §17.2.2), and the
  /// parsed values are most of what it holds.
  public mutating func discardCachedTransactionHeaders() {
    parsedHeaders = nil
  }

  /// Whether ``cacheTransactionHeaders()`` holds parsed values for the current headers.
  public var hasCachedTransactionHeaders: Bool { parsedHeaders != nil }

  /// Replaces the top Via value by `via` (the received/rport stamp of RFC 3261 §18.2.1 and
  /// RFC 3581 §4) and keeps the other cached headers, which did not change. Returns the new
  /// value as written.
  @discardableResult
  public mutating func replaceTopVia(with via: SIPVia) -> String {
    let cached = parsedHeaders
    let text: String
    if let index = fields.firstIndex(where: { $0.id == .via }), !fields[index].folded,
      !bytes[fields[index].valueStart..<fields[index].valueEnd].contains(UInt8(ascii: ",")),
      index + 1 < fields.count && fields[index + 1].id == .via
        || index == 0 && !fields.dropFirst().contains(where: { $0.id == .via })
    {
      // The usual case: the first Via line holds one value and is the first header line or
      // followed by the next Via line. The new line is written as bytes where `removeFirstValue`
      // and `prependHeader` would put it, without their Strings and two moves of the header array.
      let start = bytes.count
      bytes.appendASCII(Self.viaName)
      let nameEnd = bytes.count
      bytes.append(UInt8(ascii: ":"))
      bytes.append(0x20)
      let valueStart = bytes.count
      via.appendText(to: &bytes)
      // As makeField: CR and LF never reach a header line, trailing white space is trimmed.
      for i in valueStart..<bytes.count where bytes[i] == 0x0D || bytes[i] == 0x0A { bytes[i] = 0x20 }
      var valueEnd = bytes.count
      while valueEnd > valueStart, SIPGrammar.isWSP(bytes[valueEnd - 1]) { valueEnd -= 1 }
      text = string(valueStart..<valueEnd)
      fields[index] = Field(
        lineStart: start, nameEnd: nameEnd, valueStart: valueStart, valueEnd: valueEnd, lineEnd: bytes.count,
        id: .via, folded: false)
    } else {
      text = via.description
      removeFirstValue("Via")
      prependHeader("Via", text)
    }
    if let cached { parsedHeaders = cached.replacingTopVia(via) }
    return text
  }

  static let viaName: StaticString = "Via"

  /// Whether the first Via value is `text` (the same answer as `header("Via") == text`),
  /// comparing bytes when the first Via line is one unfolded ASCII value: the transport asks it
  /// of every response it sends, to see whether the response goes to the request's source.
  public func topViaValue(is text: String) -> Bool {
    guard let range = inPlaceValue(.via) else { return header("Via") == text }
    var text = text
    return text.withUTF8 { other in
      guard other.count == range.count else { return false }
      guard let theirs = other.baseAddress else { return true }
      // memcmp: the byte loop cost ~1,000 instructions for a 100-byte Via (round 7).
      return bytes.withUnsafeBufferPointer { mine in
        guard let base = mine.baseAddress, range.upperBound <= mine.count else { return false }
        return memcmp(base + range.lowerBound, theirs, other.count) == 0
      }
    }
  }

  /// The bytes of the first value of `id` when it can be read in place: an unfolded ASCII line
  /// (for a comma-list header, one without a comma), trimmed as ``valueRanges(_:split:)`` trims
  /// a list element. nil otherwise; the String accessors answer then.
  func inPlaceValue(_ id: SIPHeaderName) -> Range<Int>? {
    guard let f = fields.first(where: { $0.id == id }), !f.folded, isASCII(f.valueStart..<f.valueEnd) else {
      return nil
    }
    guard id.isList else { return f.valueStart..<f.valueEnd }
    // memchr for the comma and the trim on the buffer's memory: the slice's `contains` and
    // subscripts cost ~280 instructions per read, read ~27 times per call (round 7).
    return bytes.withUnsafeBufferPointer { buffer -> Range<Int>? in
      guard let base = buffer.baseAddress, f.valueEnd <= buffer.count, f.valueStart < f.valueEnd else {
        return nil
      }
      guard memchr(base + f.valueStart, Int32(UInt8(ascii: ",")), f.valueEnd - f.valueStart) == nil else {
        return nil
      }
      var start = f.valueStart
      var end = f.valueEnd
      while start < end, SIPGrammar.isLWS(buffer[start]) { start += 1 }
      while end > start, SIPGrammar.isLWS(buffer[end - 1]) { end -= 1 }
      return start < end ? start..<end : nil
    }
  }

  // Each parses the bytes in place when it can (no String of the value, no copy of its bytes:
  // the same parse over the same ASCII bytes), else the value's String as the accessors do.
  func parseTo() -> SIPNameAddress? {
    if var scanner = inPlaceScanner(.to) { return try? SIPNameAddress.parse(&scanner) }
    return firstValue(.to).flatMap { try? SIPNameAddress.parse($0) }
  }
  func parseFrom() -> SIPNameAddress? {
    if var scanner = inPlaceScanner(.from) { return try? SIPNameAddress.parse(&scanner) }
    return firstValue(.from).flatMap { try? SIPNameAddress.parse($0) }
  }
  /// Whether the first value of To or From parses (as ``parseTo()`` would) and its tag, without
  /// making the parsed value.
  func checkNameAddress(_ id: SIPHeaderName) -> (valid: Bool, tag: String?) {
    var scanner: SIPScanner
    if let inPlace = inPlaceScanner(id) {
      scanner = inPlace
    } else if let text = firstValue(id) {
      scanner = SIPScanner(text)
    } else {
      return (false, nil)
    }
    do {
      return (true, try SIPNameAddress.checkTag(&scanner))
    } catch {
      return (false, nil)
    }
  }
  func parseTopVia() -> SIPVia? {
    if var scanner = inPlaceScanner(.via) { return try? SIPVia.parse(&scanner) }
    return firstValue(.via).flatMap { try? SIPVia.parse($0) }
  }
  func parseCSeq() -> SIPCSeq? {
    if var scanner = inPlaceScanner(.cseq) { return try? SIPCSeq.parse(&scanner) }
    return firstValue(.cseq).flatMap { try? SIPCSeq.parse($0) }
  }

  func inPlaceScanner(_ id: SIPHeaderName) -> SIPScanner? {
    inPlaceValue(id).map { SIPScanner(bytes, from: $0.lowerBound, to: $0.upperBound) }
  }
  func parseRequestURI() -> SIPURI? {
    guard isRequest else { return nil }
    return try? SIPURI.parse(bytes: bytes, from: part2.lowerBound, to: part2.upperBound)
  }
}
