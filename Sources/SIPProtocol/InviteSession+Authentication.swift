public import SIPCore

// A request of the session challenged with 401/407 goes again with credentials (RFC 3261 §22.2).
// The credentials are the caller's business (SIPCore's DigestClient); the session only gives the
// request its new CSeq and waits on it instead of the challenged one.
extension InviteSession {
  /// Our `request` was answered 401 or 407: returns it again as a new request of this session —
  /// the initial INVITE with its CSeq + 1 (same Call-ID and From tag, §8.1.3.5 and §22.2), a
  /// request inside the dialog with the dialog's next CSeq (§12.2.1.1) — and from now on matches
  /// responses against it (the initial INVITE, a pending re-INVITE). The caller adds the
  /// Authorization or Proxy-Authorization header; the layer below gives it a new Via branch.
  ///
  /// Returns nil when the request is no longer one the session waits on (a CANCEL of ours is on
  /// its way, a newer request replaced it, the method is ACK or CANCEL): the challenge is then
  /// its final response.
  public mutating func retry(_ request: SIPMessage) -> SIPMessage? {
    guard let method = request.method, method != "ACK", method != "CANCEL", let cseq = request.cseq else {
      return nil
    }
    var next = request
    if method == "INVITE", request.toTag == nil {
      guard role == .uac, state == .calling || state == .early, invite?.cseq == cseq, !cancelSent,
        !cancelRequested
      else { return nil }
      next.setHeader("CSeq", SIPCSeq(cseq.sequence &+ 1, method).description)
      invite = next
      // The challenge ended the first INVITE's transaction and any early dialog it had made
      // (§13.2.2.3); CANCEL waits for a provisional response of the new one (§9.1).
      provisionalReceived = false
      dialog = nil
      return next
    }
    guard var current = dialog else { return nil }
    if method == "INVITE" {
      guard let pending = pendingReinvite, pending.cseq == cseq.sequence else { return nil }
      let number = current.takeNextLocalSequence()
      pendingReinvite = (number, pending.direction)
      next.setHeader("CSeq", SIPCSeq(number, method).description)
    } else {
      next.setHeader("CSeq", SIPCSeq(current.takeNextLocalSequence(), method).description)
    }
    dialog = current
    return next
  }
}
