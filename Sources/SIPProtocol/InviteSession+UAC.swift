import SDP
import SIPCore

// The UAC side of the initial INVITE: offer (or none with sdp_on_ack), provisional and final
// responses, the ACK for 2xx, CANCEL and ring_time (RFC 3261 §9.1, §13.2).

extension InviteSession {
  mutating func startInvite(to: SIPNameAddress, requestURI: SIPURI?, callID: String?, _ out: inout [Action]) {
    guard role == .uac, state == .idle else {
      out.append(.refused("invite: the session has already started"))
      return
    }
    var body: [UInt8] = []
    if !settings.sdpOnAck {
      // RFC 3261 §13.2.1: the offer goes in the INVITE unless we deliberately leave it to the 2xx.
      body = offerAnswer.makeOffer(currentStreams).bytes
    }
    var target = to
    target.tag = nil
    let request = SIPMessage.request(
      method: "INVITE", uri: requestURI ?? to.uri, from: settings.localAddress, to: target,
      via: freshVia(), callID: callID, cseq: 1, contact: settings.contact, body: body,
      contentType: body.isEmpty ? nil : SessionDescription.contentType, using: &rng)
    invite = request
    out.append(.sendRequest(request, to: SIPEndpoint(uri: requestURI ?? to.uri)))
    setState(.calling, &out)
    if let ringTime = settings.ringTime { out.append(.armTimer(.ringTime, after: ringTime)) }
  }

  mutating func receiveResponse(_ response: SIPMessage, _ out: inout [Action]) {
    guard let code = response.statusCode, let cseq = response.cseq else { return }
    switch cseq.method {
    case "INVITE":
      if let invite, role == .uac, invite.cseq?.sequence == cseq.sequence {
        initialInviteResponse(response, code: code, invite: invite, &out)
      } else if let pending = pendingReinvite, pending.cseq == cseq.sequence {
        reinviteResponse(response, code: code, direction: pending.direction, &out)
      } else if (200..<300).contains(code), let lastAck, lastAck.cseq == cseq.sequence {
        // A retransmitted 2xx: the same ACK again (RFC 3261 §13.2.2.4).
        out.append(.sendRequest(lastAck.message, to: lastAck.peer))
      }
    case "UPDATE":
      if let pending = pendingUpdate, pending.cseq == cseq.sequence, code >= 200 {
        updateResponse(response, code: code, before: pending.before, &out)
      }
    default:
      // Responses to BYE, INFO and the like need nothing from the session.
      break
    }
  }

  mutating func initialInviteResponse(
    _ response: SIPMessage, code: Int, invite: SIPMessage, _ out: inout [Action]
  ) {
    switch code {
    case 100:
      provisionalReceived = true
      if cancelRequested { sendCancel(&out) }
    case 101..<200:
      guard state == .calling || state == .early else { return }
      provisionalReceived = true
      if dialog == nil, response.toTag != nil { dialog = Dialog(uacRequest: invite, response: response) }
      out.append(.preliminary(code))
      if offerAnswer.pendingOffer != nil, case .success(let answer?) = Self.sdpBody(of: response) {
        // Early media: without 100rel the SDP of a 18x is the answer to our offer, and the 2xx repeats it.
        if let streams = try? offerAnswer.processAnswer(answer) { out.append(.mediaUpdate(streams)) }
      }
      if response.toTag != nil { setState(.early, &out) }
      // RFC 3261 §9.1: a CANCEL requested earlier waits for the first provisional response.
      if cancelRequested { sendCancel(&out) }
    case 200..<300:
      initialInvite2xx(response, code: code, invite: invite, &out)
    default:
      guard state == .calling || state == .early else { return }
      // The transaction ACKs a non-2xx itself (§17.1.1.3).
      out.append(.final(.fail, code: code))
      terminate(cancelSent && code == 487 ? cancelCause : .rejected(code), &out)
    }
  }

  mutating func initialInvite2xx(_ response: SIPMessage, code: Int, invite: SIPMessage, _ out: inout [Action])
  {
    let tag = response.toTag
    if let dialog, dialog.state == .confirmed {
      if let lastAck, dialog.id.remoteTag == tag {
        out.append(.sendRequest(lastAck.message, to: lastAck.peer))
      } else if let extra = Dialog(uacRequest: invite, response: response) {
        // RFC 3261 §13.2.2.4: a 2xx from another fork is ACKed and ended with BYE.
        var other = extra
        let ack = other.makeRequest(method: "ACK", via: freshVia(), cseq: invite.cseq?.sequence)
        out.append(.sendRequest(ack.0, to: ack.1))
        let bye = other.makeRequest(method: "BYE", via: freshVia())
        out.append(.sendRequest(bye.0, to: bye.1))
      }
      return
    }
    if state == .terminated, !cancelSent { return }
    if var early = dialog, early.id.remoteTag == tag {
      early.confirm(with: response)
      dialog = early
    } else {
      dialog = Dialog(uacRequest: invite, response: response)
    }
    guard dialog != nil else {
      // No To tag or no Contact: nothing to ACK into (§12.1.2); report and end.
      out.append(.final(.fail, code: code))
      terminate(.badMedia("2xx without To tag or Contact"), &out)
      return
    }
    out.append(.cancelTimer(.ringTime))
    var ackBody: [UInt8] = []
    var media: MediaOutcome = .streams(offerAnswer.streams)
    switch Self.sdpBody(of: response) {
    case .failure(let error): media = .failure(error.description)
    case .success(let sdp):
      if offerAnswer.pendingOffer != nil {
        // RFC 3261 §13.2.1: our offer was in the INVITE; the 2xx carries the answer.
        if let sdp {
          do { media = .streams(try offerAnswer.processAnswer(sdp)) } catch { media = .failure("\(error)") }
        } else {
          media = .failure("2xx without the answer to our offer")
        }
      } else if settings.sdpOnAck, !offerAnswer.hasRemoteDescription {
        // Late offer: the 2xx carries the peer's offer, the ACK our answer.
        if let sdp {
          let answer = offerAnswer.answer(to: sdp, streams: currentStreams)
          ackBody = answer.bytes
          media = .streams(answer.streams)
        } else {
          media = .failure("2xx without an offer to our offerless INVITE")
        }
      }
    // else: answered already in a 18x; the 2xx repeats it.
    }
    sendAck(cseq: invite.cseq?.sequence ?? 1, body: ackBody, &out)
    if cancelSent {
      // RFC 3261 §9.1: the 2xx raced our CANCEL: the call is up, so ACK and then BYE it.
      sendBye(&out)
      out.append(.final(.fail, code: code))
      terminate(cancelCause, &out)
      return
    }
    switch media {
    case .failure(let reason):
      // The 2xx must be ACKed even so (§13.2.2.4); a call without usable media ends with BYE.
      out.append(.mediaError(reason))
      sendBye(&out)
      out.append(.final(.fail, code: code))
      terminate(.badMedia(reason), &out)
    case .streams(let streams):
      setState(.established, &out)
      mediaNegotiated(streams, &out)
      out.append(.final(.ok, code: code))
      out.append(.established)
    }
  }

  mutating func sendAck(cseq: UInt32, body: [UInt8], _ out: inout [Action]) {
    guard var dialog else { return }
    let (ack, peer) = dialog.makeRequest(
      method: "ACK", via: freshVia(), cseq: cseq, body: body,
      contentType: body.isEmpty ? nil : SessionDescription.contentType)
    self.dialog = dialog
    lastAck = (cseq, ack, peer)
    out.append(.sendRequest(ack, to: peer))
  }

  mutating func sendBye(_ out: inout [Action]) {
    guard var dialog else { return }
    let (bye, peer) = dialog.makeRequest(method: "BYE", via: freshVia())
    self.dialog = dialog
    out.append(.sendRequest(bye, to: peer))
  }

  /// `call:cancel()` and the ring timer: CANCEL now, or once a provisional response arrived (§9.1).
  mutating func cancel(cause: HangupCause, _ out: inout [Action]) {
    guard role == .uac, state == .calling || state == .early, !cancelSent else {
      out.append(.refused("cancel: no INVITE of ours is waiting for its final response"))
      return
    }
    cancelCause = cause
    if provisionalReceived { sendCancel(&out) } else { cancelRequested = true }
  }

  mutating func sendCancel(_ out: inout [Action]) {
    guard let invite, !cancelSent else { return }
    cancelSent = true
    cancelRequested = false
    let target = invite.requestURIValue.map(SIPEndpoint.init(uri:))
    if let target { out.append(.sendRequest(invite.makeCANCEL(), to: target)) }
  }
}
