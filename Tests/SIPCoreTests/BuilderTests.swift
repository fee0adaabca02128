import SIPCore
import Testing

/// A deterministic generator (SplitMix64) so identifiers are fixed in tests.
struct SeededGenerator: RandomNumberGenerator {
  var state: UInt64
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

@Suite("Builders")
struct BuilderTests {
  func invite(seed: UInt64 = 1, body: [UInt8] = []) throws -> SIPMessage {
    var rng = SeededGenerator(state: seed)
    return SIPMessage.request(
      method: "INVITE", uri: try SIPURI.parse("sip:bob@biloxi.example.com"),
      from: SIPNameAddress(displayName: "Alice", uri: try SIPURI.parse("sip:alice@atlanta.example.com")),
      to: SIPNameAddress(displayName: "Bob", uri: try SIPURI.parse("sip:bob@biloxi.example.com")),
      via: SIPVia(transport: "UDP", host: "192.0.2.1", port: 5060), cseq: 314159,
      contact: SIPNameAddress(uri: try SIPURI.parse("sip:alice@192.0.2.1:5060")),
      routes: [SIPNameAddress(uri: try SIPURI.parse("sip:p1.example.com;lr"))], body: body,
      contentType: "application/sdp", using: &rng)
  }

  @Test func newRequestFollowsRFC3261Section8_1_1() throws {
    let m = try invite()
    #expect(m.requestError() == nil)
    #expect(m.method == "INVITE")
    #expect(m.requestURI == "sip:bob@biloxi.example.com")
    let via = try #require(m.topVia)
    #expect(via.isRFC3261Branch)
    #expect(via.branch?.utf8.count == 27)
    #expect(via.sentBy == "192.0.2.1:5060")
    #expect(m.maxForwards == 70)
    #expect(m.from?.tag?.utf8.count == 12)
    #expect(m.from?.displayName == "Alice")
    #expect(m.to?.tag == nil)
    #expect(m.callID?.hasSuffix("@192.0.2.1") == true)
    #expect(m.cseq == SIPCSeq(314159, "INVITE"))
    #expect(m.contacts.first?.uri.port == 5060)
    #expect(m.routes.first?.uri.host == "p1.example.com")
    #expect(m.contentLength == 0)
    #expect(!m.hasHeader("Content-Type"))
    #expect(
      m.headers.map(\.name) == [
        "Via", "Max-Forwards", "Route", "From", "To", "Call-ID", "CSeq", "Contact", "Content-Length",
      ])
    #expect(try SIPMessage.parse(m.serialize()).serialize() == m.serialize())
  }

  @Test func randomnessComesFromTheGenerator() throws {
    #expect(try invite(seed: 7).serialize() == (try invite(seed: 7)).serialize())
    #expect(try invite(seed: 7).callID != (try invite(seed: 8)).callID)
    #expect(try invite(seed: 7).topVia?.branch != (try invite(seed: 8)).topVia?.branch)
    let system = SIPMessage.request(
      method: "OPTIONS", uri: try SIPURI.parse("sip:a@b"),
      from: SIPNameAddress(uri: try SIPURI.parse("sip:c@d")),
      to: SIPNameAddress(uri: try SIPURI.parse("sip:a@b")), via: SIPVia(transport: "TCP", host: "h"))
    #expect(system.requestError() == nil)
  }

  @Test func givenIdentifiersAreKept() throws {
    var rng = SeededGenerator(state: 3)
    var from = SIPNameAddress(uri: try SIPURI.parse("sip:alice@example.com"))
    from.tag = "mytag"
    let m = SIPMessage.request(
      method: "BYE", uri: try SIPURI.parse("sip:bob@192.0.2.2"), from: from,
      to: try SIPNameAddress.parse("<sip:bob@example.com>;tag=theirs"),
      via: SIPVia(transport: "UDP", host: "h", branch: "z9hG4bKgiven"), callID: "call-1", cseq: 2, using: &rng
    )
    #expect(m.from?.tag == "mytag")
    #expect(m.to?.tag == "theirs")
    #expect(m.topVia?.branch == "z9hG4bKgiven")
    #expect(m.callID == "call-1")
    #expect(!m.hasHeader("Contact"))
  }

  @Test func requestWithBody() throws {
    let sdp = Array("v=0\r\n".utf8)
    let m = try invite(body: sdp)
    #expect(m.body == sdp)
    #expect(m.contentType == "application/sdp")
    #expect(m.contentLength == 5)
    #expect(try SIPMessage.parse(m.serialize()).body == sdp)
  }

  @Test func responseFollowsRFC3261Section8_2_6() throws {
    let request = try SIPMessage.parse(basicInvite)
    let ringing = request.makeResponse(statusCode: 180, toTag: "a6c85cf")
    #expect(ringing.statusCode == 180)
    #expect(ringing.reasonPhrase == "Ringing")
    #expect(ringing.headerValues("Via") == request.headerValues("Via"))
    #expect(ringing.header("From") == request.header("From"))
    #expect(ringing.to?.tag == "a6c85cf")
    #expect(ringing.header("To") == "Bob <sip:bob@biloxi.example.com>;tag=a6c85cf")
    #expect(ringing.callID == request.callID)
    #expect(ringing.cseq == request.cseq)
    #expect(ringing.headerValues("Record-Route") == request.headerValues("Record-Route"))
    #expect(ringing.contentLength == 0)
    #expect(ringing.responseError() == nil)
    #expect(!ringing.hasHeader("Contact"))

    let busy = request.makeResponse(statusCode: 486, toTag: "x")
    #expect(!busy.hasHeader("Record-Route"))

    let ok = request.makeResponse(
      statusCode: 200, reasonPhrase: "Fine", toTag: "a6c85cf", body: Array("v=0\r\n".utf8),
      contentType: "application/sdp")
    #expect(ok.reasonPhrase == "Fine")
    #expect(ok.mediaType == "application/sdp")
    #expect(ok.body == Array("v=0\r\n".utf8))
    #expect(ok.contentLength == 5)
  }

  @Test func trying() throws {
    var request = try SIPMessage.parse(basicInvite)
    request.addHeader("Timestamp", "54")
    let trying = request.makeResponse(statusCode: 100, toTag: "ignored")
    #expect(trying.to?.tag == nil)  // no tag on 100
    #expect(trying.header("Timestamp") == "54")
    #expect(trying.reasonPhrase == "Trying")
  }

  @Test func existingToTagIsKept() throws {
    let inDialog = try SIPMessage.parse(
      sip(
        """
        BYE sip:alice@192.0.2.1 SIP/2.0
        Via: SIP/2.0/UDP 192.0.2.2;branch=z9hG4bKbye
        To: <sip:alice@example.com>;tag=1
        From: <sip:bob@example.com>;tag=2
        Call-ID: c
        CSeq: 5 BYE
        Content-Length: 0


        """))
    let ok = inDialog.makeResponse(statusCode: 200, toTag: "other")
    #expect(ok.to?.tag == "1")
  }

  @Test func ackForNonSuccessFollowsRFC3261Section17_1_1_3() throws {
    let request = try SIPMessage.parse(basicInvite)
    let busy = request.makeResponse(statusCode: 486, toTag: "busytag")
    let ack = request.makeACK(for: busy)
    #expect(ack.requestError() == nil)
    #expect(ack.method == "ACK")
    #expect(ack.requestURI == request.requestURI)
    #expect(ack.headerValues("Via") == [request.header("Via") ?? ""])
    #expect(ack.topVia?.branch == request.topVia?.branch)
    #expect(ack.to?.tag == "busytag")
    #expect(ack.header("From") == request.header("From"))
    #expect(ack.callID == request.callID)
    #expect(ack.cseq == SIPCSeq(314159, "ACK"))
    #expect(ack.headerValues("Route") == request.headerValues("Route"))
    #expect(ack.maxForwards == 70)
    #expect(ack.contentLength == 0)
  }

  @Test func cancelFollowsRFC3261Section9_1() throws {
    let request = try SIPMessage.parse(basicInvite)
    let cancel = request.makeCANCEL()
    #expect(cancel.requestError() == nil)
    #expect(cancel.method == "CANCEL")
    #expect(cancel.requestURI == request.requestURI)
    #expect(cancel.headerValues("Via").count == 1)
    #expect(cancel.topVia == request.topVia)
    #expect(cancel.header("To") == request.header("To"))
    #expect(cancel.header("From") == request.header("From"))
    #expect(cancel.callID == request.callID)
    #expect(cancel.cseq == SIPCSeq(314159, "CANCEL"))
    #expect(cancel.headerValues("Route") == request.headerValues("Route"))
    #expect(cancel.body.isEmpty)
  }

  @Test func emptyMessages() throws {
    #expect(SIPMessage(statusCode: 404).startLineText == "SIP/2.0 404 Not Found")
    #expect(SIPMessage(statusCode: 299).reasonPhrase == "Unknown")
    #expect(SIPMessage(statusCode: 42).statusCode == 100)
    #expect(SIPMessage(statusCode: 1000).statusCode == 699)
    let options = SIPMessage(method: "OPTIONS", requestURI: "sip:a@b")
    #expect(options.isRequest)
    #expect(options.serialize() == Array("OPTIONS sip:a@b SIP/2.0\r\n\r\n".utf8))
    #expect(SIPMessage.defaultReasonPhrase(503) == "Service Unavailable")
  }

  @Test func identifiers() {
    var rng = SeededGenerator(state: 42)
    let branch = SIPIdentifiers.branch(using: &rng)
    #expect(branch.hasPrefix("z9hG4bK"))
    #expect(branch.utf8.count == 27)
    let tag = SIPIdentifiers.tag(using: &rng)
    #expect(tag.utf8.count == 12)
    #expect(tag.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x7A) })
    #expect(SIPIdentifiers.callID(host: "example.com", using: &rng).hasSuffix("@example.com"))
    #expect(SIPIdentifiers.callID(using: &rng).utf8.count == 24)
    #expect(SIPIdentifiers.randomToken(count: 0, using: &rng).isEmpty)
  }
}
