import SDP
import SIPCore

// Inside the dialog: re-INVITE and UPDATE both ways with glare (RFC 3261 §14, RFC 3311), BYE
// both ways (§15), INFO DTMF, REFER, and the session's timers.

extension InviteSession {
  mutating func receiveRequest(_ request: SIPMessage, _ out: inout [Action]) {
    guard let method = request.method else { return }
    if role == .uas, state == .idle, method == "INVITE" {
      receiveInitialInvite(request, offer: Self.sdpBody(of: request), &out)
      return
    }
    switch method {
    case "CANCEL":
      receiveCancel(request, &out)
      return
    case "ACK":
      receiveAck(request, &out)
      return
    default: break
    }
    if role == .uas, let invite, request.cseq == invite.cseq, method == "INVITE" {
      return  // a retransmission of the initial INVITE: the server transaction absorbs it
    }
    guard state != .terminated, state != .idle, dialog != nil else {
      // RFC 3261 §12.2.2: no dialog for it.
      out.append(.sendResponse(response(to: request, code: 481)))
      return
    }
    // In place: a copy taken out and stored back copies the dialog's addresses and route set.
    // An out-of-order request changes nothing in it.
    if dialog!.receive(request) == .outOfOrder {
      out.append(.sendResponse(response(to: request, code: 500)))
      return
    }
    switch method {
    case "BYE": receiveBye(request, &out)
    case "INVITE": receiveReinvite(request, &out)
    case "UPDATE": receiveUpdate(request, &out)
    case "INFO": receiveInfo(request, &out)
    case "REFER":
      if let value = request.header("Refer-To"), let target = try? SIPNameAddress.parse(value) {
        out.append(.refer(target: target, request: request))
      } else {
        // RFC 3515 §2.4.1: a REFER without a usable Refer-To is answered 400.
        out.append(.sendResponse(response(to: request, code: 400, reason: "Missing or bad Refer-To")))
      }
    case "OPTIONS": out.append(.sendResponse(response(to: request, code: 200)))
    case "NOTIFY":
      guard request.header("Event") != nil else {
        // RFC 6665 §8.2.1: Event is mandatory in NOTIFY.
        out.append(.sendResponse(response(to: request, code: 400, reason: "Missing Event header")))
        return
      }
      out.append(.sendResponse(response(to: request, code: 200)))
      out.append(.notify(request))
    default:
      var refusal = response(to: request, code: 405)
      refusal.addHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, UPDATE, REFER, NOTIFY")
      out.append(.sendResponse(refusal))
    }
  }

  mutating func receiveBye(_ bye: SIPMessage, _ out: inout [Action]) {
    out.append(.sendResponse(response(to: bye, code: 200)))
    if role == .uas, state == .incoming || state == .early, let invite {
      // RFC 3261 §15.1.2: a BYE in an early dialog ends the INVITE with 487.
      out.append(.sendResponse(response(to: invite, code: 487)))
    }
    out.append(.remoteHangup(.remoteBye))
    terminate(.remoteBye, &out)
  }

  /// A re-INVITE of the peer: answered with our answer, or our offer when it has none; 491 on glare.
  mutating func receiveReinvite(_ request: SIPMessage, _ out: inout [Action]) {
    guard state == .established || state == .held else {
      // RFC 3261 §14.2: a re-INVITE before the initial one completes is answered 491 as well.
      out.append(.sendResponse(response(to: request, code: 491)))
      return
    }
    if pendingReinvite != nil || offerAnswer.pendingOffer != nil {
      // RFC 3261 §14.2: our own offer is outstanding: glare, 491 Request Pending.
      out.append(.sendResponse(response(to: request, code: 491)))
      return
    }
    if peerReinviteOpen {
      // RFC 3261 §14.2: a re-INVITE while the previous one is in progress gets 500 with Retry-After
      // between 0 and 10 s.
      var busy = response(to: request, code: 500)
      busy.addHeader("Retry-After", String(Int.random(in: 0...10, using: &rng)))
      out.append(.sendResponse(busy))
      return
    }
    var body: [UInt8]
    var offered = false
    var streams: [NegotiatedStream]?
    switch Self.sdpBody(of: request) {
    case .failure(let error):
      out.append(.mediaError(error.description))
      out.append(.sendResponse(response(to: request, code: 488)))
      return
    case .success(let offer?):
      let answer = offerAnswer.answer(to: offer, streams: currentStreams)
      body = answer.bytes
      streams = answer.streams
    case .success(nil):
      body = offerAnswer.makeOffer(currentStreams).bytes
      offered = true
    }
    peerReinviteOpen = true
    awaitingAck = (request.cseq?.sequence ?? 0, offered)
    out.append(
      .sendResponse(
        response(
          to: request, code: 200, body: body, contentType: SessionDescription.contentType, contact: true)))
    if let streams { mediaNegotiated(streams, &out) }
  }

  /// RFC 3311: UPDATE with an offer is answered in its 2xx; 491 while an offer of ours is out (§5.2).
  mutating func receiveUpdate(_ request: SIPMessage, _ out: inout [Action]) {
    switch Self.sdpBody(of: request) {
    case .failure(let error):
      out.append(.mediaError(error.description))
      out.append(.sendResponse(response(to: request, code: 488)))
    case .success(nil):
      // A target refresh without an offer (RFC 3311 §5.2).
      out.append(.sendResponse(response(to: request, code: 200, contact: true)))
    case .success(let offer?):
      if offerAnswer.pendingOffer != nil || awaitingAck?.offeredInResponse == true {
        out.append(.sendResponse(response(to: request, code: 491)))
        return
      }
      let answer = offerAnswer.answer(to: offer, streams: currentStreams)
      out.append(
        .sendResponse(
          response(
            to: request, code: 200, body: answer.bytes,
            contentType: SessionDescription.contentType,
            contact: true)))
      mediaNegotiated(answer.streams, &out)
    }
  }

  mutating func receiveInfo(_ request: SIPMessage, _ out: inout [Action]) {
    guard !request.body.isEmpty else {
      out.append(.sendResponse(response(to: request, code: 200)))
      return
    }
    guard let type = request.mediaType, DTMFInfo.contentTypes.contains(type) else {
      // RFC 6086 §4.2.2: an INFO body we do not understand gets 415 with what we accept.
      var refusal = response(to: request, code: 415)
      refusal.addHeader("Accept", DTMFInfo.contentTypes.joined(separator: ", "))
      out.append(.sendResponse(refusal))
      return
    }
    switch DTMFInfo.parse(body: request.body, contentType: type) {
    case .success(let info):
      out.append(.sendResponse(response(to: request, code: 200)))
      out.append(.dtmfInfo(info))
    case .failure(let error):
      out.append(.sendResponse(response(to: request, code: 400, reason: error.description)))
    }
  }

  /// `call:reinvite{...}`: a new offer in a re-INVITE (hold with `.sendonly`/`.inactive`, resume
  /// with `.sendrecv`); the `o=` version goes up because the description changed (RFC 3264 §8).
  mutating func reinvite(direction: MediaDirection, _ out: inout [Action]) {
    guard state == .established || state == .held, var current = dialog else {
      out.append(.refused("reinvite: the call is not established"))
      return
    }
    guard pendingReinvite == nil, pendingUpdate == nil, awaitingAck == nil, offerAnswer.pendingOffer == nil
    else {
      // RFC 3261 §14.1: no re-INVITE while another offer/answer exchange is in progress.
      out.append(.refused("reinvite: an offer/answer exchange is in progress"))
      return
    }
    if glareDirection != nil {
      glareDirection = nil
      out.append(.cancelTimer(.glareRetry))
    }
    beforeReinvite = (offerAnswer, localDirection)
    localDirection = direction
    let offer = offerAnswer.makeOffer(currentStreams)
    let (request, peer) = current.makeRequest(
      method: "INVITE", via: freshVia(), body: offer.bytes, contentType: SessionDescription.contentType)
    dialog = current
    pendingReinvite = (request.cseq?.sequence ?? 0, direction)
    out.append(.sendRequest(request, to: peer))
  }

  mutating func reinviteResponse(
    _ response: SIPMessage, code: Int, direction: MediaDirection, _ out: inout [Action]
  ) {
    guard code >= 200 else { return }
    let cseq = pendingReinvite?.cseq ?? 0
    pendingReinvite = nil
    let before = beforeReinvite
    beforeReinvite = nil
    if !(200..<300).contains(code), let before {
      offerAnswer = before.offerAnswer
      localDirection = before.direction
    }
    switch code {
    case 200..<300:
      // RFC 3261 §12.2.1.2: the 2xx to a re-INVITE refreshes the remote target.
      dialog?.refreshTarget(from: response)
      var streams: MediaOutcome
      switch Self.sdpBody(of: response) {
      case .success(let sdp?):
        do { streams = .streams(try offerAnswer.processAnswer(sdp)) } catch { streams = .failure("\(error)") }
      case .success(nil): streams = .failure("2xx to our re-INVITE without an answer")
      case .failure(let error): streams = .failure(error.description)
      }
      sendAck(cseq: cseq, body: [], &out)
      switch streams {
      case .streams(let negotiated):
        mediaNegotiated(negotiated, &out)
        out.append(.final(.ok, code: code))
      case .failure(let reason):
        // The old session stays (RFC 3264 §8: a failed re-offer leaves the media as it was).
        if let before {
          offerAnswer = before.offerAnswer
          localDirection = before.direction
        }
        out.append(.mediaError(reason))
        out.append(.final(.fail, code: code))
      }
    case 491:
      // RFC 3261 §14.1: glare; retry after 2.1–4 s if we own the Call-ID, else 0–2 s, in 10 ms units.
      let ticks = ownsCallID ? Int.random(in: 210...400, using: &rng) : Int.random(in: 0...200, using: &rng)
      glareDirection = direction
      out.append(.armTimer(.glareRetry, after: .milliseconds(ticks * 10)))
    case 408, 481:
      // RFC 3261 §14.1: the dialog is gone or unreachable: end it with BYE.
      out.append(.final(.fail, code: code))
      sendBye(&out)
      terminate(code == 408 ? .timeout : .rejected(code), &out)
    default:
      // RFC 3261 §14.1: any other failure leaves the session as it was before the re-INVITE.
      out.append(.final(.fail, code: code))
    }
  }

  mutating func timerFired(_ timer: Timer, _ out: inout [Action]) {
    switch timer {
    case .ringTime:
      guard role == .uac, state == .calling || state == .early, !cancelSent else { return }
      out.append(.noAnswer)
      cancel(cause: .noAnswer, &out)
    case .glareRetry:
      guard let direction = glareDirection else { return }
      glareDirection = nil
      reinvite(direction: direction, &out)
    }
  }

  mutating func requestFailed(method: String, failure: RequestFailure, _ out: inout [Action]) {
    if method == "UPDATE", let pending = pendingUpdate {
      // RFC 3311 §5.1: no answer, no change: the session stays as it was.
      pendingUpdate = nil
      offerAnswer = pending.before
      return
    }
    guard method == "INVITE", state != .terminated else { return }
    let code = failure == .timeout ? 408 : 503
    let cause: HangupCause = failure == .timeout ? .timeout : .transportError
    if role == .uac, state == .calling || state == .early {
      out.append(.final(.fail, code: code))
      terminate(cause, &out)
    } else if pendingReinvite != nil {
      // RFC 3261 §14.1: a re-INVITE that times out ends the dialog with BYE.
      pendingReinvite = nil
      out.append(.final(.fail, code: code))
      sendBye(&out)
      terminate(cause, &out)
    }
  }

  /// `call:bye()`: BYE once confirmed; before that CANCEL (UAC) or 480 (UAS).
  mutating func bye(_ out: inout [Action]) {
    switch state {
    case .calling:
      cancel(cause: .localCancel, &out)
    case .early:
      if role == .uac { cancel(cause: .localCancel, &out) } else { reject(code: 480, &out) }
    case .incoming:
      reject(code: 480, &out)
    case .answered, .established, .held:
      // RFC 3261 §15: a UAS may send BYE before the ACK arrives; the session ends either way.
      sendBye(&out)
      terminate(.localBye, &out)
    case .idle, .terminated:
      out.append(.refused("bye: no call to end"))
    }
  }
}
