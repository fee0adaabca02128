// The second half of the parse/validate split. SIPMessage.parse checks framing only, so that a
// proxy or a load test pays ~1 µs per datagram; what a UAS must check before it acts on a request
// (mandatory headers, their grammar, CSeq/method agreement, the Request-URI scheme, RFC 4475 §3.3)
// lives here and runs only when called.

extension SIPMessage {
  /// Checks a request as a user agent server (or a proxy) must before processing it.
  ///
  /// In order: To, From, Call-ID, CSeq and Via present (RFC 3261 §8.1.1; Max-Forwards may be
  /// absent for RFC 2543 peers, RFC 4475 §3.4.1); single-valued headers not repeated (RFC 4475
  /// §3.3.8); the grammar of To, From, Call-ID, CSeq, Via, Max-Forwards, Contact, Route,
  /// Record-Route and Expires (RFC 3261 §25.1); the CSeq method equal to the request method
  /// (RFC 4475 §3.1.2.17); the Request-URI parsed, its scheme supported (416) and free of headers
  /// (RFC 3261 §19.1.1 table 1); then what ``SIPValidationPolicy`` asks for (483, 420, 415).
  ///
  /// - Throws: ``SIPParseError`` whose `statusCode` is the response to send.
  public func validateAsRequest(_ policy: SIPValidationPolicy = SIPValidationPolicy()) throws(SIPParseError) {
    guard isRequest else { throw SIPParseError(line: 1, reason: "a response is not a request") }
    try checkMandatory([.to, .from, .callID, .cseq, .via])
    try checkCommonGrammar()
    // checkCommonGrammar parsed CSeq (or found it in the cache): it is well-formed when present.
    let cseq = fields.contains { $0.id == .cseq } ? self.cseq : nil
    if let cseq, cseq.method != method {
      throw error(
        at: .cseq,
        "CSeq method '\(cseq.method)' differs from the request method (RFC 4475 §3.1.2.17)")
    }
    let uri: SIPURI
    if let cached = parsedHeaders?.requestURI({ parseRequestURI() }) {
      uri = cached
    } else {
      do {
        uri = try SIPURI.parse(bytes: bytes, from: part2.lowerBound, to: part2.upperBound)
      } catch {
        throw SIPParseError(line: lineNumber(of: part2.lowerBound), reason: "Request-URI: " + error.reason)
      }
    }
    let schemeName = uri.scheme.description
    guard policy.supportedSchemes.contains(schemeName) else {
      throw SIPParseError(
        line: lineNumber(of: part2.lowerBound),
        reason: "unsupported Request-URI scheme '\(schemeName)' (RFC 3261 §8.2.2.1)", statusCode: 416)
    }
    if uri.isSIP, !uri.headers.isEmpty || uri.parameters.contains("method") {
      throw SIPParseError(
        line: lineNumber(of: part2.lowerBound),
        reason: "headers and the method parameter are not allowed in a Request-URI (RFC 3261 §19.1.1)")
    }
    if policy.role == .proxy, maxForwards == 0 {
      throw error(at: .maxForwards, "Max-Forwards is 0 (RFC 3261 §16.3)", status: 483)
    }
    if let supported = policy.supportedExtensions {
      let unsupported = unsupportedOptions(supported: supported, role: policy.role)
      if !unsupported.isEmpty {
        throw error(
          at: policy.role == .proxy ? .proxyRequire : .require,
          "unsupported option tags: \(unsupported.joined(separator: ", ")) (RFC 3261 §8.2.2.3)", status: 420)
      }
    }
    if let accepted = policy.acceptedContentTypes, !bodyRange.isEmpty {
      let type = mediaType ?? ""
      if !accepted.contains(type) {
        throw error(at: .contentType, "unsupported body type '\(type)' (RFC 3261 §8.2.3)", status: 415)
      }
    }
  }

  /// Checks a response before a UAC or proxy acts on it: Via, From, To, Call-ID and CSeq present,
  /// single-valued ones not repeated, their grammar (RFC 4475 §3.1.2.5), Warning codes of three
  /// digits; a proxy also refuses a response whose next Via is a broadcast address (RFC 4475
  /// §3.3.10). A refused response is dropped, never answered.
  public func validateAsResponse(_ policy: SIPValidationPolicy = SIPValidationPolicy()) throws(SIPParseError)
  {
    guard !isRequest else { throw SIPParseError(line: 1, reason: "a request is not a response") }
    try checkMandatory([.via, .from, .to, .callID, .cseq])
    try checkCommonGrammar()
    _ = try parsed(.cseq) { v throws(SIPParseError) in try SIPCSeq.parse(v) }
    for (range, folded, n) in valueRanges(.known(.warning)) {
      // warning-value = warn-code SP warn-agent SP warn-text, warn-code = 3DIGIT (RFC 3261 §20.43)
      let text = valueString(range, folded: folded)
      let code = text.utf8.prefix { SIPGrammar.isDigitByte($0) }
      if code.count != 3 || text.utf8.dropFirst(3).first != 0x20 {
        throw error(field: n, "Warning code must be three digits (RFC 3261 §20.43)")
      }
    }
    if policy.role == .proxy {
      let all = valueRanges(.known(.via))
      if all.count > 1 {
        let next = valueString(all[1].range, folded: all[1].folded)
        if let via = try? SIPVia.parse(next), via.host == "255.255.255.255" {
          throw error(field: all[1].field, "next Via is the broadcast address (RFC 4475 §3.3.10)")
        }
      }
    }
  }

  /// The option tags of Require (user agent) or Proxy-Require (proxy) not in `supported`; the
  /// content of the Unsupported header of a 420 response (RFC 3261 §8.2.2.3).
  public func unsupportedOptions(supported: Set<String>, role: SIPValidationPolicy.Role = .userAgent)
    -> [String]
  {
    (role == .proxy ? proxyRequire : require).filter { !supported.contains($0) }
  }

  // MARK: - Helpers

  func fieldIndex(_ id: SIPHeaderName) -> Int? { fields.firstIndex { $0.id == id } }

  func error(field n: Int, _ reason: String, status: Int = 400) -> SIPParseError {
    let f = fields[n]
    return SIPParseError(
      line: lineNumber(of: f.lineStart), header: string(f.lineStart..<f.nameEnd), reason: reason,
      statusCode: status)
  }

  func error(at id: SIPHeaderName, _ reason: String, status: Int = 400) -> SIPParseError {
    guard let n = fieldIndex(id) else {
      return SIPParseError(header: id.canonical, reason: reason, statusCode: status)
    }
    return error(field: n, reason, status: status)
  }

  func checkMandatory(_ ids: [SIPHeaderName]) throws(SIPParseError) {
    let missing = ids.filter { id in !fields.contains { $0.id == id } }
    if !missing.isEmpty {
      throw SIPParseError(
        reason:
          "missing mandatory header(s) \(missing.map(\.canonical).joined(separator: ", ")) (RFC 3261 §8.1.1)")
    }
    for id in Self.singleValuedHeaders {
      // None of them is a comma list, so each line is one value: a second line is a second value.
      if let second = secondField(id) {
        throw error(field: second, "\(id.canonical) must appear once (RFC 3261 §7.3.1, RFC 4475 §3.3.8)")
      }
    }
  }

  /// The headers that must not appear twice (RFC 3261 §7.3.1); none is a comma list.
  static let singleValuedHeaders: [SIPHeaderName] = [
    .to, .from, .callID, .cseq, .maxForwards, .contentType, .expires,
  ]

  /// The index of the second line of a header, nil when it has fewer than two.
  func secondField(_ id: SIPHeaderName) -> Int? {
    var seen = false
    for n in fields.indices where fields[n].id == id {
      if seen { return n }
      seen = true
    }
    return nil
  }

  /// Parses the single value of a header with `parse`, attributing a failure to its line.
  func parsed<T>(_ id: SIPHeaderName, _ parse: (String) throws(SIPParseError) -> T) throws(SIPParseError)
    -> T?
  {
    guard let n = fieldIndex(id) else { return nil }
    let f = fields[n]
    do {
      return try parse(valueString(f.valueStart..<f.valueEnd, folded: f.folded))
    } catch {
      throw error.located(line: lineNumber(of: f.lineStart), header: string(f.lineStart..<f.nameEnd))
    }
  }

  /// The grammar checks shared by requests and responses.
  func checkCommonGrammar() throws(SIPParseError) {
    // A value in the cache (SIPMessage+Cache.swift) parsed without error: not parsed again.
    let cache = parsedHeaders
    if cache?.hasTo != true {
      _ = try parsed(.to) { v throws(SIPParseError) in try SIPNameAddress.parse(v) }
    }
    if cache?.hasFrom != true {
      _ = try parsed(.from) { v throws(SIPParseError) in try SIPNameAddress.parse(v) }
    }
    // Call-ID and Max-Forwards are checked on their bytes when their line is plain (the common
    // case); anything else, and every failure, goes through the String checks below, which
    // report it.
    if !inPlaceValueIs(.callID, isCallID) {
      try checkCallID()
    }
    if cache?.hasCSeq != true {
      _ = try parsed(.cseq) { v throws(SIPParseError) in try SIPCSeq.parse(v) }
    }
    if !inPlaceValueIs(.maxForwards, { r in SIPGrammar.decimal(trimmedLWS(r), limit: 255) != nil }) {
      try checkMaxForwards()
    }
    _ = try parsed(.expires) { v throws(SIPParseError) in
      let t = v.trimmingLWS
      guard !t.isEmpty, t.utf8.allSatisfy({ SIPGrammar.isDigitByte($0) }) else {
        throw SIPParseError(reason: "Expires must be delta-seconds (RFC 3261 §20.19)")
      }
    }
    // Every value of the list headers whose values we interpret. One plain Via line holding one
    // value that the cache parsed needs nothing more.
    if cache?.hasTopVia != true || inPlaceValue(.via) == nil || secondField(.via) != nil {
      try checkViaValues(parsedTop: cache?.hasTopVia == true)
    }
    let contactValues = valueRanges(.known(.contact))
    let isStar = contactValues.count == 1 && valueString(contactValues[0].range, folded: false) == "*"
    if !isStar {
      for (range, folded, n) in contactValues {
        do { try checkNameAddressValue(range, folded: folded) } catch {
          throw error.located(
            line: lineNumber(of: fields[n].lineStart), header: string(fields[n].lineStart..<fields[n].nameEnd)
          )
        }
      }
    }
    for id in [SIPHeaderName.route, .recordRoute] where fields.contains(where: { $0.id == id }) {
      for (range, folded, n) in valueRanges(.known(id)) {
        do { try checkNameAddressValue(range, folded: folded) } catch {
          throw error.located(
            line: lineNumber(of: fields[n].lineStart), header: string(fields[n].lineStart..<fields[n].nameEnd)
          )
        }
      }
    }
  }

  /// Checks one name-addr value (a Contact, Route or Record-Route element) as
  /// `SIPNameAddress.parse` would, with the same errors, without making the value
  /// (`SIPNameAddress.checkTag`, held to parse's answers by NameAddressCheckTests): its Strings,
  /// URI and parameter list were ~1,500 instructions of an INVITE's validation, made only to be
  /// thrown away. Read in place when the value is one unfolded ASCII run (its String would hold
  /// the same bytes), else from the value's String as before.
  func checkNameAddressValue(_ range: Range<Int>, folded: Bool) throws(SIPParseError) {
    var scanner =
      !folded && isASCII(range)
      ? SIPScanner(bytes, from: range.lowerBound, to: range.upperBound)
      : SIPScanner(valueString(range, folded: folded))
    _ = try SIPNameAddress.checkTag(&scanner)
  }

  /// Whether the first value of `id` can be read in place and `check` accepts its bytes; false
  /// when absent, not plain, or refused.
  func inPlaceValueIs(_ id: SIPHeaderName, _ check: (Range<Int>) -> Bool) -> Bool {
    guard let range = inPlaceValue(id) else { return false }
    return check(range)
  }

  /// callid = word [ "@" word ] (RFC 3261 §25.1), on bytes.
  func isCallID(_ range: Range<Int>) -> Bool {
    // The class as masks once, outside the per-byte loop (round 7).
    let word = SIPGrammar.masks(SIPGrammar.word)
    func isWord(_ r: Range<Int>) -> Bool {
      !r.isEmpty && bytes[r].allSatisfy { SIPGrammar.is($0, in: word) }
    }
    guard let at = bytes[range].firstIndex(of: UInt8(ascii: "@")) else { return isWord(range) }
    return isWord(range.lowerBound..<at) && isWord((at + 1)..<range.upperBound)
  }

  func trimmedLWS(_ range: Range<Int>) -> ArraySlice<UInt8> {
    var start = range.lowerBound
    var end = range.upperBound
    while start < end, SIPGrammar.isLWS(bytes[start]) { start += 1 }
    while end > start, SIPGrammar.isLWS(bytes[end - 1]) { end -= 1 }
    return bytes[start..<end]
  }

  func checkCallID() throws(SIPParseError) {
    _ = try parsed(.callID) { v throws(SIPParseError) in
      // callid = word [ "@" word ] (RFC 3261 §25.1)
      let parts = v.utf8.split(separator: UInt8(ascii: "@"), maxSplits: 1, omittingEmptySubsequences: false)
      let word = SIPGrammar.masks(SIPGrammar.word)
      guard parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { SIPGrammar.is($0, in: word) } }) else {
        throw SIPParseError(reason: "Call-ID must be word [\"@\" word] (RFC 3261 §25.1)")
      }
    }
  }

  func checkMaxForwards() throws(SIPParseError) {
    _ = try parsed(.maxForwards) { v throws(SIPParseError) in
      guard SIPGrammar.decimal(v.trimmingLWS.utf8, limit: 255) != nil else {
        throw SIPParseError(reason: "Max-Forwards must be 0-255 (RFC 3261 §20.22, RFC 4475 §3.1.2.4)")
      }
    }
  }

  /// Every Via value parses (the first one only when `parsedTop` is false), and no Via line is
  /// empty.
  func checkViaValues(parsedTop: Bool) throws(SIPParseError) {
    let viaValues = valueRanges(.known(.via))
    if fields.contains(where: { $0.id == .via }) && viaValues.isEmpty {
      throw error(at: .via, "empty Via (RFC 3261 §20.42)")
    }
    for (k, (range, folded, n)) in viaValues.enumerated() where k > 0 || !parsedTop {
      do { _ = try SIPVia.parse(valueString(range, folded: folded)) } catch {
        throw error.located(
          line: lineNumber(of: fields[n].lineStart), header: string(fields[n].lineStart..<fields[n].nameEnd))
      }
    }
    // A Via line whose elements are empty (`a,,b`) hides nothing we need, but ";," is an error
    // caught above; a bare separator list like ",,," leaves no value at all:
    for (n, f) in fields.enumerated() where f.id == .via && valueRanges(f, split: true).isEmpty {
      throw error(field: n, "empty Via value (RFC 3261 §20.42)")
    }
  }
}
