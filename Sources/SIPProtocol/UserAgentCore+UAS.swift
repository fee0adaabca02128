import SIPCore

// The server side of the core: validation, CANCEL, dialogs made by our responses, the 2xx
// retransmission until the ACK (RFC 3261 §8.2, §9.2, §12.1.1, §12.2.2, §13.3.1.4).
extension UserAgentCore {
  mutating func receiveRequest(_ request: SIPMessage, transaction id: TransactionID) -> [Action] {
    let method = request.method ?? ""
    if method == "CANCEL" { return receiveCANCEL(request, transaction: id) }
    let hasToTag = request.toTag != nil
    let dialogID = hasToTag ? dialogID(ofIncoming: request) : nil
    let context = RequestValidator.Context(
      toTag: makeTag(), hasMatchingDialog: dialogID.map { dialogs.contains($0) } ?? false,
      isMerged: !hasToTag && layer.isMerged(request, transaction: id), requestHasToTag: hasToTag)
    if case .respond(let response) = configuration.validator.validate(request, context: context) {
      return process(layer.handle(.sendResponse(response, transaction: id)))
    }
    // The CSeq check in place (an out-of-order request changes nothing).
    if let dialogID, let verdict = dialogs.update(dialogID, { $0.receive(request) }) {
      guard verdict == .accept else {
        // RFC 3261 §12.2.2: a CSeq lower than the last one is out of order.
        let response = request.makeResponse(
          statusCode: 500, reasonPhrase: "Server Internal Error (CSeq out of order)")
        return process(layer.handle(.sendResponse(response, transaction: id)))
      }
      var out: [Action] = []
      out.reserveCapacity(4)
      out.append(.request(request, transaction: id, dialog: dialogID))
      // RFC 3261 §15.1.2: BYE ends the dialog (the TU still answers it).
      if method == "BYE" { terminateDialog(dialogID, into: &out) }
      return out
    }
    if method == "INVITE", dialogs.count >= configuration.maxDialogs {
      var busy = request.makeResponse(statusCode: 503, toTag: context.toTag)
      busy.addHeader("Retry-After", String(configuration.transactions.retryAfter))
      return process(layer.handle(.sendResponse(busy, transaction: id)))
    }
    return [.request(request, transaction: id, dialog: nil)]
  }

  /// RFC 3261 §9.2: 200 for a CANCEL that matches an INVITE server transaction, and 487 for that
  /// INVITE unless it has its final response; 481 for a CANCEL that matches nothing.
  mutating func receiveCANCEL(_ cancel: SIPMessage, transaction id: TransactionID) -> [Action] {
    guard let invite = layer.inviteTransaction(cancelledBy: cancel) else {
      let response = cancel.makeResponse(statusCode: 481, toTag: makeTag())
      return process(layer.handle(.sendResponse(response, transaction: id)))
    }
    // §9.2: the same To tag in the responses to the CANCEL and to the INVITE (kept by an INVITE
    // transaction that has sent its final response, whose response and request are gone).
    let tag = layer.responseToTag(of: invite) ?? makeTag()
    var out = process(
      layer.handle(.sendResponse(cancel.makeResponse(statusCode: 200, toTag: tag), transaction: id)))
    // Without a final response the transaction still has its request.
    if !layer.hasFinalResponse(invite), let inviteRequest = layer.request(of: invite) {
      out += sendResponse(inviteRequest.makeResponse(statusCode: 487, toTag: tag), transaction: invite)
      out.append(.cancelled(invite))
    }
    return out
  }

  /// `given`: the dialog the TU built for this response (``Event/sendDialogResponse``).
  mutating func sendResponse(
    _ response: SIPMessage, transaction id: TransactionID, dialog given: consuming Dialog? = nil
  ) -> [Action] {
    // The request is nil once the transaction only waits for its last timer (it then refuses
    // every response but an INVITE's 2xx in Accepted, which keeps its request).
    guard let (peer, request) = layer.peerAndRequest(of: id) else {
      return [.discarded(response, reason: "no server transaction \(id)")]
    }
    var out = process(layer.handle(.sendResponse(response, transaction: id)))
    // A response the transaction refused (a second final one) has no effect on dialogs either.
    guard out.contains(where: { if case .send = $0 { true } else { false } }) else {
      return out + [.discarded(response, reason: "\(id) does not send this response in its state")]
    }
    guard let request, request.method == "INVITE", let code = response.statusCode, code > 100 else {
      return out
    }
    // The given dialog names the response's tags (ours in its To, the peer's in its From).
    let dialogID = given?.id ?? dialogID(ofIncoming: response)
    // Whether the dialog exists after this response (known, or made by it): no third lookup.
    var hasDialog = false
    if code < 300, let dialogID {
      hasDialog =
        dialogs.update(dialogID) { (dialog: inout Dialog) -> Void in
          if code >= 200, dialog.state == .early { dialog.state = .confirmed }
          let contact = given == nil ? response.contacts.first : given?.localContact
          if let contact { dialog.localContact = contact }
        } != nil
      if !hasDialog {
        if given != nil {
          // §12.1.1: the TU's dialog (its ID is `dialogID`), in the state this response gives it;
          // unwrapped in place, not bound to a copy.
          dialogs.insert(given.take()!, state: code < 200 ? .early : .confirmed)
          hasDialog = true
        } else if let dialog = newDialog(request: request, response: response, code: code, id: dialogID) {
          // §12.1.1: a 101–299 with a To tag makes the dialog at the UAS.
          dialogs[dialogID] = dialog
          hasDialog = true
        }
      }
    }
    if (200..<300).contains(code), let dialogID, hasDialog {
      // RFC 3261 §13.3.1.4: the core retransmits the 2xx (T1 doubling to T2) until the ACK, and
      // gives up after 64*T1. A newer 2xx (re-INVITE) replaces an older one: stored and the old
      // one taken out with one lookup, its timers cancelled before the new ones are armed.
      let (retransmit, armRetransmit) = arm(.retransmit2xx(dialogID), after: timers.t1)
      let (giveUp, armGiveUp) = arm(.giveUp2xx(dialogID), after: timers.timeout)
      let pending = PendingAck(
        response: response, peer: peer, cseq: request.cseq?.sequence ?? 0, interval: timers.t1,
        retransmitTimer: retransmit, giveUpTimer: giveUp)
      if let old = pendingAcks.updateValue(pending, forKey: dialogID) { disarm(old, into: &out) }
      out.append(armRetransmit)
      out.append(armGiveUp)
    } else if code >= 300, let dialogID, dialogs.state(of: dialogID) == .early {
      // §12.3: a non-2xx final response ends the early dialog.
      terminateDialog(dialogID, into: &out)
    }
    return out
  }

  /// The UAS's dialog of `response`, whose tag is `id`'s: when the request's To has no tag or the
  /// same one (a response of ``SIPMessage/makeResponse``), the dialog's address is the request's
  /// To, parsed already, and only the response's Contact is read; otherwise both from the response.
  private func newDialog(request: SIPMessage, response: SIPMessage, code: Int, id: DialogID) -> Dialog? {
    let requestTag = request.toTag
    guard requestTag == nil || requestTag == id.localTag else {
      return Dialog(uasRequest: request, response: response)
    }
    return Dialog(
      uasRequest: request, code: code, localTag: id.localTag, localContact: response.contacts.first)
  }

  /// An ACK that matched no transaction: the ACK for our 2xx (RFC 3261 §13.3.1.4, RFC 6026).
  mutating func receiveACK(_ ack: SIPMessage) -> [Action] {
    guard let id = dialogID(ofIncoming: ack), dialogs.contains(id) else {
      return [.discarded(ack, reason: "ACK matches no dialog (RFC 6026)")]
    }
    // One lookup: the pending 2xx checked in place and removed by its index.
    guard let index = pendingAcks.index(forKey: id), ack.cseq?.sequence == pendingAcks.values[index].cseq
    else {
      return [.discarded(ack, reason: "ACK retransmission")]
    }
    let pending = pendingAcks.remove(at: index).value
    var out: [Action] = []
    out.reserveCapacity(3)
    disarm(pending, into: &out)
    out.append(.ackReceived(ack, dialog: id))
    return out
  }
}
