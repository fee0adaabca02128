import SIPCore
import Testing

/// A message written with `\n` line ends, turned into CRLF bytes.
func sip(_ text: String) -> [UInt8] {
  Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8)
}

let basicInvite = sip(
  """
  INVITE sip:bob@biloxi.example.com SIP/2.0
  Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;rport, SIP/2.0/TCP p1.example.com:5061;branch=z9hG4bKnashds8;received=192.0.2.1
  Max-Forwards: 70
  To: Bob <sip:bob@biloxi.example.com>
  From: "Alice, A." <sip:alice@atlanta.example.com>;tag=1928301774
  Call-ID: a84b4c76e66710@pc33.atlanta.example.com
  CSeq: 314159 INVITE
  Contact: <sip:alice@pc33.atlanta.example.com>;expires=60;q=0.7, "Other, Name" <sip:other@example.com>
  Supported: replaces, timer
  Require: 100rel
  Allow: INVITE,ACK , CANCEL
  X-Custom: a, b
  Route: <sip:p1.example.com;lr>, <sip:p2.example.com;lr>
  Record-Route: <sip:rr.example.com;lr>
  WWW-Authenticate: Digest realm="atlanta.example.com", nonce="ea9c8e88df84f1cec4341ae6cbe5a359", qop="auth"
  Expires: 120
  Content-Type: application/sdp
  Content-Length: 5

  v=0

  """)

@Suite("Datagram parsing and header access")
struct MessageParsingTests {
  @Test func requestLineAndHeaders() throws {
    let m = try SIPMessage.parse(basicInvite)
    #expect(m.isRequest)
    #expect(m.method == "INVITE")
    #expect(m.requestURI == "sip:bob@biloxi.example.com")
    #expect(m.sipVersion == "SIP/2.0")
    #expect(m.statusCode == nil)
    #expect(m.reasonPhrase == nil)
    #expect(m.callID == "a84b4c76e66710@pc33.atlanta.example.com")
    #expect(m.body == Array("v=0\r\n".utf8))
    #expect(m.contentLength == 5)
    #expect(m.startLineText == "INVITE sip:bob@biloxi.example.com SIP/2.0")
  }

  @Test func headerLookupIsCaseInsensitiveAndKnowsCompactForms() throws {
    let m = try SIPMessage.parse(basicInvite)
    #expect(m.header("call-id") == m.callID)
    #expect(m.header("CALL-ID") == m.callID)
    #expect(m.header("i") == m.callID)
    #expect(m.header("I") == m.callID)
    #expect(m.header("v") == m.header("Via"))
    #expect(m.header("f") == "\"Alice, A.\" <sip:alice@atlanta.example.com>;tag=1928301774")
    #expect(m.header("t") == "Bob <sip:bob@biloxi.example.com>")
    #expect(m.header("m", 1) == "\"Other, Name\" <sip:other@example.com>")
    #expect(m.header("k", 1) == "timer")
    #expect(m.header("l") == "5")
    #expect(m.header("c") == "application/sdp")
    #expect(m.header("x-custom") == "a, b")  // unknown headers are not split
    #expect(m.header("Nope") == nil)
    #expect(m.header("Via", 2) == nil)
    #expect(m.header("Via", -1) == nil)
    #expect(m.hasHeader("record-route"))
    #expect(!m.hasHeader("Subject"))
  }

  @Test func commaListsAreSplitOutsideQuotesAndBrackets() throws {
    let m = try SIPMessage.parse(basicInvite)
    #expect(m.headerValues("Via").count == 2)
    #expect(m.header("Via", 1) == "SIP/2.0/TCP p1.example.com:5061;branch=z9hG4bKnashds8;received=192.0.2.1")
    #expect(m.headerValues("Contact").count == 2)
    #expect(m.allow == ["INVITE", "ACK", "CANCEL"])
    #expect(m.supported == ["replaces", "timer"])
    #expect(m.require == ["100rel"])
    #expect(m.headerValues("Route") == ["<sip:p1.example.com;lr>", "<sip:p2.example.com;lr>"])
    #expect(m.headerLines("Via").count == 1)
    // Authentication headers are not lists: their commas separate parameters.
    #expect(m.wwwAuthenticate.count == 1)
    #expect(m.wwwAuthenticate.first?.hasSuffix("qop=\"auth\"") == true)
  }

  @Test func typedAccessors() throws {
    let m = try SIPMessage.parse(basicInvite)
    #expect(m.requestError() == nil)
    let top = try #require(m.topVia)
    #expect(top.transport == "UDP")
    #expect(top.host == "pc33.atlanta.example.com")
    #expect(top.port == nil)
    #expect(top.branch == "z9hG4bK776asdhds")
    #expect(top.rport == .requested)
    #expect(top.isRFC3261Branch)
    #expect(m.vias[1].received == "192.0.2.1")
    #expect(m.vias[1].port == 5061)
    #expect(m.from?.displayName == "Alice, A.")
    #expect(m.from?.tag == "1928301774")
    #expect(m.to?.displayName == "Bob")
    #expect(m.to?.tag == nil)
    #expect(m.cseq == SIPCSeq(314159, "INVITE"))
    #expect(m.maxForwards == 70)
    #expect(m.contacts.count == 2)
    #expect(m.contacts[0].expires == 60)
    #expect(m.contacts[0].q == 0.7)
    #expect(m.contacts[1].displayName == "Other, Name")
    #expect(!m.isWildcardContact)
    #expect(m.routes.map(\.uri.host) == ["p1.example.com", "p2.example.com"])
    #expect(m.recordRoutes.first?.uri.isLooseRouting == true)
    #expect(m.expires == 120)
    #expect(m.contentType == "application/sdp")
    #expect(m.mediaType == "application/sdp")
    #expect(m.requestURIValue?.user == "bob")
  }

  @Test func responses() throws {
    let bytes = sip(
      """
      SIP/2.0 180 Ringing
      Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bK776asdhds;received=192.0.2.1;rport=5062
      To: Bob <sip:bob@biloxi.example.com>;tag=a6c85cf
      From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: a84b4c76e66710
      CSeq: 314159 INVITE
      Contact: *
      Server: Foo/1.0 (comment, with comma)
      Content-Length: 0


      """)
    let m = try SIPMessage.parse(bytes)
    #expect(!m.isRequest)
    #expect(m.method == nil)
    #expect(m.requestURI == nil)
    #expect(m.requestURIValue == nil)
    #expect(m.statusCode == 180)
    #expect(m.reasonPhrase == "Ringing")
    #expect(m.topVia?.rport == .port(5062))
    #expect(m.to?.tag == "a6c85cf")
    #expect(m.isWildcardContact)
    #expect(m.contacts.isEmpty)
    #expect(m.header("Server") == "Foo/1.0 (comment, with comma)")
    #expect(m.responseError() == nil)
    #expect(m.requestError()?.reason.contains("not a request") == true)
    #expect(m.serialize() == bytes)
  }

  @Test func foldingIsUnderstoodAndKeptOnSerialization() throws {
    let bytes = sip(
      """
      OPTIONS sip:a@example.com SIP/2.0
      Via: SIP/2.0/UDP h.example.com;branch=z9hG4bKx
      Subject: first
       second\t
      \tthird
      To:
        <sip:a@example.com>
      From: <sip:b@example.com>;tag=1
      Call-ID: c1
      CSeq: 1 OPTIONS
      Content-Length: 0


      """)
    let m = try SIPMessage.parse(bytes)
    #expect(m.header("Subject") == "first second third")
    #expect(m.to?.uri.user == "a")
    #expect(m.requestError() == nil)
    #expect(m.serialize() == bytes)
    #expect(m.headers.map(\.name) == ["Via", "Subject", "To", "From", "Call-ID", "CSeq", "Content-Length"])
  }

  @Test func bareLFIsAcceptedAndWrittenAsCRLF() throws {
    let text =
      "OPTIONS sip:a@example.com SIP/2.0\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\nTo: <sip:a@example.com>\nFrom: <sip:b@example.com>;tag=1\nCall-ID: c1\nCSeq: 1 OPTIONS\nContent-Length: 0\n\n"
    let m = try SIPMessage.parse(Array(text.utf8))
    #expect(m.callID == "c1")
    #expect(m.serialize() == Array(text.replacingOccurrences(of: "\n", with: "\r\n").utf8))
  }

  @Test func contentLengthWithLeadingZerosAndLWS() throws {
    let text = "SIP/2.0 200 OK\r\nContent-Length:  0000000000000000002 \r\n\r\nokEXTRA"
    let m = try SIPMessage.parse(Array(text.utf8))
    #expect(m.body == Array("ok".utf8))
    #expect(m.contentLength == 2)
    let folded = "SIP/2.0 200 OK\r\nContent-Length:\r\n 1\r\n\r\nx"
    #expect(try SIPMessage.parse(Array(folded.utf8)).body == [UInt8(ascii: "x")])
  }

  @Test func leadingCRLFsAreSkipped() throws {
    let m = try SIPMessage.parse(Array("\r\n\r\n".utf8) + basicInvite)
    #expect(m.method == "INVITE")
    #expect(m.serialize() == basicInvite)
  }

  @Test func contentLengthIsOptionalOnDatagramsAndTruncates() throws {
    var text =
      "MESSAGE sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\nTo: <sip:a@example.com>\r\nFrom: <sip:b@example.com>;tag=1\r\nCall-ID: c1\r\nCSeq: 1 MESSAGE\r\n"
    let noLength = try SIPMessage.parse(Array((text + "\r\nhello world").utf8))
    #expect(noLength.body == Array("hello world".utf8))
    text += "Content-Length: 5\r\n\r\nhello world"
    let truncated = try SIPMessage.parse(Array(text.utf8))
    #expect(truncated.body == Array("hello".utf8))
    #expect(String(decoding: truncated.serialize(), as: UTF8.self).hasSuffix("\r\n\r\nhello"))
  }

  @Test(arguments: [
    ("", "empty"),
    ("\r\n\r\n", "empty"),
    ("INVITE sip:a@b SIP/2.0\r\nVia: x\r\n", "not ended"),
    ("INVITE sip:a@b SIP/2.0", "not ended"),
    ("INVITE sip:a@b SIP/2.0\r\n: value\r\n\r\n", "token"),
    ("INVITE sip:a@b SIP/2.0\r\nNo colon here\r\n\r\n", "token"),
    ("INVITE sip:a@b SIP/2.0\r\nBad@Name: x\r\n\r\n", "token"),
    ("INVITE sip:a@b SIP/2.0\r\n continuation\r\n\r\n", "white space"),
    ("INV<ITE sip:a@b SIP/2.0\r\n\r\n", "token"),
    ("INVITE sip:a@b\r\n\r\n", "Request-Line"),
    ("INVITE  sip:a@b SIP/2.0\r\n\r\n", "Request-Line"),
    ("INVITE sip:a@b SIP/2.0 \r\n\r\n", "Request-Line"),
    ("INVITE sip:a@b HTTP/1.1\r\n\r\n", "SIP-Version"),
    ("INVITE sip:a@b SIP/2\r\n\r\n", "SIP-Version"),
    ("INVITE 1sip:a SIP/2.0\r\n\r\n", "scheme"),
    ("INVITE sipab SIP/2.0\r\n\r\n", "scheme"),
    ("INVITE sip:a\u{7F}b SIP/2.0\r\n\r\n", "invalid character"),
    ("SIP/2.0 20 OK\r\n\r\n", "three digits"),
    ("SIP/2.0 2000 OK\r\n\r\n", "three digits"),
    ("SIP/2.0 099 Low\r\n\r\n", "100-699"),
    ("SIP/2.0 700 High\r\n\r\n", "100-699"),
    ("SIP/2.0 200 O\u{01}K\r\n\r\n", "control"),
    ("SIP/2.x 200 OK\r\n\r\n", "SIP-Version"),
    ("SIP/2.0 200 OK\r\nContent-Length: 1 2\r\n\r\nab", "1*DIGIT"),
    ("SIP/2.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", "1*DIGIT"),
    ("SIP/2.0 200 OK\r\nContent-Length:\r\n\r\n", "1*DIGIT"),
    ("SIP/2.0 200 OK\r\nl: 1\r\nContent-Length: 1\r\n\r\na", "more than one"),
  ])
  func framingErrors(input: String, reason: String) throws {
    let error = try #require(Fixture.parseError(bytes: Array(input.utf8)))
    #expect(error.reason.contains(reason), "\(error)")
    #expect(error.statusCode == 400)
  }

  @Test func versionErrorsCarry505() throws {
    let request = try #require(Fixture.parseError(bytes: Array("OPTIONS sip:a@b SIP/3.0\r\n\r\n".utf8)))
    #expect(request.statusCode == 505)
    let response = try #require(Fixture.parseError(bytes: Array("SIP/1.0 200 OK\r\n\r\n".utf8)))
    #expect(response.statusCode == 505)
  }

  @Test func limitsBoundTheWork() throws {
    let many = "OPTIONS sip:a@b SIP/2.0\r\n" + (0..<300).map { "X-\($0): v\r\n" }.joined() + "\r\n"
    let tooMany = try #require(Fixture.parseError(bytes: Array(many.utf8)))
    #expect(tooMany.reason.contains("header lines"))
    #expect(tooMany.line == 258)
    let longLine = "OPTIONS sip:a@b SIP/2.0\r\nX: " + String(repeating: "a", count: 20_000) + "\r\n\r\n"
    let tooLong = try #require(Fixture.parseError(bytes: Array(longLine.utf8)))
    #expect(tooLong.reason.contains("longer"))
    let relaxed = SIPMessage.Limits(maxHeaderCount: 400, maxLineLength: 30_000)
    #expect(try SIPMessage.parse(Array(many.utf8), limits: relaxed).headerValues("X-299") == ["v"])
    #expect(try SIPMessage.parse(Array(longLine.utf8), limits: relaxed).header("X")?.count == 20_000)
    let bigBody = "SIP/2.0 200 OK\r\nContent-Length: 100\r\n\r\n" + String(repeating: "b", count: 100)
    #expect(
      Fixture.parseError(bytes: Array(bigBody.utf8), limits: SIPMessage.Limits(maxBodyBytes: 99)) != nil)
  }

  @Test func errorDescriptionNamesEverything() {
    let error = SIPParseError(line: 3, header: "CSeq", reason: "bad", statusCode: 400)
    #expect(error.description == "line 3: CSeq: bad [400]")
    #expect(SIPParseError(reason: "x").description == "x [400]")
  }

  @Test func parseAcceptsAnyCollection() throws {
    let slice = basicInvite[...]
    #expect(try SIPMessage.parse(slice).callID == "a84b4c76e66710@pc33.atlanta.example.com")
    let reversedTwice = basicInvite.reversed().reversed()
    #expect(try SIPMessage.parse(reversedTwice).method == "INVITE")
  }

  @Test func unmodifiedMessagesRoundTrip() throws {
    let m = try SIPMessage.parse(basicInvite)
    #expect(m.serialize() == basicInvite)
    #expect(m.description == String(decoding: basicInvite, as: UTF8.self))
  }
}
