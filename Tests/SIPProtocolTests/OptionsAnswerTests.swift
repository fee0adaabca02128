import SIPCore
import Testing

@testable import SIPProtocol

/// The OPTIONS answer adds its Allow, Accept and Supported lines from bytes laid out once (round
/// 4 of docs/benchmarks-transactions.md); it must be the response the String path builds, also
/// after the validator's lists change.
@Suite struct OptionsAnswerTests {
  static let requests: [String] = [
    "OPTIONS sip:uas@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1x1;rport\r\n"
      + "Max-Forwards: 70\r\nFrom: <sip:load@127.0.0.1>;tag=77\r\nTo: <sip:uas@127.0.0.1>\r\n"
      + "Call-ID: 77-1@sipload\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h;branch=z9hG4bKq\r\nv: SIP/2.0/TCP p;branch=z9hG4bKr\r\n"
      + "f: \"A\" <sip:a@h>;tag=f\r\nt: b <sip:a@b>\r\ni: c\r\nCSeq: 2 OPTIONS\r\nRecord-Route: <sip:p;lr>\r\n"
      + "Accept: text/plain\r\nl: 0\r\n\r\n",
  ]

  static func expected(_ request: SIPMessage, _ validator: RequestValidator, tag: String) -> [UInt8] {
    var response = request.makeResponse(statusCode: 200, toTag: tag)
    for (name, value) in validator.capabilityHeaders { response.addHeader(name, value) }
    return response.serialize()
  }

  @Test(arguments: requests)
  func answerIsTheStringPathsResponse(_ text: String) throws {
    var request = try SIPMessage.parse(Array(text.utf8))
    request.cacheTransactionHeaders()
    var validator = RequestValidator()
    for step in 0..<4 {
      switch step {
      case 1: validator.allowedMethods.append("MESSAGE")
      case 2: validator.supportedExtensions = ["timer", "100rel"]
      case 3: validator.acceptedBodyTypes = ["application/sdp", "text/plain"]
      default: break
      }
      guard case .respond(let response) = validator.validate(request, context: .init(toTag: "t\(step)"))
      else {
        Issue.record("OPTIONS not answered")
        return
      }
      #expect(response.serialize() == Self.expected(request, validator, tag: "t\(step)"), "step \(step)")
      #expect(response.headerLines("Supported") == [validator.capabilityHeaders[2].value])
    }
  }

  @Test func equalValidatorsStayEqual() {
    var a = RequestValidator()
    let b = RequestValidator()
    #expect(a == b)
    a.supportedExtensions = ["timer"]
    #expect(a != b)
    a.supportedExtensions = []
    #expect(a == b)
  }
}
