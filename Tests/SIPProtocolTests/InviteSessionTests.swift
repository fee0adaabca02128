import SDP
import SIPCore
import Testing

@testable import SIPProtocol

/// Each rule of the INVITE session as a trace: literal messages in, actions out.
@Suite struct InviteSessionTests {
  /// The INVITE Alice (192.0.2.4's peer) sends to our UAS, with or without an offer.
  static func incomingInvite(sdp: String? = peerSDP(), cseq: Int = 1) throws -> SIPMessage {
    try inviteTrace(
      """
      INVITE sip:bob@192.0.2.1:5062 SIP/2.0
      Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKin1
      Max-Forwards: 70
      From: Carol <sip:carol@192.0.2.4>;tag=c4r01
      To: Bob <sip:bob@192.0.2.1>
      Call-ID: call-1@192.0.2.4
      CSeq: \(cseq) INVITE
      Contact: <sip:carol@192.0.2.4:5060>
      """ + (sdp == nil ? "" : "\nContent-Type: application/sdp"), body: sdp ?? "")
  }

  /// An in-dialog request from Carol to our UAS (after `answer`, our tag is `tag`).
  static func inDialog(
    _ method: String, cseq: Int, tag: String, contentType: String? = nil, body: String = "",
    extra: [String] = []
  ) throws -> SIPMessage {
    var lines = [
      "\(method) sip:bob@192.0.2.1:5062 SIP/2.0",
      "Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKin\(cseq)\(method)",
      "Max-Forwards: 70", "From: Carol <sip:carol@192.0.2.4>;tag=c4r01",
      "To: Bob <sip:bob@192.0.2.1>;tag=\(tag)",
      "Call-ID: call-1@192.0.2.4", "CSeq: \(cseq) \(method)", "Contact: <sip:carol@192.0.2.4:5060>",
    ]
    lines += extra
    if let contentType { lines.append("Content-Type: \(contentType)") }
    return try inviteTrace(lines.joined(separator: "\n"), body: body)
  }

  /// A UAC call up to established: returns the session and the INVITE it sent.
  static func establishedUAC(seed: UInt64 = 1) throws -> (InviteSession, SIPMessage) {
    var alice = InviteSession(role: .uac, configuration: Party.config(seed: seed))
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    _ = alice.handle(.received(try peerReply(to: invite, "200 OK", sdp: peerSDP())))
    return (alice, invite)
  }

  /// A UAS call up to established: the session and our To tag.
  static func establishedUAS() throws -> (InviteSession, String) {
    var bob = InviteSession(
      role: .uas, configuration: Party.config(local: Party.bob, contact: Party.bobContact))
    _ = bob.handle(.received(try incomingInvite()))
    let ok = try #require(bob.handle(.answer).responses.first)
    let tag = try #require(ok.to?.tag)
    _ = bob.handle(.received(try inDialog("ACK", cseq: 1, tag: tag)))
    return (bob, tag)
  }

  // MARK: - Normal call

  @Test func uacNormalCall() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config(ringTime: .seconds(30)))
    let start = alice.handle(.invite(to: Party.bob))
    let invite = try #require(start.requests.first)
    #expect(invite.method == "INVITE")
    #expect(invite.mediaType == "application/sdp")
    #expect(invite.bodyText.contains("m=audio 40000 RTP/AVP 0 8 101"))
    #expect(start.events == ["state(calling)", "arm(ringTime,30.0 seconds)"])

    let ringing = alice.handle(.received(try peerReply(to: invite, "180 Ringing")))
    #expect(ringing.events == ["preliminary(180)", "state(early)"])

    let ok = alice.handle(.received(try peerReply(to: invite, "200 OK", sdp: peerSDP())))
    let ack = try #require(ok.requests.first)
    #expect(ack.method == "ACK")
    #expect(ack.cseqText == "1 ACK")
    #expect(ack.requestURI == "sip:bob@192.0.2.4:5060")  // the 2xx's Contact (§12.1.2)
    #expect(ack.body.isEmpty)
    #expect(ok.events == ["cancel(ringTime)", "state(established)", "final(OK,200)", "established"])
    let stream = try #require(ok.media.first?.first)
    #expect(stream.remotePort == 50000 && stream.codec?.codec.name == "PCMU")
    #expect(alice.state == .established)

    // A retransmitted 200 gets the same ACK again (§13.2.2.4).
    let again = alice.handle(.received(try peerReply(to: invite, "200 OK", sdp: peerSDP())))
    #expect(again.requests.first?.text == ack.text)
  }

  @Test func uasNormalCall() throws {
    var bob = InviteSession(
      role: .uas, configuration: Party.config(local: Party.bob, contact: Party.bobContact))
    #expect(bob.handle(.received(try Self.incomingInvite())).events == ["state(incoming)"])
    let ringing = bob.handle(.ring(code: 180))
    let r180 = try #require(ringing.responses.first)
    #expect(r180.statusCode == 180 && r180.to?.tag != nil && r180.contacts.first?.uri.port == 5062)
    #expect(bob.state == .early)
    let answered = bob.handle(.answer)
    let ok = try #require(answered.responses.first)
    #expect(ok.statusCode == 200 && ok.to?.tag == r180.to?.tag)
    #expect(ok.bodyText.contains("m=audio 40000 RTP/AVP 0 101"))  // answer: the offer's order and numbers
    #expect(answered.media.first?.first?.remotePort == 50000)
    #expect(bob.state == .answered)
    let tag = try #require(ok.to?.tag)
    let acked = bob.handle(.received(try Self.inDialog("ACK", cseq: 1, tag: tag)))
    #expect(acked.events == ["state(established)", "established"])
  }

  // MARK: - Late offer (sdp_on_ack)

  @Test func uacLateOffer() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config(sdpOnAck: true))
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    #expect(invite.body.isEmpty && invite.contentType == nil)
    let ok = alice.handle(.received(try peerReply(to: invite, "200 OK", sdp: peerSDP())))
    let ack = try #require(ok.requests.first)
    // RFC 3261 §13.2.1: the offer came in the 2xx, so the answer goes in the ACK.
    #expect(ack.method == "ACK" && ack.mediaType == "application/sdp")
    #expect(ack.bodyText.contains("m=audio 40000 RTP/AVP 0 101"))
    #expect(ok.events.contains("established"))
    #expect(ok.media.first?.first?.remotePort == 50000)
  }

  @Test func uacLateOfferWithout2xxOffer() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config(sdpOnAck: true))
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    let ok = alice.handle(.received(try peerReply(to: invite, "200 OK")))
    // The 2xx is ACKed all the same, then the call ends with BYE.
    #expect(ok.requests.map(\.method) == ["ACK", "BYE"])
    #expect(alice.hangupCause == .badMedia("2xx without an offer to our offerless INVITE"))
  }

  @Test func uasLateOffer() throws {
    var bob = InviteSession(
      role: .uas, configuration: Party.config(local: Party.bob, contact: Party.bobContact))
    _ = bob.handle(.received(try Self.incomingInvite(sdp: nil)))
    let answered = bob.handle(.answer)
    let ok = try #require(answered.responses.first)
    #expect(ok.bodyText.contains("m=audio 40000 RTP/AVP 0 8 101"))  // our offer, all our codecs
    #expect(answered.media.isEmpty)
    let tag = try #require(ok.to?.tag)
    let acked = bob.handle(
      .received(try Self.inDialog("ACK", cseq: 1, tag: tag, contentType: "application/sdp", body: peerSDP())))
    #expect(acked.media.first?.first?.remotePort == 50000)
    #expect(acked.events == ["state(established)", "established"])
  }

  @Test func uasLateOfferAckWithoutAnswer() throws {
    var bob = InviteSession(
      role: .uas, configuration: Party.config(local: Party.bob, contact: Party.bobContact))
    _ = bob.handle(.received(try Self.incomingInvite(sdp: nil)))
    let tag = try #require(bob.handle(.answer).responses.first?.to?.tag)
    let acked = bob.handle(.received(try Self.inDialog("ACK", cseq: 1, tag: tag)))
    #expect(acked.requests.map(\.method) == ["BYE"])
    #expect(bob.state == .terminated)
  }

  // MARK: - re-INVITE: hold and resume

  @Test func uacHoldAndResume() throws {
    var (alice, _) = try Self.establishedUAC()
    let hold = alice.handle(.reinvite(direction: .sendonly))
    let reinvite = try #require(hold.requests.first)
    #expect(reinvite.method == "INVITE" && reinvite.cseqText == "2 INVITE")
    #expect(reinvite.bodyText.contains("a=sendonly"))
    #expect(reinvite.bodyText.contains("o=- 4711 1 IN IP4"))  // o= version 0 → 1 (RFC 3264 §8)
    let ok = alice.handle(
      .received(try peerReply(to: reinvite, "200 OK", sdp: peerSDP(version: 2, direction: "recvonly"))))
    #expect(ok.requests.first?.cseqText == "2 ACK")
    #expect(ok.events == ["state(held)", "final(OK,200)"])
    #expect(ok.media.first?.first?.direction == .sendonly)

    let resume = alice.handle(.reinvite(direction: .sendrecv))
    let second = try #require(resume.requests.first)
    #expect(second.cseqText == "3 INVITE" && second.bodyText.contains("o=- 4711 2 IN IP4"))
    let ok2 = alice.handle(.received(try peerReply(to: second, "200 OK", sdp: peerSDP(version: 3))))
    #expect(ok2.events == ["state(established)", "final(OK,200)"])
  }

  @Test func uasHeldByPeerAndResumed() throws {
    var (bob, tag) = try Self.establishedUAS()
    let hold = bob.handle(
      .received(
        try Self.inDialog(
          "INVITE", cseq: 2, tag: tag, contentType: "application/sdp",
          body: peerSDP(version: 2, direction: "sendonly"))))
    let ok = try #require(hold.responses.first)
    #expect(ok.statusCode == 200 && ok.bodyText.contains("a=recvonly"))
    #expect(hold.events == ["state(held)"])
    #expect(bob.handle(.received(try Self.inDialog("ACK", cseq: 2, tag: tag))).events.isEmpty)
    let resume = bob.handle(
      .received(
        try Self.inDialog(
          "INVITE", cseq: 3, tag: tag, contentType: "application/sdp", body: peerSDP(version: 3))))
    #expect(resume.responses.first?.bodyText.contains("a=sendrecv") == true)
    #expect(resume.events == ["state(established)"])
  }

  @Test func peerReinviteWithoutOffer() throws {
    var (bob, tag) = try Self.establishedUAS()
    let reinvite = bob.handle(.received(try Self.inDialog("INVITE", cseq: 2, tag: tag)))
    let ok = try #require(reinvite.responses.first)
    #expect(ok.bodyText.contains("m=audio 40000"))  // our offer in the 2xx
    let acked = bob.handle(
      .received(
        try Self.inDialog("ACK", cseq: 2, tag: tag, contentType: "application/sdp", body: peerSDP(version: 2))
      ))
    #expect(acked.media.count == 1)
  }

  // MARK: - Glare

  @Test func glareAnswered491() throws {
    var (bob, tag) = try Self.establishedUAS()
    let ours = try #require(bob.handle(.reinvite(direction: .sendonly)).requests.first)
    #expect(ours.method == "INVITE")
    // RFC 3261 §14.2: the peer's re-INVITE crosses ours.
    let theirs = bob.handle(
      .received(
        try Self.inDialog(
          "INVITE", cseq: 2, tag: tag, contentType: "application/sdp", body: peerSDP(version: 2))))
    #expect(theirs.responses.first?.statusCode == 491)
  }

  @Test func glareRetryWindows() throws {
    // UAC (owner of the Call-ID): 2.1–4 s; UAS: 0–2 s (RFC 3261 §14.1), over many seeds.
    for seed in UInt64(1)...40 {
      var (alice, _) = try Self.establishedUAC(seed: seed)
      let reinvite = try #require(alice.handle(.reinvite(direction: .sendonly)).requests.first)
      let pending = alice.handle(.received(try peerReply(to: reinvite, "491 Request Pending")))
      guard case .armTimer(.glareRetry, let after)? = pending.first else {
        Issue.record("no retry timer: \(pending.events)")
        return
      }
      #expect(after >= .milliseconds(2100) && after <= .seconds(4))
    }
    for seed in UInt64(1)...40 {
      var bob = InviteSession(
        role: .uas, configuration: Party.config(local: Party.bob, contact: Party.bobContact, seed: seed))
      _ = bob.handle(.received(try Self.incomingInvite()))
      let tag = try #require(bob.handle(.answer).responses.first?.to?.tag)
      _ = bob.handle(.received(try Self.inDialog("ACK", cseq: 1, tag: tag)))
      let reinvite = try #require(bob.handle(.reinvite(direction: .sendonly)).requests.first)
      let pending = bob.handle(.received(try peerReply(to: reinvite, "491 Request Pending")))
      guard case .armTimer(.glareRetry, let after)? = pending.first else {
        Issue.record("no retry timer")
        return
      }
      #expect(after >= .zero && after <= .seconds(2))
    }
  }

  @Test func glareRetryResendsOffer() throws {
    var (alice, _) = try Self.establishedUAC()
    let first = try #require(alice.handle(.reinvite(direction: .sendonly)).requests.first)
    _ = alice.handle(.received(try peerReply(to: first, "491 Request Pending")))
    let retry = alice.handle(.timerFired(.glareRetry))
    let second = try #require(retry.requests.first)
    #expect(
      second.method == "INVITE" && second.cseqText == "3 INVITE" && second.bodyText.contains("a=sendonly"))
    let ok = alice.handle(
      .received(try peerReply(to: second, "200 OK", sdp: peerSDP(version: 2, direction: "recvonly"))))
    #expect(ok.events == ["state(held)", "final(OK,200)"])
  }

  // MARK: - UPDATE

  @Test func updateAnswered() throws {
    var (alice, _) = try Self.establishedUAC()
    // PJSUA narrows the codecs with an UPDATE right after the answer.
    let update = try inviteTrace(
      """
      UPDATE sip:alice@192.0.2.1:5060 SIP/2.0
      Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKupd1
      Max-Forwards: 70
      From: Bob <sip:bob@192.0.2.4>;tag=b0b
      To: Alice <sip:alice@192.0.2.1>;tag=\(alice.dialog?.id.localTag ?? "")
      Call-ID: \(alice.dialog?.id.callID ?? "")
      CSeq: 1 UPDATE
      Contact: <sip:bob@192.0.2.4:5060>
      Content-Type: application/sdp
      """, body: peerSDP(port: 50002, version: 2))
    let answered = alice.handle(.received(update))
    let ok = try #require(answered.responses.first)
    #expect(ok.statusCode == 200 && ok.mediaType == "application/sdp" && ok.contacts.count == 1)
    #expect(answered.media.first?.first?.remotePort == 50002)
  }

  @Test func updateDuringOurOffer491() throws {
    var (bob, tag) = try Self.establishedUAS()
    _ = bob.handle(.reinvite(direction: .sendonly))
    let update = bob.handle(
      .received(
        try Self.inDialog(
          "UPDATE", cseq: 2, tag: tag, contentType: "application/sdp", body: peerSDP(version: 2))))
    #expect(update.responses.first?.statusCode == 491)  // RFC 3311 §5.2
  }

  // MARK: - CANCEL

  @Test func cancelBeforeAnswer() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config())
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    // RFC 3261 §9.1: no provisional yet, so the CANCEL waits.
    #expect(alice.handle(.cancel).requests.isEmpty)
    let ringing = alice.handle(.received(try peerReply(to: invite, "180 Ringing")))
    let cancel = try #require(ringing.requests.first)
    #expect(cancel.method == "CANCEL" && cancel.cseqText == "1 CANCEL" && cancel.topVia == invite.topVia)
    let terminated = alice.handle(.received(try peerReply(to: invite, "487 Request Terminated")))
    #expect(terminated.events.contains("final(FAIL,487)"))
    #expect(alice.hangupCause == .localCancel)
    #expect(terminated.requests.isEmpty)  // the transaction ACKs the 487
  }

  @Test func okRacingCancel() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config())
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    _ = alice.handle(.received(try peerReply(to: invite, "180 Ringing")))
    #expect(alice.handle(.cancel).requests.first?.method == "CANCEL")
    // RFC 3261 §9.1: the 200 crossed the CANCEL: ACK it, then BYE.
    let raced = alice.handle(.received(try peerReply(to: invite, "200 OK", sdp: peerSDP())))
    #expect(raced.requests.map(\.method) == ["ACK", "BYE"])
    #expect(raced.requests.last?.cseqText == "2 BYE")
    #expect(alice.hangupCause == .localCancel && !raced.events.contains("established"))
  }

  @Test func peerCancels() throws {
    var bob = InviteSession(
      role: .uas, configuration: Party.config(local: Party.bob, contact: Party.bobContact))
    _ = bob.handle(.received(try Self.incomingInvite()))
    _ = bob.handle(.ring(code: 180))
    let cancel = try inviteTrace(
      """
      CANCEL sip:bob@192.0.2.1:5062 SIP/2.0
      Via: SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bKin1
      Max-Forwards: 70
      From: Carol <sip:carol@192.0.2.4>;tag=c4r01
      To: Bob <sip:bob@192.0.2.1>
      Call-ID: call-1@192.0.2.4
      CSeq: 1 CANCEL
      """)
    let actions = bob.handle(.received(cancel))
    #expect(
      actions.responses.map { "\($0.statusCode ?? 0) \($0.cseqText)" } == ["200 1 CANCEL", "487 1 INVITE"])
    #expect(actions.events.contains("remoteHangup(remoteCancel)"))
    #expect(bob.hangupCause == .remoteCancel)
  }

  @Test func ringTimeExpiryCancels() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config(ringTime: .seconds(20)))
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    _ = alice.handle(.received(try peerReply(to: invite, "180 Ringing")))
    let expired = alice.handle(.timerFired(.ringTime))
    #expect(expired.events == ["noAnswer"])
    #expect(expired.requests.first?.method == "CANCEL")
    _ = alice.handle(.received(try peerReply(to: invite, "487 Request Terminated")))
    #expect(alice.hangupCause == .noAnswer)
  }

  @Test func rejectedCall() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config())
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    let busy = alice.handle(.received(try peerReply(to: invite, "486 Busy Here")))
    #expect(busy.events.contains("final(FAIL,486)"))
    #expect(alice.hangupCause == .rejected(486))
  }

  @Test func inviteTimeout() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config())
    _ = alice.handle(.invite(to: Party.bob))
    let failed = alice.handle(.requestFailed(method: "INVITE", failure: .timeout))
    #expect(failed.events.contains("final(FAIL,408)"))
    #expect(alice.hangupCause == .timeout)
  }

  // MARK: - BYE

  @Test func localBye() throws {
    var (alice, _) = try Self.establishedUAC()
    let bye = alice.handle(.bye)
    let request = try #require(bye.requests.first)
    #expect(
      request.method == "BYE" && request.cseqText == "2 BYE" && request.requestURI == "sip:bob@192.0.2.4:5060"
    )
    #expect(alice.state == .terminated && alice.hangupCause == .localBye)
  }

  @Test func remoteBye() throws {
    var (bob, tag) = try Self.establishedUAS()
    let bye = bob.handle(.received(try Self.inDialog("BYE", cseq: 2, tag: tag)))
    #expect(bye.responses.first?.statusCode == 200)
    #expect(
      bye.events == [
        "remoteHangup(remoteBye)", "cancel(ringTime)", "state(terminated)", "terminated(remoteBye)",
      ])
    // After the BYE the dialog is gone (§12.2.2: 481).
    let late = bob.handle(.received(try Self.inDialog("INFO", cseq: 3, tag: tag)))
    #expect(late.responses.first?.statusCode == 481)
  }

  // MARK: - INFO and REFER

  @Test func infoDTMFRelay() throws {
    var (bob, tag) = try Self.establishedUAS()
    let info = bob.handle(
      .received(
        try Self.inDialog(
          "INFO", cseq: 2, tag: tag, contentType: "application/dtmf-relay", body: "Signal=5\nDuration=160\n"))
    )
    #expect(info.responses.first?.statusCode == 200)
    guard case .dtmfInfo(let digit)? = info.last else {
      Issue.record("no digit")
      return
    }
    #expect(digit == InviteSession.DTMFInfo(digit: "5", duration: 160))
  }

  @Test func infoDTMF() throws {
    var (bob, tag) = try Self.establishedUAS()
    let info = bob.handle(
      .received(try Self.inDialog("INFO", cseq: 2, tag: tag, contentType: "application/dtmf", body: "#")))
    #expect(info.events == ["dtmf(#)"])
  }

  @Test func dtmfBodies() throws {
    typealias Info = InviteSession.DTMFInfo
    #expect(
      try Info.parse(
        body: Array("Signal= 11\r\nDuration= 250\r\n".utf8), contentType: "application/dtmf-relay"
      ).get() == Info(digit: "#", duration: 250))
    #expect(
      try Info.parse(body: Array("signal=a".utf8), contentType: "application/dtmf-relay").get().digit == "A")
    #expect(try Info.parse(body: Array("10".utf8), contentType: "application/dtmf").get().digit == "*")
    #expect(
      (try? Info.parse(body: Array("Signal=X".utf8), contentType: "application/dtmf-relay").get()) == nil)
    #expect(
      (try? Info.parse(body: Array("Duration=100".utf8), contentType: "application/dtmf-relay").get()) == nil)
    #expect((try? Info.parse(body: Array("99".utf8), contentType: "application/dtmf").get()) == nil)
    #expect(
      (try? Info.parse(body: Array(repeating: 0x35, count: 5000), contentType: "application/dtmf").get())
        == nil)
  }

  @Test func infoOtherType415() throws {
    var (bob, tag) = try Self.establishedUAS()
    let info = bob.handle(
      .received(try Self.inDialog("INFO", cseq: 2, tag: tag, contentType: "text/plain", body: "hi")))
    #expect(info.responses.first?.statusCode == 415)
    #expect(info.responses.first?.headerValues("Accept") == ["application/dtmf-relay", "application/dtmf"])
  }

  @Test func referSurfaced() throws {
    var (bob, tag) = try Self.establishedUAS()
    let refer = bob.handle(
      .received(try Self.inDialog("REFER", cseq: 2, tag: tag, extra: ["Refer-To: <sip:dave@192.0.2.9>"])))
    #expect(refer.events == ["refer(sip:dave@192.0.2.9)"])
    #expect(refer.responses.isEmpty)  // the Call layer answers it
  }

  @Test func outOfOrderCSeq() throws {
    var (bob, tag) = try Self.establishedUAS()
    _ = bob.handle(.received(try Self.inDialog("INFO", cseq: 5, tag: tag)))
    let old = bob.handle(.received(try Self.inDialog("INFO", cseq: 4, tag: tag)))
    #expect(old.responses.first?.statusCode == 500)  // RFC 3261 §12.2.2
  }

  @Test func secondForkAckedAndBYEd() throws {
    var (alice, invite) = try Self.establishedUAC()
    // RFC 3261 §13.2.2.4: a 2xx from another fork after the call is up: ACK it, then BYE it.
    let fork = alice.handle(
      .received(
        try peerReply(to: invite, "200 OK", toTag: "f0rk", sdp: peerSDP(), contact: "<sip:bob@192.0.2.7>")))
    #expect(fork.requests.map(\.method) == ["ACK", "BYE"])
    #expect(fork.requests.allSatisfy { $0.to?.tag == "f0rk" && $0.requestURI == "sip:bob@192.0.2.7" })
    #expect(alice.state == .established && alice.dialog?.id.remoteTag == "b0b")
  }

  @Test func reinviteTimeoutEndsCall() throws {
    var (alice, _) = try Self.establishedUAC()
    _ = alice.handle(.reinvite(direction: .inactive))
    let failed = alice.handle(.requestFailed(method: "INVITE", failure: .timeout))
    // RFC 3261 §14.1: a re-INVITE that times out ends the dialog with BYE.
    #expect(failed.requests.map(\.method) == ["BYE"])
    #expect(alice.hangupCause == .timeout)
  }

  @Test func reinviteRejectedKeepsSession() throws {
    var (alice, _) = try Self.establishedUAC()
    let reinvite = try #require(alice.handle(.reinvite(direction: .sendonly)).requests.first)
    let refused = alice.handle(.received(try peerReply(to: reinvite, "488 Not Acceptable Here")))
    #expect(refused.events == ["final(FAIL,488)"])
    #expect(alice.state == .established && alice.localDirection == .sendrecv)
    #expect(alice.offerAnswer.pendingOffer == nil)
  }

  @Test func secondPeerReinviteWhileOpen() throws {
    var (bob, tag) = try Self.establishedUAS()
    _ = bob.handle(
      .received(
        try Self.inDialog(
          "INVITE", cseq: 2, tag: tag, contentType: "application/sdp", body: peerSDP(version: 2))))
    // RFC 3261 §14.2: the first re-INVITE is still open (no ACK): 500 with Retry-After 0–10 s.
    let second = bob.handle(
      .received(
        try Self.inDialog(
          "INVITE", cseq: 3, tag: tag, contentType: "application/sdp", body: peerSDP(version: 3))))
    let busy = try #require(second.responses.first)
    #expect(busy.statusCode == 500)
    #expect((0...10).contains(Int(busy.header("Retry-After") ?? "") ?? -1))
    // An offerless re-INVITE put our offer in the 200: a crossing offer gets 491.
    _ = bob.handle(.received(try Self.inDialog("ACK", cseq: 2, tag: tag)))
    _ = bob.handle(.received(try Self.inDialog("INVITE", cseq: 4, tag: tag)))
    let crossing = bob.handle(
      .received(
        try Self.inDialog(
          "UPDATE", cseq: 5, tag: tag, contentType: "application/sdp", body: peerSDP(version: 4))))
    #expect(crossing.responses.first?.statusCode == 491)
  }

  @Test func updateWithoutOffer() throws {
    var (bob, tag) = try Self.establishedUAS()
    let update = bob.handle(.received(try Self.inDialog("UPDATE", cseq: 2, tag: tag)))
    #expect(update.responses.first?.statusCode == 200 && update.media.isEmpty)
  }

  @Test func commandsRefusedOutOfState() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config())
    #expect(alice.handle(.reinvite(direction: .sendonly)).events.first?.hasPrefix("refused") == true)
    #expect(alice.handle(.answer).events.first?.hasPrefix("refused") == true)
    #expect(alice.handle(.bye).events.first?.hasPrefix("refused") == true)
  }
}
