import SIPCore
import SIPProtocol

/// Messages of the call flows the tests replay (RFC 3665-style traces).
enum Trace {
  static func invite(branch: String = "z9hG4bK776asdhds", cseq: Int = 314159, toTag: String? = nil) throws
    -> SIPMessage
  {
    try sip(
      """
      INVITE sip:bob@biloxi.example.com SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=\(branch)
      Max-Forwards: 70
      To: Bob <sip:bob@biloxi.example.com>\(toTag.map { ";tag=" + $0 } ?? "")
      From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: a84b4c76e66710@pc33.atlanta.example.com
      CSeq: \(cseq) INVITE
      Contact: <sip:alice@pc33.atlanta.example.com>
      Content-Length: 0

      """)
  }

  /// The ACK for a non-2xx to ``invite(branch:cseq:toTag:)`` (same branch, RFC 3261 §17.1.1.3).
  static func ack(branch: String = "z9hG4bK776asdhds", toTag: String = "a6c85cf", cseq: Int = 314159) throws
    -> SIPMessage
  {
    try sip(
      """
      ACK sip:bob@biloxi.example.com SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=\(branch)
      Max-Forwards: 70
      To: Bob <sip:bob@biloxi.example.com>;tag=\(toTag)
      From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: a84b4c76e66710@pc33.atlanta.example.com
      CSeq: \(cseq) ACK
      Content-Length: 0

      """)
  }

  static func response(
    _ status: String, to request: SIPMessage, toTag: String? = "a6c85cf",
    contact: String? = "<sip:bob@192.0.2.4>",
    recordRoute: [String] = []
  ) throws -> SIPMessage {
    var lines = ["SIP/2.0 \(status)"]
    lines += request.headerLines("Via").map { "Via: " + $0 }
    lines += recordRoute.map { "Record-Route: " + $0 }
    lines.append("From: " + (request.header("From") ?? ""))
    lines.append("To: " + (request.header("To") ?? "") + (toTag.map { ";tag=" + $0 } ?? ""))
    lines.append("Call-ID: " + (request.callID ?? ""))
    lines.append("CSeq: " + (request.header("CSeq") ?? ""))
    if let contact { lines.append("Contact: " + contact) }
    lines.append("Content-Length: 0")
    return try sip(lines.joined(separator: "\n") + "\n\n")
  }

  static func options(
    branch: String = "z9hG4bKopt1", maxForwards: Int = 70, uri: String = "sip:bob@biloxi.example.com"
  )
    throws -> SIPMessage
  {
    try sip(
      """
      OPTIONS \(uri) SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=\(branch)
      Max-Forwards: \(maxForwards)
      To: <sip:bob@biloxi.example.com>
      From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: opt-1@pc33.atlanta.example.com
      CSeq: 63104 OPTIONS
      Content-Length: 0

      """)
  }

  static func register(branch: String = "z9hG4bKnashds7") throws -> SIPMessage {
    try sip(
      """
      REGISTER sip:registrar.biloxi.example.com SIP/2.0
      Via: SIP/2.0/UDP bobspc.biloxi.example.com:5060;branch=\(branch)
      Max-Forwards: 70
      To: Bob <sip:bob@biloxi.example.com>
      From: Bob <sip:bob@biloxi.example.com>;tag=456248
      Call-ID: 843817637684230@998sdasdh09
      CSeq: 1826 REGISTER
      Contact: <sip:bob@192.0.2.4>
      Expires: 7200
      Content-Length: 0

      """)
  }
}

extension Array where Element == TransactionLayer.Action {
  var responsesToTU: [SIPMessage] {
    compactMap { if case .response(let m, _, _) = $0 { return m } else { return nil } }
  }
  var requestsToTU: [SIPMessage] {
    compactMap { if case .request(let m, _, _) = $0 { return m } else { return nil } }
  }
  var sentMessages: [SIPMessage] {
    compactMap { if case .send(let m, _, _) = $0 { return m } else { return nil } }
  }
  var timeouts: Int { filter { if case .timeout = $0 { return true } else { return false } }.count }
  var terminated: Int { filter { if case .terminated = $0 { return true } else { return false } }.count }
}

extension Array where Element == UserAgentCore.Action {
  var sentMessages: [SIPMessage] {
    compactMap { if case .send(let m, _, _) = $0 { return m } else { return nil } }
  }
  var requestsToTU: [(SIPMessage, TransactionID, DialogID?)] {
    compactMap { if case .request(let m, let t, let d) = $0 { return (m, t, d) } else { return nil } }
  }
  var responsesToTU: [(SIPMessage, TransactionID, DialogID?)] {
    compactMap { if case .response(let m, let t, let d) = $0 { return (m, t, d) } else { return nil } }
  }
}
