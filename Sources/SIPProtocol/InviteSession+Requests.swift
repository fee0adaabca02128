import SDP
import SIPCore

// Requests of the Call layer inside the dialog (RFC 3261 §12.2.1.1): INFO, MESSAGE, NOTIFY,
// OPTIONS, REFER, UPDATE (with SDP it is an offer: InviteSession+Update.swift). INVITE, ACK,
// CANCEL and BYE have their own commands, since they change the session's state.
extension InviteSession {
  static let methodsWithOwnCommand: Set<String> = ["INVITE", "ACK", "CANCEL", "BYE", "PRACK"]

  mutating func sendInDialog(
    method: String, body: [UInt8], contentType: String?, headers: [(String, String)], _ out: inout [Action]
  ) {
    let name = method.uppercased()
    guard !Self.methodsWithOwnCommand.contains(name) else {
      out.append(.refused("request: \(name) has its own command (reinvite, bye, cancel)"))
      return
    }
    guard name.allSatisfy({ $0.isLetter || $0 == "-" }), !name.isEmpty else {
      out.append(.refused("request: '\(method)' is not a method name"))
      return
    }
    // RFC 3261 §12.2.1.1: requests within a dialog need one; an early dialog is enough for INFO
    // (RFC 6086 §3) and the others the peer may refuse itself.
    guard var current = dialog, state != .terminated, state != .idle, state != .calling else {
      out.append(.refused("request: no dialog to send \(name) in"))
      return
    }
    var offer: SessionDescription?
    if name == "UPDATE", !body.isEmpty {
      guard let checked = updateOffer(body, contentType: contentType, &out) else { return }
      offer = checked
    }
    let type = body.isEmpty ? nil : contentType ?? (offer != nil ? SessionDescription.contentType : nil)
    var (request, peer) = current.makeRequest(method: name, via: freshVia(), body: body, contentType: type)
    for (header, value) in headers { request.addHeader(header, value) }
    dialog = current
    if let offer {
      pendingUpdate = (request.cseq?.sequence ?? 0, offerAnswer)
      offerAnswer.useOffer(offer)
    }
    out.append(.sendRequest(request, to: peer))
  }
}
