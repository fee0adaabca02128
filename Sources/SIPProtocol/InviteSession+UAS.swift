import SDP
import SIPCore

// The UAS side of the initial INVITE: ringing, answer (our answer, or our offer when the INVITE
// had none), reject, CANCEL from the peer, and the ACK that confirms (RFC 3261 §13.3, §9.2).

extension InviteSession {
  mutating func receiveInitialInvite(_ request: SIPMessage, offer: SDPBody, _ out: inout [Action]) {
    invite = request
    initialOffer = offer
    localTag = SIPIdentifiers.tag(using: &rng)
    if case .failure(let error) = offer {
      // RFC 3261 §13.3.1.3: an offer we cannot take is refused with 488.
      out.append(.mediaError(error.description))
      out.append(.sendResponse(response(to: request, code: 488)))
      terminate(.rejected(488), &out)
      return
    }
    setState(.incoming, &out)
  }

  mutating func ring(code: Int, _ out: inout [Action]) {
    guard role == .uas, state == .incoming || state == .early, let invite, (101..<200).contains(code) else {
      out.append(.refused("ring: no INVITE of the peer is waiting for an answer"))
      return
    }
    let message = response(to: invite, code: code, contact: true)
    if dialog == nil { dialog = ownDialog(invite, code: code) }
    out.append(.sendResponse(message))
    setState(.early, &out)
  }

  mutating func answer(_ out: inout [Action]) {
    guard role == .uas, state == .incoming || state == .early, let invite else {
      out.append(.refused("answer: no INVITE of the peer is waiting for an answer"))
      return
    }
    var body: [UInt8] = []
    var offered = false
    var streams: [NegotiatedStream]?
    // Moved out (offerAnswer keeps the offer it answers as its remote description): a copy and
    // a destroy of the parse result fewer than reading it and setting nil.
    let offerBody = initialOffer.take() ?? Self.sdpBody(of: invite)
    if case .success(let offer?) = offerBody {
      let answer = offerAnswer.answer(to: offer, streams: currentStreams)
      guard answer.streams.contains(where: \.isActive) else {
        // RFC 3261 §13.3.1.3 / RFC 3264 §6: nothing in the offer is acceptable.
        out.append(.mediaError("no stream of the offer could be accepted"))
        reject(code: 488, &out)
        return
      }
      body = answer.bytes
      streams = answer.streams
    } else {
      // RFC 3261 §13.3.1.1: an INVITE without an offer gets ours in the 2xx; the answer comes in the ACK.
      body = offerAnswer.makeOffer(currentStreams).bytes
      offered = true
    }
    let message = response(
      to: invite, code: 200, body: body, contentType: SessionDescription.contentType, contact: true)
    // A new value even after an early dialog: the UAS's dialog takes nothing from its own 2xx.
    dialog = ownDialog(invite, code: 200)
    awaitingAck = (invite.cseq?.sequence ?? 0, offered)
    out.append(.sendResponse(message))
    setState(.answered, &out)
    if let streams { out.append(.mediaUpdate(streams)) }
  }

  /// The UAS's dialog for our 1xx/2xx to `invite`, made from the To tag and Contact ``response``
  /// put in it.
  func ownDialog(_ invite: SIPMessage, code: Int) -> Dialog? {
    guard let tag = localTag ?? dialog?.id.localTag else { return nil }
    return Dialog(uasRequest: invite, code: code, localTag: tag, localContact: settings.contact)
  }

  mutating func reject(code: Int, _ out: inout [Action]) {
    guard role == .uas, state == .incoming || state == .early, let invite, (300..<700).contains(code) else {
      out.append(.refused("reject: no INVITE of the peer is waiting for an answer"))
      return
    }
    out.append(.sendResponse(response(to: invite, code: code)))
    terminate(.rejected(code), &out)
  }

  /// The ACK for a 2xx of ours, to the initial INVITE or a re-INVITE.
  mutating func receiveAck(_ ack: SIPMessage, _ out: inout [Action]) {
    guard let pending = awaitingAck, ack.cseq?.sequence == pending.cseq else { return }
    awaitingAck = nil
    let initial = state == .answered
    peerReinviteOpen = false
    var failure: String?
    var streams: [NegotiatedStream]?
    if pending.offeredInResponse {
      // RFC 3264 §5 / RFC 3261 §13.2.1: the ACK carries the answer to the offer in our 2xx.
      switch Self.sdpBody(of: ack) {
      case .success(let sdp?):
        do { streams = try offerAnswer.processAnswer(sdp) } catch { failure = error.description }
      case .success(nil): failure = "ACK without the answer to the offer in our 2xx"
      case .failure(let error): failure = error.description
      }
    }
    if let failure {
      out.append(.mediaError(failure))
      sendBye(&out)
      terminate(.badMedia(failure), &out)
      return
    }
    if initial { setState(.established, &out) }
    if let streams {
      mediaNegotiated(streams, &out)
    } else if initial {
      // The answer went out in our 2xx; the state follows what it agreed.
      setState(Self.isHeld(offerAnswer.streams) ? .held : .established, &out)
    }
    if initial { out.append(.established) }
  }

  /// CANCEL for the peer's INVITE (§9.2): 200 for the CANCEL, 487 for the INVITE if unanswered.
  mutating func receiveCancel(_ cancel: SIPMessage, _ out: inout [Action]) {
    out.append(.sendResponse(response(to: cancel, code: 200)))
    guard role == .uas, state == .incoming || state == .early, let invite else { return }
    out.append(.sendResponse(response(to: invite, code: 487)))
    out.append(.remoteHangup(.remoteCancel))
    terminate(.remoteCancel, &out)
  }
}
