import Testing

@testable import SIPCore

/// The byte paths of round 4 (docs/benchmarks-transactions.md) against the general paths they
/// replace, on every RFC 4475 message: a URI parsed where it lies in the message against a
/// parse of a copy of its text, the tag accessors against the parsed headers, and prepared
/// header lines against `addHeader` line by line.
@Suite struct ByteFastPathTests {
  /// The result or the failure's reason, for comparing two parses.
  static func outcome(_ body: () throws(SIPParseError) -> SIPURI) -> String {
    do {
      return "ok " + String(reflecting: try body())
    } catch {
      return "error " + error.reason
    }
  }

  /// Every URI-looking range of a message: the Request-URI and the text between `<` and `>` of
  /// each header line, and each whole header value.
  static func uriRanges(_ m: SIPMessage) -> [Range<Int>] {
    var ranges: [Range<Int>] = []
    if m.isRequest { ranges.append(m.part2) }
    for f in m.fields where !f.folded {
      ranges.append(f.valueStart..<f.valueEnd)
      if let open = m.bytes[f.valueStart..<f.valueEnd].firstIndex(of: UInt8(ascii: "<")),
        let close = m.bytes[open..<f.valueEnd].firstIndex(of: UInt8(ascii: ">"))
      {
        ranges.append((open + 1)..<close)
      }
    }
    return ranges
  }

  static func checkURIs(_ m: SIPMessage, _ label: String) {
    for range in uriRanges(m) {
      let inPlace = outcome { () throws(SIPParseError) in
        try SIPURI.parse(bytes: m.bytes, from: range.lowerBound, to: range.upperBound)
      }
      let copied = outcome { () throws(SIPParseError) in try SIPURI.parse(bytes: Array(m.bytes[range])) }
      #expect(inPlace == copied, "\(label) \(range)")
    }
  }

  static func checkTags(_ m: SIPMessage, _ label: String) {
    #expect(m.isSIPVersion2 == (m.sipVersion.uppercased() == "SIP/2.0"), "\(label)")
    var cached = m
    cached.cacheTransactionHeaders()
    #expect(m.toTag == m.to?.tag, "\(label)")
    #expect(m.fromTag == m.from?.tag, "\(label)")
    #expect(cached.toTag == m.to?.tag, "\(label)")
    #expect(cached.fromTag == m.from?.tag, "\(label)")
  }

  static let capabilityLines: [(name: String, value: String)] = [
    ("Allow", "INVITE, ACK, BYE, CANCEL, OPTIONS"), ("Accept", "application/sdp"), ("Supported", ""),
  ]
  // Names already in most messages, an unknown one, compact and odd spellings, CR/LF in a value.
  static let otherLines: [(name: String, value: String)] = [
    ("Via", "SIP/2.0/UDP x.invalid"), ("X-Extra", "1"), ("x-extra", "2 "), ("m", "<sip:c@d>"),
    ("Bad Name", "a\r\nb"), ("", "empty"), ("CSeq", "9 OPTIONS"),
  ]

  static func checkLines(_ m: SIPMessage, _ label: String) {
    for lines in [capabilityLines, otherLines, capabilityLines + otherLines] {
      let prepared = SIPHeaderLines(lines)
      #expect(prepared.count == lines.count)
      for base in [m, m.makeResponse(statusCode: 200, toTag: "t1")] {
        var fast = base
        fast.addHeaders(prepared)
        var general = base
        for (name, value) in lines { general.addHeader(name, value) }
        #expect(fast.serialize() == general.serialize(), "\(label)")
        #expect(fast.headers.map(\.name) == general.headers.map(\.name), "\(label)")
        #expect(fast.headers.map(\.value) == general.headers.map(\.value), "\(label)")
      }
    }
  }

  /// `serialize(into:)` (the transport's write into its send buffer) against `serialize()`: the
  /// message as parsed, a response made from it with lines added (bytes appended after the
  /// parsed ones), a buffer exactly large enough, and one too short (refused, nothing written).
  static func checkSerializeInto(_ m: SIPMessage, _ label: String) {
    func compare(_ message: SIPMessage, _ what: String) {
      let expected = message.serialize()
      #expect(message.serializedCount == expected.count, "\(label) \(what)")
      var out = [UInt8](repeating: 0xEE, count: expected.count + 8)
      let written = out.withUnsafeMutableBytes { message.serialize(into: $0) }
      #expect(written == expected.count, "\(label) \(what)")
      #expect(Array(out.prefix(expected.count)) == expected, "\(label) \(what)")
      #expect(out.suffix(8).allSatisfy { $0 == 0xEE }, "\(label) \(what): wrote past its count")
      var short = [UInt8](repeating: 0xEE, count: max(expected.count - 1, 0))
      #expect(short.withUnsafeMutableBytes { message.serialize(into: $0) } == nil, "\(label) \(what)")
      #expect(short.allSatisfy { $0 == 0xEE }, "\(label) \(what): wrote into a short buffer")
    }
    compare(m, "as parsed")
    if m.isRequest {
      var response = m.makeResponse(statusCode: 200, toTag: "fast1")
      response.addHeader("Allow", "INVITE, ACK, OPTIONS")
      compare(response, "response")
    }
  }

  /// The option-tag lists read by the header's id against the lines found by name (every
  /// spelling the message uses, compact or not), trimmed, empty values left out.
  static func checkTokens(_ m: SIPMessage, _ label: String) {
    let lists: [(String, [String])] = [
      ("Require", m.require), ("Proxy-Require", m.proxyRequire), ("Supported", m.supported),
      ("Unsupported", m.unsupported), ("Allow", m.allow),
    ]
    for (name, tokens) in lists {
      let byName = m.headerValues(name).map { $0.trimmingLWS }.filter { !$0.isEmpty }
      #expect(tokens == byName, "\(label) \(name)")
    }
    // Max-Forwards read from the bytes against its String.
    let byString = m.firstValue(.maxForwards).flatMap { SIPGrammar.decimal($0.utf8, limit: 255) }.map {
      Int($0)
    }
    #expect(m.maxForwards == byString, "\(label) Max-Forwards")
  }

  /// Max-Forwards values read from the bytes against the String route: digits, limits, spaces,
  /// signs, non-ASCII, a folded line, two lines.
  @Test(arguments: [
    "70", "0", "255", "256", "007", "99999999999999999999999", "7 0", "x", "-1", "+1", "7\u{00E9}",
    "\u{0661}",
    "70\r\n 1", "70\r\nMax-Forwards: 5",
  ])
  func maxForwardsFromBytes(_ value: String) throws {
    let text =
      "OPTIONS sip:a@b.example SIP/2.0\r\nVia: SIP/2.0/UDP h.example;branch=z9hG4bKmf\r\n"
      + "Max-Forwards: \(value)\r\nTo: <sip:a@b.example>\r\nFrom: <sip:c@d.example>;tag=1\r\n"
      + "Call-ID: mf1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
    let m = try SIPMessage.parse(Array(text.utf8))
    let byString = m.firstValue(.maxForwards).flatMap { SIPGrammar.decimal($0.utf8, limit: 255) }.map {
      Int($0)
    }
    #expect(m.maxForwards == byString, "\(value)")
  }

  @Test(arguments: ParsedHeaderCacheTests.fixtures)
  func tortureMessages(_ name: String) throws {
    guard let m = try? Fixture.message(name) else { return }
    Self.checkURIs(m, name)
    Self.checkTags(m, name)
    Self.checkLines(m, name)
    Self.checkSerializeInto(m, name)
    Self.checkTokens(m, name)
  }

  @Test(arguments: InPlaceParsingTests.extra)
  func oddLayouts(_ text: String) throws {
    let m = try SIPMessage.parse(Array(text.utf8))
    Self.checkURIs(m, text)
    Self.checkTags(m, text)
    Self.checkLines(m, text)
    Self.checkSerializeInto(m, text)
    Self.checkTokens(m, text)
  }

  /// The version read from bytes against the String's uppercased(), requests and responses.
  @Test(arguments: [
    "SIP/2.0", "sip/2.0", "Sip/2.0", "SIP/2.00", "SIP/2.1", "SIP/3.0", "SIP/20", "ſip/2.0", "SİP/2.0",
  ])
  func versionFromBytes(_ version: String) throws {
    for text in [
      "OPTIONS sip:a@b \(version)\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n",
      "\(version) 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n",
    ] {
      guard let m = try? SIPMessage.parse(Array(text.utf8)) else { continue }
      #expect(m.isSIPVersion2 == (m.sipVersion.uppercased() == "SIP/2.0"), "\(text)")
    }
  }

  /// isToken over contiguous bytes (a native String's UTF-8) answers as over the same bytes
  /// read one by one (a lazy map has no contiguous storage): round 6's fast path.
  @Test(arguments: [
    "", "z9hG4bK776asdhds", "z9hG4bK-long-branch-value-of-more-than-15-bytes.x!%*_+`'~", "a b", "a\u{e9}",
    "semi;colon", "colon:", "[v6]", "\"q\"", "tab\t", "z9hG4bK" + String(repeating: "x", count: 300), "~",
  ])
  func isTokenOnContiguousBytes(_ text: String) {
    let oneByOne = SIPGrammar.isToken(text.utf8.lazy.map { $0 })
    #expect(SIPGrammar.isToken(text) == oneByOne)
    #expect(SIPGrammar.isToken(Array(text.utf8)) == oneByOne)
    #expect(SIPGrammar.isToken(text.utf8.dropFirst(0)) == oneByOne)
  }

  /// The eight-bytes-at-a-time ASCII test against a byte-by-byte one: every range of a 40-byte
  /// buffer (every start, length and alignment) with one high byte at each position, and none.
  @Test func isASCIIMatchesByteByByte() {
    let plain = Array("INVITE sip:bob@example.com SIP/2.0\r\nVia:".utf8)
    #expect(plain.count == 40)
    for highAt in [-1] + Array(plain.indices) {
      var bytes = plain
      if highAt >= 0 { bytes[highAt] = highAt % 2 == 0 ? 0x80 : 0xC3 }
      let message = SIPMessage(
        bytes: bytes, startLine: 0..<0, part1: 0..<0, part2: 0..<0, part3: 0..<0, status: 200, fields: [],
        bodyRange: 0..<0)
      for lower in 0...bytes.count {
        for upper in lower...bytes.count {
          let expected = bytes[lower..<upper].allSatisfy { $0 < 0x80 }
          #expect(message.isASCII(lower..<upper) == expected, "\(highAt) \(lower)..<\(upper)")
        }
      }
    }
  }

  /// Status lines from the table laid out once against setStartLine, for every code (and codes
  /// clamped into 100–699), with and without a phrase given.
  @Test func statusLinesAreSetStartLines() {
    for code in [0, 99, 700, 1000] + Array(100...699) {
      let clamped = min(max(code, 100), 699)
      var reference = SIPMessage(
        bytes: [], startLine: 0..<0, part1: 0..<0, part2: 0..<0, part3: 0..<0, status: clamped, fields: [],
        bodyRange: 0..<0)
      reference.setStartLine("SIP/2.0", String(clamped), SIPMessage.defaultReasonPhrase(clamped))
      for message in [
        SIPMessage(statusCode: code), SIPMessage(statusCode: code, reasonPhrase: nil, capacity: 300),
      ] {
        #expect(message.serialize() == reference.serialize(), "\(code)")
        #expect(message.startLineText == reference.startLineText)
        #expect(message.statusCode == clamped && message.reasonPhrase == reference.reasonPhrase)
        #expect(message.sipVersion == "SIP/2.0" && message.isSIPVersion2)
      }
    }
    let phrased = SIPMessage(statusCode: 200, reasonPhrase: "Fine\r\nX: y")
    #expect(phrased.reasonPhrase == "Fine  X: y" && phrased.statusCode == 200)
  }

  /// A parse that stops at the end of its range: what follows (an '@', a ';') is not read.
  @Test func uriRangeEndsWhereItSays() throws {
    let bytes = Array("sip:host.invalid@user;x=1".utf8)
    let host = try SIPURI.parse(bytes: bytes, from: 0, to: 16)
    #expect(host.user == nil && host.host == "host.invalid" && host.parameters.isEmpty)
    let inner = try SIPURI.parse(bytes: Array("<SIPS:a%62@h:5>".utf8), from: 1, to: 14)
    #expect(inner.scheme == .sips && inner.user == "ab" && inner.port == 5)
    #expect(throws: SIPParseError.self) { try SIPURI.parse(bytes: bytes, from: 0, to: 4) }
  }

  /// The scheme read from bytes names the same scheme as the String initializer.
  @Test(arguments: ["sip", "SIP", "sIpS", "tel", "TEL", "tels", "si", "mailto", "h323", "sip2"])
  func schemeFromBytes(_ name: String) {
    let known = SIPURI.Scheme(known: Array(name.utf8)[...])
    let general = SIPURI.Scheme(name)
    if case .other = general {
      #expect(known == nil)
    } else {
      #expect(known == general)
    }
  }

  @Test func preparedLinesCompareByBytes() {
    #expect(SIPHeaderLines(Self.capabilityLines) == SIPHeaderLines(Self.capabilityLines))
    #expect(SIPHeaderLines(Self.capabilityLines) != SIPHeaderLines(Self.otherLines))
  }
}
