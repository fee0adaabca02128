import SDP
import SIPCore

// Our UPDATE with an offer inside the dialog (RFC 3311): the offer is the SDP the Call layer
// gives (`call:request("UPDATE", sdp)`), the 2xx carries the answer and changes the session as the
// 2xx of a re-INVITE does, with no ACK; any other outcome leaves the session as it was (§5.1).
extension InviteSession {
  /// Checks that an UPDATE body can be sent as an offer now; nil (and a refusal) when not.
  mutating func updateOffer(_ body: [UInt8], contentType: String?, _ out: inout [Action])
    -> SessionDescription?
  {
    if let contentType {
      let type = contentType.split(separator: ";").first.map { $0.trimmingSpaces.lowercased() } ?? ""
      guard type == SessionDescription.contentType else {
        out.append(.refused("request: an UPDATE body is an SDP offer, not \(type)"))
        return nil
      }
    }
    guard state == .established || state == .held else {
      out.append(.refused("request: an UPDATE with an offer needs an established call"))
      return nil
    }
    guard pendingReinvite == nil, pendingUpdate == nil, awaitingAck == nil, !peerReinviteOpen,
      offerAnswer.pendingOffer == nil
    else {
      // RFC 3311 §5.1: no new offer while another offer/answer exchange is in progress.
      out.append(.refused("request: an offer/answer exchange is in progress"))
      return nil
    }
    do {
      return try SessionDescription(parsing: body)
    } catch {
      out.append(.refused("request: the UPDATE's SDP does not parse: \(error)"))
      return nil
    }
  }

  /// The final response to our UPDATE with an offer.
  mutating func updateResponse(_ response: SIPMessage, code: Int, before: OfferAnswer, _ out: inout [Action])
  {
    pendingUpdate = nil
    guard (200..<300).contains(code) else {
      // RFC 3311 §5.1: a non-2xx (491 on glare included) leaves the session unchanged.
      offerAnswer = before
      return
    }
    // RFC 3311 §5.1: the 2xx to an UPDATE refreshes the remote target, as a re-INVITE's does.
    dialog?.refreshTarget(from: response)
    switch Self.sdpBody(of: response) {
    case .success(let answer?):
      do {
        mediaNegotiated(try offerAnswer.processAnswer(answer), &out)
      } catch {
        offerAnswer = before
        out.append(.mediaError("answer to our UPDATE: \(error)"))
      }
    case .success(nil):
      offerAnswer = before
      out.append(.mediaError("2xx to our UPDATE without an answer"))
    case .failure(let error):
      offerAnswer = before
      out.append(.mediaError(error.description))
    }
  }
}
