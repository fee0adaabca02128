import SIPCore
import Testing

@testable import SIPProtocol

/// RFC 3261 §8.2, one test per rule.
@Suite struct RequestValidatorTests {
  let validator = RequestValidator(
    allowedMethods: ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"], supportedExtensions: ["timer"],
    acceptedBodyTypes: ["application/sdp"], localAddresses: ["biloxi.example.com"])

  func response(_ text: String, _ context: RequestValidator.Context = .init(toTag: "t1")) throws
    -> SIPMessage?
  {
    if case .respond(let response) = validator.validate(try sip(text), context: context) { return response }
    return nil
  }

  func request(
    method: String = "INVITE", uri: String = "sip:bob@biloxi.example.com", extra: String = "",
    maxForwards: Int = 70, toTag: String = "", version: String = "SIP/2.0", body: String = ""
  )
    -> String
  {
    """
    \(method) \(uri) \(version)
    Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKval
    Max-Forwards: \(maxForwards)
    To: <sip:bob@biloxi.example.com>\(toTag)
    From: <sip:alice@atlanta.example.com>;tag=99
    Call-ID: val@atlanta
    CSeq: 1 \(method)
    \(extra)Content-Length: \(body.utf8.count)

    \(body)
    """
  }

  @Test("A valid INVITE is accepted")
  func accept() throws {
    #expect(try response(request()) == nil)
  }

  @Test("405 with Allow for a method we do not handle (§8.2.1)")
  func methodNotAllowed() throws {
    let r = try #require(try response(request(method: "SUBSCRIBE")))
    #expect(r.statusCode == 405)
    #expect(r.allow == ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"])
    #expect(r.to?.tag == "t1")
  }

  @Test("405 comes before 416 (§8.2.1 before §8.2.2.1)")
  func methodBeforeScheme() throws {
    #expect(try response(request(method: "SUBSCRIBE", uri: "tel:+15551234")).map(\.statusCode) == 405)
    #expect(try response(request(method: "OPTIONS", uri: "tel:+15551234")).map(\.statusCode) == 416)
  }

  @Test("416 for an unsupported Request-URI scheme (§8.2.2.1)")
  func unsupportedScheme() throws {
    #expect(try response(request(uri: "tel:+15551234")).map(\.statusCode) == 416)
  }

  @Test("420 with Unsupported naming the unknown Require options (§8.2.2.3)")
  func badExtension() throws {
    let r = try #require(try response(request(extra: "Require: timer, 100rel, foo\n")))
    #expect(r.statusCode == 420)
    #expect(r.unsupported == ["100rel", "foo"])
  }

  @Test("415 with Accept for an unsupported body type (§8.2.3)")
  func unsupportedMediaType() throws {
    let r = try #require(try response(request(extra: "Content-Type: text/plain\n", body: "hello")))
    #expect(r.statusCode == 415)
    #expect(r.header("Accept") == "application/sdp")
    #expect(try response(request(extra: "Content-Type: application/sdp\n", body: "v=0\r\n")) == nil)
  }

  @Test("400 carrying the parser's reason for a malformed header")
  func badRequest() throws {
    let r = try #require(try response(request().replacingCSeq("CSeq: x INVITE")))
    #expect(r.statusCode == 400)
    #expect(r.reasonPhrase?.contains("CSeq") == true)
  }

  @Test("505 for another SIP version: the parser refuses it, the answer is built from the raw lines")
  func version() throws {
    let bytes = Array(request(version: "SIP/3.0").replacing("\n", with: "\r\n").utf8)
    var caught: SIPParseError?
    do { _ = try SIPMessage.parse(bytes) } catch { caught = error }
    let error = try #require(caught)
    let r = try #require(RequestValidator.response(toUnparsable: bytes, error: error, toTag: "t9"))
    #expect(r.statusCode == 505)
    #expect(r.topVia?.branch == "z9hG4bKval")
    #expect(r.header("CSeq") == "1 INVITE")
    #expect(r.to?.tag == "t9")
    #expect(r.callID == "val@atlanta")
  }

  @Test(
    "400 with the parser's reason for a request the parser refuses; responses and Via-less bytes get nothing")
  func unparsable() throws {
    let text = request().replacing("Content-Length: 0", with: "Content-Length: 99")
    let bytes = Array(text.replacing("\n", with: "\r\n").utf8)
    var caught: SIPParseError?
    do { _ = try SIPMessage.parse(bytes) } catch { caught = error }
    let error = try #require(caught)
    let r = try #require(RequestValidator.response(toUnparsable: bytes, error: error, toTag: "t9"))
    #expect(r.statusCode == 400)
    #expect(r.reasonPhrase?.contains(error.reason) == true)
    let response = Array("SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bKx\r\n\r\n".utf8)
    #expect(RequestValidator.response(toUnparsable: response, error: error, toTag: "t") == nil)
    let noVia = Array("INVITE sip:a@b SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n".utf8)
    #expect(RequestValidator.response(toUnparsable: noVia, error: error, toTag: "t") == nil)
  }

  @Test("483 for Max-Forwards 0 to someone else; OPTIONS with Max-Forwards 0 to us is answered")
  func maxForwards() throws {
    #expect(
      try response(request(uri: "sip:carol@elsewhere.example.com", maxForwards: 0)).map(\.statusCode) == 483)
    let r = try #require(try response(request(method: "OPTIONS", maxForwards: 0)))
    #expect(r.statusCode == 200)
  }

  @Test("481 for a request with a To tag that matches no dialog (§12.2.2)")
  func noDialog() throws {
    #expect(try response(request(method: "BYE", toTag: ";tag=gone")).map(\.statusCode) == 481)
    #expect(
      try response(request(method: "BYE", toTag: ";tag=ok"), .init(toTag: "x", hasMatchingDialog: true))
        == nil)
  }

  @Test("482 for a merged request (§8.2.2.2)")
  func mergedRequest() throws {
    #expect(try response(request(), .init(toTag: "x", isMerged: true)).map(\.statusCode) == 482)
  }

  @Test("OPTIONS is answered 200 with Allow, Accept and Supported (§11.2)")
  func options() throws {
    let r = try #require(try response(request(method: "OPTIONS")))
    #expect(r.statusCode == 200)
    #expect(r.allow.contains("INVITE"))
    #expect(r.header("Accept") == "application/sdp")
    #expect(r.supported == ["timer"])
  }

  @Test("CANCEL and ACK are not refused for Require (§8.2.2.3)")
  func cancelIgnoresRequire() throws {
    #expect(try response(request(method: "CANCEL", extra: "Require: foo\n")) == nil)
  }
}

extension String {
  /// The test request with its CSeq line replaced.
  func replacingCSeq(_ line: String) -> String {
    split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasPrefix("CSeq:") ? line : String($0) }
      .joined(separator: "\n")
  }
}
