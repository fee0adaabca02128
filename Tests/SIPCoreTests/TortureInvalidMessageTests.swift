import SIPCore
import Testing

/// RFC 4475 §3.1.2: invalid messages. Framing errors are refused by `SIPMessage.parse`; errors
/// inside header values by `validateAsRequest()`/`validateAsResponse()` (the parse/validate split,
/// docs/architecture-sipcore.md). Every refusal names its rule and the status to answer.
@Suite("RFC 4475 §3.1.2 invalid messages")
struct TortureInvalidMessageTests {
  @Test("3.1.2.1 badinv01: extraneous header field separators")
  func badinv01() throws {
    let m = try Fixture.message("rfc4475/badinv01")
    let error = try #require(m.requestError())
    #expect(error.statusCode == 400)
    #expect(error.header == "Via")
    #expect(error.line == 7)
  }

  @Test("3.1.2.2 clerr: Content-Length larger than the message")
  func clerr() throws {
    let error = try #require(try Fixture.parseError("rfc4475/clerr"))
    #expect(error.statusCode == 400)
    #expect(error.header == "Content-Length")
    #expect(error.reason.contains("larger"))
  }

  @Test("3.1.2.3 ncl: negative Content-Length")
  func ncl() throws {
    let error = try #require(try Fixture.parseError("rfc4475/ncl"))
    #expect(error.statusCode == 400)
    #expect(error.header == "Content-Length")
    #expect(error.line == 10)
  }

  @Test("3.1.2.4 scalar02: request scalar fields with overlarge values")
  func scalar02() throws {
    let m = try Fixture.message("rfc4475/scalar02")
    let error = try #require(m.requestError())
    #expect(error.statusCode == 400)
    #expect(error.header == "CSeq")
    #expect(m.cseq == nil)
    #expect(m.maxForwards == nil)  // 300 > 255
    #expect(m.expires == UInt32.max)  // clamped, RFC 4475 lets the expiry be treated as a default
    #expect(m.contacts.first?.expires == UInt32.max)
  }

  @Test("3.1.2.5 scalarlg: response scalar fields with overlarge values")
  func scalarlg() throws {
    let m = try Fixture.message("rfc4475/scalarlg")
    #expect(m.statusCode == 503)
    let error = try #require(m.responseError())
    #expect(error.header == "CSeq")
  }

  @Test("3.1.2.6 quotbal: unterminated quoted string in display name")
  func quotbal() throws {
    let error = try #require(try Fixture.message("rfc4475/quotbal").requestError())
    #expect(error.statusCode == 400)
    #expect(error.header == "To")
    #expect(error.reason.contains("quoted-string"))
  }

  @Test("3.1.2.7 ltgtruri: <> enclosing the Request-URI")
  func ltgtruri() throws {
    let error = try #require(try Fixture.parseError("rfc4475/ltgtruri"))
    #expect(error.statusCode == 400)
    #expect(error.line == 1)
  }

  @Test("3.1.2.8 lwsruri: embedded LWS in the Request-URI")
  func lwsruri() throws {
    let error = try #require(try Fixture.parseError("rfc4475/lwsruri"))
    #expect(error.statusCode == 400)
    #expect(error.line == 1)
    #expect(error.reason.contains("Request-Line"))
  }

  @Test("3.1.2.9 lwsstart: multiple SP separating Request-Line elements")
  func lwsstart() throws {
    let error = try #require(try Fixture.parseError("rfc4475/lwsstart"))
    #expect(error.statusCode == 400)
    #expect(error.line == 1)
  }

  @Test("3.1.2.10 trws: SP characters at the end of the Request-Line")
  func trws() throws {
    let error = try #require(try Fixture.parseError("rfc4475/trws"))
    #expect(error.statusCode == 400)
    #expect(error.line == 1)
  }

  @Test("3.1.2.11 escruri: escaped headers in the Request-URI")
  func escruri() throws {
    let m = try Fixture.message("rfc4475/escruri")
    #expect(m.requestURIValue?.headers == [SIPURI.Header(name: "Route", value: "<sip:example.com>")])
    let error = try #require(m.requestError())
    #expect(error.statusCode == 400)
    #expect(error.line == 1)
  }

  @Test("3.1.2.12 baddate: non-GMT time zone in Date (tolerated: Date is not used)")
  func baddate() throws {
    // RFC 4475: an element should not refuse it unless it needs the Date; SIPCore does not.
    let m = try Fixture.message("rfc4475/baddate")
    #expect(m.requestError() == nil)
    #expect(m.header("Date") == "Fri, 01 Jan 2010 16:00:00 EST")
  }

  @Test("3.1.2.13 regbadct: name-addr URI with headers not in <>")
  func regbadct() throws {
    let error = try #require(try Fixture.message("rfc4475/regbadct").requestError())
    #expect(error.statusCode == 400)
    #expect(error.header == "Contact")
    #expect(error.reason.contains("<>"))
  }

  @Test("3.1.2.14 badaspec: spaces within addr-spec")
  func badaspec() throws {
    let error = try #require(try Fixture.message("rfc4475/badaspec").requestError())
    #expect(error.statusCode == 400)
    #expect(error.header == "To")
  }

  @Test("3.1.2.15 baddn: non-token characters in an unquoted display name")
  func baddn() throws {
    let m = try Fixture.message("rfc4475/baddn")
    let error = try #require(m.requestError())
    #expect(error.statusCode == 400)
    #expect(error.header == "To")
    #expect(m.from == nil)
  }

  @Test("3.1.2.16 badvers: unknown protocol version gets 505")
  func badvers() throws {
    let error = try #require(try Fixture.parseError("rfc4475/badvers"))
    #expect(error.statusCode == 505)
    #expect(error.line == 1)
  }

  @Test("3.1.2.17 mismatch01: start line and CSeq method mismatch")
  func mismatch01() throws {
    let error = try #require(try Fixture.message("rfc4475/mismatch01").requestError())
    #expect(error.statusCode == 400)
    #expect(error.header == "CSeq")
  }

  @Test("3.1.2.18 mismatch02: unknown method with CSeq mismatch gets 400, not 501")
  func mismatch02() throws {
    let m = try Fixture.message("rfc4475/mismatch02")
    #expect(m.method == "NEWMETHOD")
    let error = try #require(m.requestError())
    #expect(error.statusCode == 400)
    #expect(error.header == "CSeq")
  }

  @Test("3.1.2.19 bigcode: overlarge response code")
  func bigcode() throws {
    let error = try #require(try Fixture.parseError("rfc4475/bigcode"))
    #expect(error.line == 1)
    #expect(error.reason.contains("three digits"))
  }

  @Test("test.dat (not in RFC 4475): Request-Line without SIP-Version")
  func testMessage() throws {
    let error = try #require(try Fixture.parseError("rfc4475/test"))
    #expect(error.statusCode == 400)
    #expect(error.line == 1)
  }
}

/// RFC 4475 §3.2–§3.4: transaction and application layer semantics, backward compatibility.
/// These messages parse; what to do with them is decided by `validateAsRequest()` and its policy.
@Suite("RFC 4475 §3.2-3.4 semantics")
struct TortureSemanticsTests {
  @Test("3.2.1 badbranch: magic cookie without identifier (falls back to RFC 2543 matching)")
  func badbranch() throws {
    let m = try Fixture.message("rfc4475/badbranch")
    #expect(m.requestError() == nil)
    #expect(m.topVia?.branch == "z9hG4bK")
    #expect(m.topVia?.isRFC3261Branch == false)
  }

  @Test("3.3.1 insuf: missing required header fields")
  func insuf() throws {
    let m = try Fixture.message("rfc4475/insuf")
    let error = try #require(m.requestError())
    #expect(error.statusCode == 400)
    #expect(error.reason.contains("To"))
    #expect(error.reason.contains("From"))
    #expect(error.reason.contains("Call-ID"))
  }

  @Test("3.3.2 unkscm: unknown Request-URI scheme gets 416")
  func unkscm() throws {
    let m = try Fixture.message("rfc4475/unkscm")
    #expect(m.requestURIValue?.scheme == .other("nobodyknowsthisscheme"))
    let error = try #require(m.requestError())
    #expect(error.statusCode == 416)
  }

  @Test("3.3.3 novelsc: known but atypical Request-URI scheme gets 416")
  func novelsc() throws {
    let m = try Fixture.message("rfc4475/novelsc")
    #expect(m.requestURIValue?.opaque == "//192.0.2.103:3002")
    #expect(m.requestError()?.statusCode == 416)
    // An element that does handle soap.beep accepts it.
    #expect(m.requestError(SIPValidationPolicy(supportedSchemes: ["sip", "soap.beep"])) == nil)
  }

  @Test("3.3.4 unksm2: unknown URI schemes in header fields are accepted")
  func unksm2() throws {
    let m = try Fixture.message("rfc4475/unksm2")
    #expect(m.requestError() == nil)
    #expect(m.to?.uri.scheme == .other("isbn"))
    #expect(m.to?.uri.opaque == "2983792873")
    #expect(m.from?.uri.scheme == .other("http"))
    #expect(m.from?.tag == "3234233")
    #expect(m.contacts.first?.uri.description == "name:John_Smith")
  }

  @Test("3.3.5 bext01: Proxy-Require and Require get 420")
  func bext01() throws {
    let m = try Fixture.message("rfc4475/bext01")
    #expect(m.requestError() == nil)  // nothing to check without a list of supported options
    let uas = try #require(m.requestError(SIPValidationPolicy(supportedExtensions: ["100rel"])))
    #expect(uas.statusCode == 420)
    #expect(uas.header == "Require")
    #expect(m.unsupportedOptions(supported: []) == ["nothingSupportsThis", "nothingSupportsThisEither"])
    let proxy = try #require(m.requestError(SIPValidationPolicy(role: .proxy, supportedExtensions: [])))
    #expect(proxy.statusCode == 420)
    #expect(proxy.header == "Proxy-Require")
    #expect(
      m.unsupportedOptions(supported: [], role: .proxy) == [
        "noProxiesSupportThis", "norDoAnyProxiesSupportThis",
      ])
  }

  @Test("3.3.6 invut: unknown Content-Type gets 415")
  func invut() throws {
    let m = try Fixture.message("rfc4475/invut")
    #expect(m.mediaType == "application/unknownformat")
    #expect(m.body.count == 40)
    let error = try #require(m.requestError(SIPValidationPolicy(acceptedContentTypes: ["application/sdp"])))
    #expect(error.statusCode == 415)
    #expect(error.header == "Content-Type")
  }

  @Test("3.3.7 regaut01: unknown authorization scheme is kept as written")
  func regaut01() throws {
    let m = try Fixture.message("rfc4475/regaut01")
    #expect(m.requestError() == nil)
    #expect(m.authorization == ["NoOneKnowsThisScheme opaque-data=here"])
    #expect(m.contentLength == 0)
  }

  @Test("3.3.8 multi01: multiple values in single-value header fields")
  func multi01() throws {
    let m = try Fixture.message("rfc4475/multi01")
    let error = try #require(m.requestError())
    #expect(error.statusCode == 400)
    #expect(error.reason.contains("once"))
    #expect(error.header == "To")
    #expect(error.line == 11)
  }

  @Test("3.3.9 mcl01: multiple Content-Length values")
  func mcl01() throws {
    let error = try #require(try Fixture.parseError("rfc4475/mcl01"))
    #expect(error.statusCode == 400)
    #expect(error.header == "Content-Length")
    #expect(error.line == 9)
  }

  @Test("3.3.10 bcast: 200 OK with a broadcast Via is dropped by a proxy")
  func bcast() throws {
    let m = try Fixture.message("rfc4475/bcast")
    #expect(m.responseError() == nil)  // well formed
    let error = try #require(m.responseError(SIPValidationPolicy(role: .proxy)))
    #expect(error.header == "Via")
    #expect(error.line == 3)
  }

  @Test("3.3.11 zeromf: Max-Forwards of zero (483 at a proxy, processed by a UAS)")
  func zeromf() throws {
    let m = try Fixture.message("rfc4475/zeromf")
    #expect(m.maxForwards == 0)
    #expect(m.requestError() == nil)
    let error = try #require(m.requestError(SIPValidationPolicy(role: .proxy)))
    #expect(error.statusCode == 483)
    #expect(error.header == "Max-Forwards")
  }

  @Test("3.3.12 cparam01: REGISTER with a Contact header parameter")
  func cparam01() throws {
    let m = try Fixture.message("rfc4475/cparam01")
    #expect(m.requestError() == nil)
    let contact = try #require(m.contacts.first)
    #expect(contact.parameters.contains("unknownparam"))
    #expect(contact.uri.parameters.isEmpty)
    #expect(contact.uri.user == "+19725552222")
  }

  @Test("3.3.13 cparam02: REGISTER with a URI parameter")
  func cparam02() throws {
    let m = try Fixture.message("rfc4475/cparam02")
    #expect(m.requestError() == nil)
    let contact = try #require(m.contacts.first)
    #expect(contact.uri.parameters.contains("unknownparam"))
    #expect(contact.parameters.isEmpty)
  }

  @Test("3.3.14 regescrt: REGISTER with a URL-escaped header")
  func regescrt() throws {
    let m = try Fixture.message("rfc4475/regescrt")
    #expect(m.requestError() == nil)
    let contact = try #require(m.contacts.first)
    #expect(contact.uri.headers == [SIPURI.Header(name: "Route", value: "<sip:sip.example.com>")])
    #expect(contact.uri.description == "sip:user@example.com?Route=%3Csip:sip.example.com%3E")
  }

  @Test("3.3.15 sdp01: unacceptable Accept offering is left to the application")
  func sdp01() throws {
    let m = try Fixture.message("rfc4475/sdp01")
    #expect(m.requestError() == nil)
    #expect(m.headerValues("Accept") == ["text/nobodyKnowsThis"])
    #expect(m.mediaType == "application/sdp")
  }

  @Test("3.4.1 inv2543: INVITE with RFC 2543 syntax")
  func inv2543() throws {
    let m = try Fixture.message("rfc4475/inv2543")
    #expect(m.requestError() == nil)  // no Max-Forwards, no branch, no tag, no Content-Length
    #expect(m.maxForwards == nil)
    #expect(m.topVia?.branch == nil)
    #expect(m.from?.tag == nil)
    #expect(m.contentLength == nil)
    let body = String(decoding: m.body, as: UTF8.self)  // to the end of the datagram
    #expect(body.hasPrefix("v=0\r\n") && body.hasSuffix("m=audio 49217 RTP/AVP 0\r\n"))
    #expect(m.recordRoutes.first?.uri.parameters.value("maddr") == "ss1.example.com")
  }
}
