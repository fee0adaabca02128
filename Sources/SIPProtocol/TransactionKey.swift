import SIPCore

/// The keys a transaction is found by (RFC 3261 §17.1.3, §17.2.3).
enum TransactionKey: Hashable, Sendable {
  /// A client transaction: the branch of the Via we added, and the CSeq method (§17.1.3) — a
  /// CANCEL shares its INVITE's branch.
  case client(branch: String, method: String)
  /// A server transaction of an RFC 3261 peer: branch, sent-by of the top Via, and the method,
  /// ACK counted as INVITE (§17.2.3).
  case server(branch: String, sentBy: String, method: String)
  /// A server transaction of an RFC 2543 peer, whose branch lacks the magic cookie (§17.2.3):
  /// Request-URI, From tag, Call-ID, CSeq number, top Via and the method (ACK as INVITE). The To
  /// tag is checked apart, because an ACK carries the tag of our response and the INVITE none.
  case legacy(
    requestURI: String, fromTag: String, callID: String, cseq: UInt32, topVia: String, method: String)

  /// The method a server transaction is keyed by: ACK and CANCEL find the INVITE's (§17.2.3, §9.2).
  static func serverMethod(_ method: String) -> String { method == "ACK" ? "INVITE" : method }

  /// The key a request would have at the server side, with `method` replacing its own (CANCEL
  /// matching uses INVITE, §9.2).
  static func server(for request: SIPMessage, method: String) -> TransactionKey? {
    guard let via = request.topVia else { return nil }
    if via.isRFC3261Branch, let branch = via.branch {
      return .server(branch: branch, sentBy: via.sentBy.lowercased(), method: method)
    }
    return .legacy(
      requestURI: request.requestURI ?? "", fromTag: request.from?.tag ?? "", callID: request.callID ?? "",
      cseq: request.cseq?.sequence ?? 0, topVia: request.header("Via") ?? "", method: method)
  }

  /// The key of a client transaction for a request we send, or for a response we receive.
  static func client(for message: SIPMessage) -> TransactionKey? {
    guard let branch = message.topVia?.branch, let method = message.cseq?.method ?? message.method else {
      return nil
    }
    return .client(branch: branch, method: method)
  }

  var isLegacy: Bool {
    if case .legacy = self { return true }
    return false
  }
}
