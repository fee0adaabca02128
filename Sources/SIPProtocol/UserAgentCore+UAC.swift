import SIPCore

// The client side of the core: requests out, dialogs made by responses, the ACK for each 2xx,
// CANCEL (RFC 3261 §9.1, §12.1.2, §12.2.1, §13.2.2.4).
extension UserAgentCore {
  mutating func sendRequest(_ request: SIPMessage, to peer: SIPEndpoint) -> [Action] {
    let actions = layer.handle(.sendRequest(request, to: peer))
    if request.method == "INVITE" {
      for case .send(_, _, let id?) in actions {
        sentInvites[id] = SentInvite(request: request)
        break
      }
    }
    var out = process(actions)
    // RFC 3261 §15.1.1: a BYE the TU built itself (our tag in From, theirs in To) ends its dialog
    // as soon as it is sent, like one the core builds.
    if request.method == "BYE", let id = dialogID(ofResponse: request), dialogs.contains(id) {
      out += terminateDialog(id)
    }
    return out
  }

  mutating func sendInDialog(method: String, dialog id: DialogID, body: [UInt8], contentType: String?)
    -> [Action]
  {
    guard var dialog = dialogs[id] else { return [] }
    let next = SIPEndpoint(uri: dialog.routeSet.first?.uri ?? dialog.remoteTarget)
    let (request, peer) = dialog.makeRequest(
      method: method, via: makeVia(for: next), body: body, contentType: contentType)
    dialogs[id] = dialog
    var out = sendRequest(request, to: peer)
    // RFC 3261 §15.1.1: the dialog ends as soon as BYE is sent.
    if method == "BYE" { out += terminateDialog(id) }
    return out
  }

  mutating func receiveResponse(_ response: SIPMessage, to request: SIPMessage, transaction id: TransactionID)
    -> [Action]
  {
    guard let code = response.statusCode else { return [] }
    let dialogID = dialogID(ofResponse: response)
    guard request.method == "INVITE" else {
      if (200..<300).contains(code), Dialog.isTargetRefresh(request.method), let dialogID {
        dialogs[dialogID]?.refreshTarget(from: response)
      }
      return [
        .response(response, transaction: id, dialog: dialogID.flatMap { dialogs.contains($0) ? $0 : nil })
      ]
    }
    switch code {
    case 101..<200:
      var out: [Action] = []
      if let dialogID, !dialogs.contains(dialogID), dialogs.count < configuration.maxDialogs,
        let dialog = Dialog(uacRequest: request, response: response)
      {
        // §12.1.2: an early dialog per To tag — forking makes several.
        dialogs[dialogID] = dialog
        sentInvites[id]?.dialogs.insert(dialogID)
      }
      out.append(
        .response(response, transaction: id, dialog: dialogID.flatMap { dialogs.contains($0) ? $0 : nil }))
      if sentInvites[id]?.cancelRequested == true {
        // §9.1: the CANCEL waited for this provisional response.
        sentInvites[id]?.cancelRequested = false
        out += sendCANCEL(for: id)
      }
      return out
    case 200..<300:
      return receive2xx(response, to: request, transaction: id)
    case 100:
      return [.response(response, transaction: id, dialog: nil)]
    default:
      var out: [Action] = [.response(response, transaction: id, dialog: nil)]
      // §13.2.2.3: a final non-2xx ends every early dialog of this INVITE.
      for early in sentInvites[id]?.dialogs.sorted(by: { $0.remoteTag < $1.remoteTag }) ?? []
      where dialogs[early]?.state == .early {
        out += terminateDialog(early)
      }
      return out
    }
  }

  /// RFC 3261 §13.2.2.4: each 2xx makes or confirms a dialog and is ACKed by the core; a
  /// retransmission gets the same ACK again and does not reach the TU a second time.
  mutating func receive2xx(_ response: SIPMessage, to request: SIPMessage, transaction id: TransactionID)
    -> [Action]
  {
    guard let dialogID = dialogID(ofResponse: response), let cseq = request.cseq?.sequence else {
      return [.discarded(response, reason: "2xx without To tag or CSeq cannot be ACKed")]
    }
    if let sent = sentAcks[dialogID], sent.cseq == cseq {
      return [.send(sent.ack, to: sent.peer, transaction: nil)]
    }
    if var dialog = dialogs[dialogID] {
      if dialog.state == .early {
        dialog.confirm(with: response)
      } else {
        dialog.refreshTarget(from: response)
      }
      dialogs[dialogID] = dialog
    } else if let dialog = Dialog(uacRequest: request, response: response) {
      // A 2xx must be ACKed even past maxDialogs; the TU may then BYE it.
      dialogs[dialogID] = dialog
      sentInvites[id]?.dialogs.insert(dialogID)
    }
    guard dialogs.contains(dialogID) else { return [] }
    guard configuration.acksAutomatically else {
      // The TU ACKs it; retransmissions before then are not repeated to it.
      if awaitingACK[dialogID] == cseq { return [] }
      awaitingACK[dialogID] = cseq
      return [.response(response, transaction: id, dialog: dialogID)]
    }
    return [.response(response, transaction: id, dialog: dialogID)] + makeAndSendACK(dialogID, cseq: cseq)
  }

  /// Builds the ACK of a 2xx from the dialog (§13.2.2.4: CSeq number of the INVITE, a new
  /// branch), keeps it for the 2xx retransmissions, and sends it.
  mutating func makeAndSendACK(
    _ dialogID: DialogID, cseq: UInt32, body: [UInt8] = [], contentType: String? = nil,
    via given: SIPVia? = nil
  )
    -> [Action]
  {
    guard var dialog = dialogs[dialogID] else { return [] }
    let next = SIPEndpoint(uri: dialog.routeSet.first?.uri ?? dialog.remoteTarget)
    var via = makeVia(for: next)
    if let given {
      // The leg the INVITE left from (Net::SIP's `leg`), with the fresh branch just drawn.
      via.host = given.host
      via.port = given.port
    }
    let (ack, peer) = dialog.makeRequest(
      method: "ACK", via: via, cseq: cseq, body: body, contentType: contentType)
    dialogs[dialogID] = dialog
    sentAcks[dialogID] = (cseq, ack, peer)
    return [.send(ack, to: peer, transaction: nil)]
  }

  /// The TU's ACK for a 2xx it was given (``Configuration/acksAutomatically`` off).
  mutating func sendACK(dialog id: DialogID, body: [UInt8], contentType: String?, via: SIPVia?) -> [Action] {
    guard let cseq = awaitingACK.removeValue(forKey: id) else { return [] }
    return makeAndSendACK(id, cseq: cseq, body: body, contentType: contentType, via: via)
  }

  /// A 2xx that outlived its transaction (after Timer M): ACK it again if we know it.
  mutating func receiveStrayResponse(_ response: SIPMessage) -> [Action] {
    if let code = response.statusCode, (200..<300).contains(code), response.cseq?.method == "INVITE",
      let dialogID = dialogID(ofResponse: response), let sent = sentAcks[dialogID],
      sent.cseq == response.cseq?.sequence
    {
      return [.send(sent.ack, to: sent.peer, transaction: nil)]
    }
    return [.discarded(response, reason: "response matches no transaction (RFC 3261 §18.1.2)")]
  }

  /// RFC 3261 §9.1: CANCEL only after a provisional response; before it, remember the wish.
  mutating func cancel(_ id: TransactionID) -> [Action] {
    guard sentInvites[id] != nil else { return [] }
    switch layer.state(of: id) {
    case .proceeding?: return sendCANCEL(for: id)
    case .calling?: sentInvites[id]?.cancelRequested = true
    default: break
    }
    return []
  }

  mutating func sendCANCEL(for id: TransactionID) -> [Action] {
    guard let invite = sentInvites[id]?.request, let peer = layer.peer(of: id) else { return [] }
    return process(layer.handle(.sendRequest(invite.makeCANCEL(), to: peer)))
  }
}
