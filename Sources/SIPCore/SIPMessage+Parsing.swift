// The datagram parser: start line, header lines, Content-Length and body (RFC 3261 §7, §18.3).
// It validates what framing needs and nothing more; see SIPMessage+Validation.swift for the rest.

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension SIPMessage {
  /// Bounds that keep parsing linear and memory-bounded on any input.
  public struct Limits: Sendable, Hashable {
    /// Most header lines (after unfolding) in one message.
    public var maxHeaderCount: Int
    /// Longest physical line, start line included.
    public var maxLineLength: Int
    /// Largest Content-Length value accepted.
    public var maxBodyBytes: Int

    public init(maxHeaderCount: Int = 256, maxLineLength: Int = 16_384, maxBodyBytes: Int = 16_777_216) {
      self.maxHeaderCount = maxHeaderCount
      self.maxLineLength = maxLineLength
      self.maxBodyBytes = maxBodyBytes
    }

    public static let `default` = Limits()
  }

  /// What the head parser found: the start line, the header lines and where the body starts.
  struct Head {
    var startLine: Range<Int>
    var part1: Range<Int>
    var part2: Range<Int>
    var part3: Range<Int>
    var status: Int
    var fields: [Field]
    var bodyStart: Int
    var contentLength: Int?
  }

  /// Parses one SIP message from a datagram (UDP, RFC 3261 §18.3).
  ///
  /// Content-Length is optional here: when absent the body runs to the end of the datagram; when
  /// present and smaller than what follows the header, the extra bytes are discarded (RFC 4475
  /// §3.1.1.8); when larger, the message is refused (400, RFC 4475 §3.1.2.2). CRLFs before the
  /// start line are skipped (RFC 3261 §7.5).
  ///
  /// Checked here: the start line's grammar (including the SIP version, 505 when it is not 2.0,
  /// and the Request-URI's scheme syntax), each header line being `token HCOLON value`, folding,
  /// one valid Content-Length, and the ``Limits``. Not checked here: the grammar of individual
  /// header values and the presence of mandatory headers — see ``validateAsRequest(_:)``.
  ///
  /// - Throws: ``SIPParseError`` with the line, header and rule.
  public static func parse(_ bytes: some Collection<UInt8>) throws(SIPParseError) -> SIPMessage {
    try parse(bytes, limits: .default)
  }

  /// ``parse(_:)`` with explicit limits.
  public static func parse(_ bytes: some Collection<UInt8>, limits: Limits) throws(SIPParseError)
    -> SIPMessage
  {
    try parse(bytes: Array(bytes), limits: limits)
  }

  /// ``parse(_:)`` of bytes already in an array, which the message keeps as its buffer (no copy):
  /// the transport copies each datagram out of NIO's buffer once, with `memcpy`, where the
  /// generic ``parse(_:)`` copied it element by element through the collection's witnesses.
  public static func parse(bytes array: [UInt8], limits: Limits = .default) throws(SIPParseError)
    -> SIPMessage
  {
    let result = array.withUnsafeBufferPointer { buffer in
      Result { () throws(SIPParseError) -> Head in try parseHead(buffer, limits: limits) }
    }
    let head = try result.get()
    var bodyEnd = array.count
    if let length = head.contentLength {
      guard length <= array.count - head.bodyStart else {
        throw SIPParseError(
          header: "Content-Length",
          reason:
            "Content-Length \(length) is larger than the \(array.count - head.bodyStart) body bytes received (RFC 3261 §18.3)"
        )
      }
      bodyEnd = head.bodyStart + length
    }
    return SIPMessage(
      bytes: array, startLine: head.startLine, part1: head.part1, part2: head.part2, part3: head.part3,
      status: head.status, fields: head.fields, bodyRange: head.bodyStart..<bodyEnd)
  }

  /// Parses the start line and header section of `buffer` (which must hold the whole section).
  static func parseHead(_ buffer: UnsafeBufferPointer<UInt8>, limits: Limits) throws(SIPParseError)
    -> Head
  {
    let n = buffer.count
    var i = 0
    var line = 1
    // RFC 3261 §7.5: ignore CRLFs before the start line.
    while i < n, buffer[i] == 0x0D || buffer[i] == 0x0A {
      if buffer[i] == 0x0A { line += 1 }
      i += 1
    }
    guard i < n else { throw SIPParseError(line: line, reason: "empty message") }

    // Finds the next LF at or after `from`; returns (content end without CR, index after LF).
    @inline(__always) func nextLine(_ from: Int) throws(SIPParseError) -> (end: Int, next: Int) {
      let limit = min(n, from + limits.maxLineLength + 2)
      var j = limit
      // memchr finds the LF with vector instructions: header values are never scanned byte by byte.
      if limit > from, let base = buffer.baseAddress, let hit = memchr(base + from, 0x0A, limit - from) {
        j = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
      }
      guard j < limit else {
        if j >= n {
          throw SIPParseError(
            line: line, reason: "header section is not ended by an empty line (RFC 3261 §7)")
        }
        throw SIPParseError(line: line, reason: "line longer than \(limits.maxLineLength) bytes")
      }
      let end = j > from && buffer[j - 1] == 0x0D ? j - 1 : j
      return (end, j + 1)
    }

    // Start line.
    let first = try nextLine(i)
    let startLine = i..<first.end
    var head = try parseStartLine(buffer, startLine, line: line)
    i = first.next
    line += 1

    var fields: [Field] = []
    fields.reserveCapacity(20)
    var contentLength: Int?
    var contentLengthLine = 0
    while true {
      guard i < n else {
        throw SIPParseError(line: line, reason: "header section is not ended by an empty line (RFC 3261 §7)")
      }
      let (end, next) = try nextLine(i)
      if end == i {  // the empty line
        i = next
        break
      }
      let b0 = buffer[i]
      if b0 == 0x20 || b0 == 0x09 {
        // Continuation of the previous header line (LWS folding, RFC 3261 §7.3.1).
        guard !fields.isEmpty else {
          throw SIPParseError(
            line: line, reason: "a header line cannot start with white space (RFC 3261 §7.3.1)")
        }
        var k = i
        while k < end, buffer[k] == 0x20 || buffer[k] == 0x09 { k += 1 }
        var last = fields[fields.count - 1]
        last.folded = true
        last.lineEnd = end
        if k < end {
          var e = end
          while e > k, buffer[e - 1] == 0x20 || buffer[e - 1] == 0x09 { e -= 1 }
          if last.valueEnd == last.valueStart { last.valueStart = k }
          last.valueEnd = e
        }
        fields[fields.count - 1] = last
      } else {
        var j = i
        while j < end, SIPGrammar.isTokenByte(buffer[j]) { j += 1 }
        let nameEnd = j
        while j < end, buffer[j] == 0x20 || buffer[j] == 0x09 { j += 1 }
        guard nameEnd > i, j < end, buffer[j] == UInt8(ascii: ":") else {
          throw SIPParseError(
            line: line, reason: "header line must be a token name, ':' and a value (RFC 3261 §7.3.1)")
        }
        j += 1
        while j < end, buffer[j] == 0x20 || buffer[j] == 0x09 { j += 1 }
        var e = end
        while e > j, buffer[e - 1] == 0x20 || buffer[e - 1] == 0x09 { e -= 1 }
        guard fields.count < limits.maxHeaderCount else {
          throw SIPParseError(line: line, reason: "more than \(limits.maxHeaderCount) header lines")
        }
        let id = SIPHeaderName.identify(UnsafeBufferPointer(rebasing: buffer[i..<nameEnd]))
        if id == .contentLength {
          if contentLength != nil {
            throw SIPParseError(
              line: line, header: "Content-Length", reason: "more than one Content-Length (RFC 4475 §3.3.9)")
          }
          contentLength = -1  // parsed below, once a folded value is complete
          contentLengthLine = line
        }
        fields.append(
          Field(
            lineStart: i, nameEnd: nameEnd, valueStart: j, valueEnd: e, lineEnd: end, id: id, folded: false))
      }
      i = next
      line += 1
    }
    if contentLength != nil {
      // Content-Length = 1*DIGIT (RFC 3261 §20.14), LWS allowed around it.
      for f in fields where f.id == .contentLength {
        var digits = f.valueStart
        while digits < f.valueEnd, SIPGrammar.isLWS(buffer[digits]) { digits += 1 }
        var digitsEnd = digits
        while digitsEnd < f.valueEnd, SIPGrammar.isDigitByte(buffer[digitsEnd]) { digitsEnd += 1 }
        var rest = digitsEnd
        while rest < f.valueEnd, SIPGrammar.isLWS(buffer[rest]) { rest += 1 }
        var significant = digits  // leading zeros do not count towards the 10-digit bound
        while significant + 1 < digitsEnd, buffer[significant] == UInt8(ascii: "0") { significant += 1 }
        // At most 10 digits keeps the sum far from overflow; the limit check follows.
        var value = 0
        for k in significant..<min(digitsEnd, significant + 10) {
          value = value &* 10 &+ Int(buffer[k] &- 0x30)
        }
        guard rest == f.valueEnd, digitsEnd > digits, digitsEnd - significant <= 10,
          value <= limits.maxBodyBytes
        else {
          throw SIPParseError(
            line: contentLengthLine, header: "Content-Length",
            reason: "Content-Length must be 1*DIGIT no larger than \(limits.maxBodyBytes) (RFC 3261 §20.14)")
        }
        contentLength = value
      }
    }
    // Sized to what the message holds: transactions keep requests for up to 32 s, and 20 slots
    // for a dozen lines were ~200 bytes more per kept message (the transport's copy on the Via
    // stamp used to shrink them; it stamps the parsed message in place now).
    head.fields = fields.capacity - fields.count > 2 ? fields.withUnsafeBufferPointer { Array($0) } : fields
    head.bodyStart = i
    head.contentLength = contentLength
    return head
  }

  /// Request-Line = Method SP Request-URI SP SIP-Version, Status-Line = SIP-Version SP Status-Code
  /// SP Reason-Phrase (RFC 3261 §25.1): exactly one SP between the elements, none at the end.
  static func parseStartLine(_ buffer: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, line: Int)
    throws(SIPParseError) -> Head
  {
    let s = range.lowerBound
    let e = range.upperBound
    func isSIPPrefix(_ at: Int) -> Bool {
      at + 4 <= e && SIPGrammar.lowercased(buffer[at]) == UInt8(ascii: "s")
        && SIPGrammar.lowercased(buffer[at + 1]) == UInt8(ascii: "i")
        && SIPGrammar.lowercased(buffer[at + 2]) == UInt8(ascii: "p") && buffer[at + 3] == UInt8(ascii: "/")
    }
    // SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT; returns nil when malformed, else whether 2.0.
    func checkVersion(_ r: Range<Int>) -> Bool? {
      guard isSIPPrefix(r.lowerBound) else { return nil }
      // Fast path for the one version in use.
      if r.count == 7, buffer[r.lowerBound + 4] == UInt8(ascii: "2"),
        buffer[r.lowerBound + 5] == UInt8(ascii: "."),
        buffer[r.lowerBound + 6] == UInt8(ascii: "0")
      {
        return true
      }
      var k = r.lowerBound + 4
      let major = k
      while k < r.upperBound, SIPGrammar.isDigitByte(buffer[k]) { k += 1 }
      guard k > major, k < r.upperBound, buffer[k] == UInt8(ascii: ".") else { return nil }
      let majorRange = major..<k
      k += 1
      let minor = k
      while k < r.upperBound, SIPGrammar.isDigitByte(buffer[k]) { k += 1 }
      guard k > minor, k == r.upperBound else { return nil }
      let majorValue = SIPGrammar.decimal(UnsafeBufferPointer(rebasing: buffer[majorRange]), limit: 1000)
      let minorValue = SIPGrammar.decimal(UnsafeBufferPointer(rebasing: buffer[minor..<k]), limit: 1000)
      return majorValue == 2 && minorValue == 0
    }
    func firstSP(_ from: Int) -> Int {
      var k = from
      while k < e, buffer[k] != 0x20 { k += 1 }
      return k
    }
    if isSIPPrefix(s) {
      let sp1 = firstSP(s)
      guard let supported = checkVersion(s..<sp1) else {
        throw SIPParseError(line: line, reason: "Status-Line must start with SIP-Version (RFC 3261 §25.1)")
      }
      guard supported else {
        throw SIPParseError(
          line: line, reason: "unsupported SIP version in Status-Line (RFC 3261 §8.1.3.5)", statusCode: 505)
      }
      let codeStart = sp1 + 1
      guard sp1 < e, codeStart + 3 <= e,
        (codeStart..<(codeStart + 3)).allSatisfy({ SIPGrammar.isDigitByte(buffer[$0]) }),
        codeStart + 3 == e || buffer[codeStart + 3] == 0x20
      else {
        throw SIPParseError(
          line: line, reason: "Status-Code must be three digits (RFC 3261 §25.1, RFC 4475 §3.1.2.19)")
      }
      let code =
        Int(buffer[codeStart] - 48) * 100 + Int(buffer[codeStart + 1] - 48) * 10
        + Int(buffer[codeStart + 2] - 48)
      guard code >= 100 && code <= 699 else {
        throw SIPParseError(line: line, reason: "Status-Code \(code) is outside 100-699 (RFC 3261 §7.2)")
      }
      let reasonStart = min(codeStart + 4, e)
      for k in reasonStart..<e where buffer[k] < 0x20 && buffer[k] != 0x09 || buffer[k] == 0x7F {
        throw SIPParseError(line: line, reason: "control character in Reason-Phrase (RFC 3261 §25.1)")
      }
      return Head(
        startLine: range, part1: s..<sp1, part2: codeStart..<(codeStart + 3), part3: reasonStart..<e,
        status: code,
        fields: [], bodyStart: 0, contentLength: nil)
    }
    let sp1 = firstSP(s)
    let sp2 = firstSP(sp1 + 1)
    guard sp1 > s, sp1 < e, sp2 > sp1 + 1, sp2 < e, firstSP(sp2 + 1) == e, sp2 + 1 < e else {
      throw SIPParseError(
        line: line, reason: "Request-Line must be Method SP Request-URI SP SIP-Version (RFC 3261 §25.1)")
    }
    for k in s..<sp1 where !SIPGrammar.isTokenByte(buffer[k]) {
      throw SIPParseError(line: line, reason: "Method must be a token (RFC 3261 §25.1)")
    }
    // Request-URI = SIP-URI / SIPS-URI / absoluteURI: it starts with a scheme; LWS, '<' and '>'
    // never appear in it (RFC 4475 §3.1.2.7, §3.1.2.8).
    var k = sp1 + 1
    guard SIPGrammar.isAlphaByte(buffer[k]) else {
      throw SIPParseError(
        line: line, reason: "Request-URI must be an absolute URI starting with a scheme (RFC 3261 §25.1)")
    }
    while k < sp2,
      (SIPGrammar.isAlphaByte(buffer[k]) || SIPGrammar.isDigitByte(buffer[k]) || buffer[k] == 0x2B
        || buffer[k] == 0x2D || buffer[k] == 0x2E)
    { k += 1 }
    guard k < sp2, buffer[k] == UInt8(ascii: ":") else {
      throw SIPParseError(
        line: line, reason: "Request-URI must be an absolute URI starting with a scheme (RFC 3261 §25.1)")
    }
    for k in (sp1 + 1)..<sp2
    where buffer[k] <= 0x20 || buffer[k] >= 0x7F || buffer[k] == UInt8(ascii: "<")
      || buffer[k] == UInt8(ascii: ">")
    {
      throw SIPParseError(line: line, reason: "invalid character in Request-URI (RFC 3261 §25.1)")
    }
    guard let supported = checkVersion((sp2 + 1)..<e) else {
      throw SIPParseError(line: line, reason: "Request-Line must end with SIP-Version (RFC 3261 §25.1)")
    }
    guard supported else {
      throw SIPParseError(
        line: line, reason: "unsupported SIP version in Request-Line (RFC 3261 §21.5.6)", statusCode: 505)
    }
    return Head(
      startLine: range, part1: s..<sp1, part2: (sp1 + 1)..<sp2, part3: (sp2 + 1)..<e, status: 0, fields: [],
      bodyStart: 0, contentLength: nil)
  }
}
