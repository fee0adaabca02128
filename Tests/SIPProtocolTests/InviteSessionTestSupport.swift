import SDP
import SIPCore
import SIPProtocol

/// A SIP message from a trace written with `\n` line ends; the Content-Length is computed.
func inviteTrace(_ head: String, body: String = "") throws -> SIPMessage {
  let crlf = { (text: String) in
    text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n")
  }
  let bodyText = crlf(body)
  let headText = crlf(head.hasSuffix("\n") ? String(head.dropLast()) : head)
  return try SIPMessage.parse(
    Array((headText + "\r\nContent-Length: \(bodyText.utf8.count)\r\n\r\n" + bodyText).utf8))
}

/// The peer's SDP: PCMU and telephone-event on `port`.
func peerSDP(port: Int = 50000, version: Int = 1, direction: String = "sendrecv") -> String {
  """
  v=0
  o=bob 2890844527 \(version) IN IP4 192.0.2.4
  s=-
  c=IN IP4 192.0.2.4
  t=0 0
  m=audio \(port) RTP/AVP 0 101
  a=rtpmap:0 PCMU/8000
  a=rtpmap:101 telephone-event/8000
  a=fmtp:101 0-16
  a=\(direction)

  """
}

/// A response of the peer to one of our requests, echoing its Via, From, To, Call-ID and CSeq.
func peerReply(
  to request: SIPMessage, _ status: String, toTag: String? = "b0b", sdp: String? = nil,
  contact: String? = "<sip:bob@192.0.2.4:5060>", extra: [String] = []
) throws -> SIPMessage {
  var lines = ["SIP/2.0 \(status)"]
  lines += request.headerLines("Via").map { "Via: " + $0 }
  lines.append("From: " + (request.header("From") ?? ""))
  let to = request.header("To") ?? ""
  lines.append("To: " + to + ((to.contains(";tag=") ? nil : toTag).map { ";tag=" + $0 } ?? ""))
  lines.append("Call-ID: " + (request.callID ?? ""))
  lines.append("CSeq: " + (request.header("CSeq") ?? ""))
  if let contact { lines.append("Contact: " + contact) }
  lines += extra
  if sdp != nil { lines.append("Content-Type: application/sdp") }
  return try inviteTrace(lines.joined(separator: "\n"), body: sdp ?? "")
}

enum Party {
  static let alice = try! SIPNameAddress.parse("Alice <sip:alice@192.0.2.1>")
  static let aliceContact = try! SIPNameAddress.parse("<sip:alice@192.0.2.1:5060>")
  static let bob = try! SIPNameAddress.parse("Bob <sip:bob@192.0.2.4>")
  static let bobContact = try! SIPNameAddress.parse("<sip:bob@192.0.2.1:5062>")

  static func config(
    local: SIPNameAddress = alice, contact: SIPNameAddress = aliceContact, port: Int = 40000,
    sdpOnAck: Bool = false, ringTime: Duration? = nil, seed: UInt64 = 1
  ) -> InviteSession.Configuration {
    InviteSession.Configuration(
      localAddress: local, contact: contact,
      via: SIPVia(transport: "UDP", host: contact.uri.host, port: contact.uri.port ?? 5060),
      offerAnswer: OfferAnswer(address: contact.uri.host, sessionID: 4711),
      streams: [LocalStream(port: port)], sdpOnAck: sdpOnAck, ringTime: ringTime, seed: seed)
  }
}

extension Array where Element == InviteSession.Action {
  var requests: [SIPMessage] {
    compactMap { if case .sendRequest(let message, _) = $0 { message } else { nil } }
  }
  var responses: [SIPMessage] {
    compactMap { if case .sendResponse(let message) = $0 { message } else { nil } }
  }
  var media: [[NegotiatedStream]] {
    compactMap { if case .mediaUpdate(let streams) = $0 { streams } else { nil } }
  }
  /// The script-facing events as short words, in order, for traces.
  var events: [String] {
    compactMap { action in
      switch action {
      case .sendRequest, .sendResponse, .mediaUpdate: nil
      case .armTimer(let timer, let after): "arm(\(timer),\(after))"
      case .cancelTimer(let timer): "cancel(\(timer))"
      case .stateChanged(let state): "state(\(state.rawValue))"
      case .preliminary(let code): "preliminary(\(code))"
      case .final(let outcome, let code): "final(\(outcome.rawValue),\(code))"
      case .established: "established"
      case .noAnswer: "noAnswer"
      case .remoteHangup(let cause): "remoteHangup(\(cause))"
      case .dtmfInfo(let info): "dtmf(\(info.digit))"
      case .refer(let target, _): "refer(\(target.uri))"
      case .notify(let request): "notify(\(request.header("Event") ?? ""))"
      case .mediaError(let reason): "mediaError(\(reason))"
      case .refused(let reason): "refused(\(reason))"
      case .terminated(let cause): "terminated(\(cause))"
      }
    }
  }
}

extension SIPMessage {
  var text: String { String(decoding: serialize(), as: UTF8.self) }
  var bodyText: String { String(decoding: body, as: UTF8.self) }
  var cseqText: String { header("CSeq") ?? "" }
}
