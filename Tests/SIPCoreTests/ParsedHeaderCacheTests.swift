import Foundation
import Testing

@testable import SIPCore

/// The parse-once cache of To, From, top Via, CSeq, Call-ID and Request-URI
/// (`cacheTransactionHeaders`) and the byte-copying response builder answer exactly what the
/// uncached message and the String-building builder answer, on every RFC 4475 message.
@Suite struct ParsedHeaderCacheTests {
  static let fixtures: [String] = {
    guard let folder = Bundle.module.url(forResource: "Fixtures", withExtension: nil),
      let names = try? FileManager.default.contentsOfDirectory(
        atPath: folder.appendingPathComponent("rfc4475").path)
    else { return [] }
    return names.filter { $0.hasSuffix(".dat") }.map { "rfc4475/" + $0.dropLast(4) }.sorted()
  }()

  /// The response as the builder made it before it copied bytes: each line through
  /// `makeField(String, String)`, To through `addHeader` with the tag appended to its text.
  static func referenceResponse(to request: SIPMessage, statusCode: Int, toTag: String?) -> SIPMessage {
    var response = SIPMessage(statusCode: statusCode)
    func copy(_ f: SIPMessage.Field) {
      let field = response.makeField(
        request.string(f.lineStart..<f.nameEnd),
        request.valueString(f.valueStart..<f.valueEnd, folded: f.folded))
      response.fields.append(field)
    }
    for f in request.fields where f.id == .via { copy(f) }
    for f in request.fields where f.id == .from { copy(f) }
    for f in request.fields where f.id == .to {
      var value = request.valueString(f.valueStart..<f.valueEnd, folded: f.folded)
      if let toTag, statusCode > 100, (try? SIPNameAddress.parse(value))?.tag == nil {
        value += ";tag=" + toTag
      }
      response.addHeader("To", value)
    }
    for f in request.fields where f.id == .callID || f.id == .cseq { copy(f) }
    if (101..<300).contains(statusCode) {
      for f in request.fields where f.id == .recordRoute { copy(f) }
    }
    if statusCode == 100 {
      for f in request.fields where f.id == .timestamp { copy(f) }
    }
    response.setBody([])
    return response
  }

  @Test func fixturesAreFound() {
    #expect(Self.fixtures.count > 40)
  }

  /// checkMandatory counts lines, not values, for these: true only while none is a comma list.
  @Test func singleValuedHeadersAreNotLists() {
    #expect(SIPMessage.singleValuedHeaders.allSatisfy { !$0.isList })
  }

  @Test(arguments: fixtures)
  func cachedAccessorsAnswerAsParsing(_ name: String) throws {
    guard let plain = try? Fixture.message(name) else { return }  // framing errors: nothing to cache
    var cached = plain
    cached.cacheTransactionHeaders()
    #expect(cached.hasCachedTransactionHeaders)
    #expect(!plain.hasCachedTransactionHeaders)
    #expect(cached.to == plain.to)
    #expect(cached.from == plain.from)
    #expect(cached.topVia == plain.topVia)
    #expect(cached.cseq == plain.cseq)
    #expect(cached.callID == plain.callID)
    #expect(cached.requestURIValue == plain.requestURIValue)
    if plain.isRequest {
      #expect(Self.requestError(plain) == Self.requestError(cached))
    } else {
      #expect(Self.responseError(plain) == Self.responseError(cached))
    }
  }

  @Test(arguments: fixtures)
  func responsesAreTheBytesTheStringBuilderMade(_ name: String) throws {
    guard let plain = try? Fixture.message(name), plain.isRequest else { return }
    var cached = plain
    cached.cacheTransactionHeaders()
    for (code, tag) in [(100, "t1"), (180, "t2"), (200, "a84b4c76e66710"), (200, nil), (503, "x")]
      as [(Int, String?)]
    {
      let reference = Self.referenceResponse(to: plain, statusCode: code, toTag: tag).serialize()
      #expect(plain.makeResponse(statusCode: code, toTag: tag).serialize() == reference, "\(name) \(code)")
      #expect(cached.makeResponse(statusCode: code, toTag: tag).serialize() == reference, "\(name) \(code)")
    }
  }

  static let options = Array(
    ("OPTIONS sip:uas@127.0.0.1 SIP/2.0\r\nv: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1;rport\r\n"
      + "Via: SIP/2.0/TCP proxy.example.com;branch=z9hG4bKb2\r\nt: <sip:uas@127.0.0.1>\r\n"
      + "f: \"A\" <sip:a@192.0.2.1>;tag=f1\r\ni: c1@192.0.2.1\r\nCSeq: 7 OPTIONS\r\n"
      + "Max-Forwards: 70\r\nl: 0\r\n\r\n").utf8)

  /// A change of To, From, Via, CSeq, Call-ID or the start line drops the cache; a change of
  /// any other header keeps it, answering as the uncached message does.
  @Test func transactionHeaderChangesDropTheCache() throws {
    var m = try SIPMessage.parse(Self.options)
    m.cacheTransactionHeaders()
    m.setHeader("To", "<sip:other@example.com>;tag=9")
    #expect(!m.hasCachedTransactionHeaders)
    #expect(m.to?.tag == "9")
    for (name, value) in [
      ("t", "<sip:x@example.com>"), ("f", "<sip:y@example.com>;tag=2"), ("v", "SIP/2.0/UDP h"),
    ] {
      m.cacheTransactionHeaders()
      m.prependHeader(name, value)
      #expect(!m.hasCachedTransactionHeaders, "\(name)")
    }
    m.cacheTransactionHeaders()
    m.addHeader("i", "other-call")
    #expect(!m.hasCachedTransactionHeaders)
    m.cacheTransactionHeaders()
    m.addHeaders(SIPHeaderLines([("Allow", "INVITE"), ("CSeq", "1 INVITE")]))
    #expect(!m.hasCachedTransactionHeaders)
    m.cacheTransactionHeaders()
    m.addHeader("X-Any", "1")
    m.setHeader("Contact", "<sip:c@192.0.2.9>")
    m.prependHeader("Record-Route", "<sip:p.example.com;lr>")
    m.addHeaders(SIPHeaderLines([("Allow", "INVITE, ACK"), ("X-Other", "2")]))
    m.removeHeader("Max-Forwards")
    m.setBody(Array("v=0\r\n".utf8), contentType: "application/sdp")
    #expect(m.hasCachedTransactionHeaders)
    let plain = try SIPMessage.parse(m.serialize())
    #expect(m.to == plain.to && m.from == plain.from && m.topVia == plain.topVia)
    #expect(m.cseq == plain.cseq && m.callID == plain.callID && m.requestURIValue == plain.requestURIValue)
    #expect(m.toTag == plain.toTag && m.fromTag == plain.fromTag)
    m.cacheTransactionHeaders()
    m.removeHeader("CSeq")
    #expect(m.cseq == nil)
    m.cacheTransactionHeaders()
    m.removeFirstValue("Via")  // the Via prepended above
    #expect(m.topVia?.host == "192.0.2.1")
    m.cacheTransactionHeaders()
    m.setRequestURI("sip:changed@example.com")
    #expect(m.requestURIValue?.user == "changed")
  }

  /// A response to a cached INVITE starts cached (its copied lines answer as the request's; To
  /// checked again when a tag was added): every accessor and the validation answer as a parse
  /// of its bytes does, on every RFC 4475 request made an INVITE, for a 100, a tagged 180 and
  /// 200, an untagged 200 and a 486, with a Contact added after.
  @Test(arguments: fixtures)
  func inviteResponsesStartCached(_ name: String) throws {
    guard let parsed = try? Fixture.message(name), parsed.isRequest else { return }
    var request = parsed
    if !request.isMethod("INVITE") {
      // The same lines with INVITE as the method.
      let text = request.serialize()
      guard let space = text.firstIndex(of: 0x20),
        let invite = try? SIPMessage.parse(Array("INVITE".utf8) + text[space...])
      else { return }
      request = invite
    }
    request.cacheTransactionHeaders()
    for (code, tag) in [(100, "t1"), (180, "t2"), (200, "a84b4c76e66710"), (200, nil), (486, "x")]
      as [(Int, String?)]
    {
      var response = request.makeResponse(statusCode: code, toTag: tag)
      #expect(response.hasCachedTransactionHeaders, "\(name) \(code)")
      response.addHeader("Contact", "<sip:uas@192.0.2.5>")
      #expect(response.hasCachedTransactionHeaders, "\(name) \(code)")
      let plain = try SIPMessage.parse(response.serialize())
      #expect(response.to == plain.to, "\(name) \(code)")
      #expect(response.from == plain.from, "\(name) \(code)")
      #expect(response.toTag == plain.toTag, "\(name) \(code)")
      #expect(response.fromTag == plain.fromTag, "\(name) \(code)")
      #expect(response.topVia == plain.topVia, "\(name) \(code)")
      #expect(response.cseq == plain.cseq, "\(name) \(code)")
      #expect(response.callID == plain.callID, "\(name) \(code)")
      #expect(response.requestURIValue == nil)
      // The errors as without the cache (a built message's line numbers are not a parse's).
      var uncached = response
      uncached.discardCachedTransactionHeaders()
      #expect(Self.responseError(uncached) == Self.responseError(response), "\(name) \(code)")
      #expect((Self.responseError(plain) == nil) == (Self.responseError(response) == nil), "\(name) \(code)")
    }
    var options = try SIPMessage.parse(Self.options)
    options.cacheTransactionHeaders()
    #expect(!options.makeResponse(statusCode: 200, toTag: "u").hasCachedTransactionHeaders)
  }

  @Test func replacingTheTopViaKeepsTheRestCached() throws {
    var m = try SIPMessage.parse(Self.options)
    m.cacheTransactionHeaders()
    var via = try #require(m.topVia)
    via.rport = .port(40000)
    via.received = "198.51.100.7"
    let text = m.replaceTopVia(with: via)
    #expect(m.hasCachedTransactionHeaders)
    #expect(m.header("Via") == text)
    #expect(m.topVia == (try SIPVia.parse(text)))
    #expect(m.header("Via", 1) == "SIP/2.0/TCP proxy.example.com;branch=z9hG4bKb2")
    #expect(m.from?.tag == "f1")
    let response = m.makeResponse(statusCode: 200, toTag: "u1")
    #expect(response.header("Via") == text)
    #expect(response.to?.tag == "u1")
    #expect(response.from?.tag == "f1")
  }

  /// The cached Request-URI is parsed on its first read (sendpath): read before or after the Via
  /// stamp (which changes an owned cache in place and replaces a shared one), from the message
  /// or from a copy that shared its cache, it is the parse of the start line; one that does not
  /// parse reads nil either way and validation still reports it.
  @Test(arguments: [false, true])
  func requestURIIsParsedOnItsFirstRead(readBeforeTheStamp: Bool) throws {
    let text =
      "INVITE sip:bob@h.example;transport=udp SIP/2.0\r\nVia: SIP/2.0/UDP a.example;branch=z9hG4bK1;rport\r\n"
      + "To: <sip:bob@h.example>\r\nFrom: <sip:a@h.example>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 INVITE\r\n\r\n"
    let plain = try SIPMessage.parse(Array(text.utf8))
    let expected = try #require(plain.requestURIValue)
    var owned = plain
    owned.cacheTransactionHeaders()
    if readBeforeTheStamp { #expect(owned.requestURIValue == expected) }
    owned.stampTopVia(received: "192.0.2.1", rport: 5060)
    #expect(owned.requestURIValue == expected)
    var shared = plain
    shared.cacheTransactionHeaders()
    if readBeforeTheStamp { #expect(shared.requestURIValue == expected) }
    let copy = shared
    shared.stampTopVia(received: "192.0.2.1", rport: 5060)
    #expect(shared.requestURIValue == expected)
    #expect(copy.requestURIValue == expected)
    #expect(shared.hasCachedTransactionHeaders && copy.hasCachedTransactionHeaders)
    var bad = try SIPMessage.parse(
      Array(text.replacingOccurrences(of: "sip:bob@h.example;", with: "sip:@h;").utf8))
    #expect(bad.requestURIValue == nil)
    bad.cacheTransactionHeaders()
    if readBeforeTheStamp { #expect(bad.requestURIValue == nil) }
    #expect(Self.requestError(bad)?.reason.hasPrefix("Request-URI: ") == true)
    #expect(bad.requestURIValue == nil)
  }

  /// The header offsets are sized to the message's lines, not to the parser's initial room: a
  /// transaction keeps a request for up to 32 s (sendpath; the Via stamp no longer copies them).
  @Test func headerOffsetsAreSizedToTheLines() throws {
    let few = try SIPMessage.parse(
      Array("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n".utf8))
    #expect(few.fields.count == 2)
    #expect(few.fields.capacity <= few.fields.count + 2)
    let lines = (1...30).map { "X-H\($0): v" }.joined(separator: "\r\n")
    let many = try SIPMessage.parse(Array("OPTIONS sip:a@b SIP/2.0\r\n\(lines)\r\n\r\n".utf8))
    #expect(many.fields.count == 30)
    #expect(many.fields.capacity <= many.fields.count + 2)
    #expect(many.header("X-H30") == "v")
  }

  static func requestError(_ message: SIPMessage) -> SIPParseError? {
    do {
      try message.validateAsRequest()
      return nil
    } catch { return error }
  }

  static func responseError(_ message: SIPMessage) -> SIPParseError? {
    do {
      try message.validateAsResponse()
      return nil
    } catch { return error }
  }
}
