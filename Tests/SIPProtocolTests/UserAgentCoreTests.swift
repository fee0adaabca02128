import SIPCore
import Testing

@testable import SIPProtocol

/// The UA core rules (RFC 3261 §9, §12, §13.2.2.4, §13.3.1.4) on the virtual clock.
@Suite struct UserAgentCoreTests {
  static func makeCore(maxDialogs: Int = 10_000) -> VirtualClock<UserAgentCore> {
    let config = UserAgentCore.Configuration(
      via: SIPVia(transport: "UDP", host: "192.0.2.4", port: 5060), maxDialogs: maxDialogs, seed: 42)
    return VirtualClock(UserAgentCore(configuration: config))
  }

  /// Bob's side: receives the trace's INVITE and returns its transaction.
  func receiveInvite(_ clock: inout VirtualClock<UserAgentCore>) throws -> TransactionID {
    let actions = clock.handle(.received(try Trace.invite(), from: udpPeer))
    return try #require(actions.requestsToTU.first?.1)
  }

  func okFromBob() throws -> SIPMessage {
    var ok = try Trace.invite().makeResponse(statusCode: 200, toTag: "bobtag")
    ok.addHeader("Contact", "<sip:bob@192.0.2.4>")
    return ok
  }

  let bobDialog = DialogID(
    callID: "a84b4c76e66710@pc33.atlanta.example.com", localTag: "bobtag", remoteTag: "1928301774")

  func ackFromAlice(cseq: Int = 314159) throws -> SIPMessage {
    try sip(
      """
      ACK sip:bob@192.0.2.4 SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKack2xx
      Max-Forwards: 70
      To: Bob <sip:bob@biloxi.example.com>;tag=bobtag
      From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: a84b4c76e66710@pc33.atlanta.example.com
      CSeq: \(cseq) ACK
      Content-Length: 0

      """)
  }

  @Test("UAS: the 2xx is retransmitted at T1 doubling to T2 until the ACK arrives (§13.3.1.4)")
  func retransmit2xxUntilACK() throws {
    var clock = Self.makeCore()
    let tx = try receiveInvite(&clock)
    clock.handle(.sendResponse(try okFromBob(), transaction: tx))
    #expect(clock.machine.dialogs[bobDialog]?.state == .confirmed)
    clock.advance(by: ms(5_000))
    let acked = clock.handle(.received(try ackFromAlice(), from: udpPeer))
    #expect(acked.contains { if case .ackReceived(_, bobDialog) = $0 { true } else { false } })
    clock.advance(by: ms(60_000))
    #expect(clock.sendTimes("SIP/2.0 200") == [0, 500, 1500, 3500].map(ms))
    // A retransmitted ACK is not delivered twice.
    #expect(
      !clock.handle(.received(try ackFromAlice(), from: udpPeer)).contains {
        if case .ackReceived = $0 { true } else { false }
      })
  }

  @Test("UAS: a 2xx sent with the TU's dialog keeps that dialog, the same one the core reads from the 2xx")
  func dialogResponseKeepsTheGivenDialog() throws {
    var read = Self.makeCore()
    let readTX = try receiveInvite(&read)
    read.handle(.sendResponse(try okFromBob(), transaction: readTX))
    var given = Self.makeCore()
    let givenTX = try receiveInvite(&given)
    let contact = try SIPNameAddress.parse("<sip:bob@192.0.2.4>")
    let dialog = try #require(
      Dialog(uasRequest: try Trace.invite(), code: 200, localTag: "bobtag", localContact: contact))
    given.handle(.sendDialogResponse(try okFromBob(), transaction: givenTX, dialog: dialog))
    let a = try #require(read.machine.dialogs[bobDialog])
    let b = try #require(given.machine.dialogs[bobDialog])
    #expect(a.id == b.id && a.state == b.state && b.state == .confirmed && a.isUAC == b.isUAC)
    #expect(a.localSequence == b.localSequence && a.remoteSequence == b.remoteSequence)
    #expect(a.localAddress == b.localAddress && a.remoteAddress == b.remoteAddress)
    #expect(a.remoteTarget == b.remoteTarget && a.routeSet == b.routeSet && a.localContact == b.localContact)
    // The same §13.3.1.4 retransmissions until the ACK, which is delivered with the dialog.
    given.advance(by: ms(2_000))
    let acked = given.handle(.received(try ackFromAlice(), from: udpPeer))
    #expect(acked.contains { if case .ackReceived(_, bobDialog) = $0 { true } else { false } })
    given.advance(by: ms(60_000))
    #expect(given.sendTimes("SIP/2.0 200") == [0, 500, 1500].map(ms))
  }

  @Test("UAS: a 180 with the TU's early dialog, then the 2xx with it confirmed: one dialog, confirmed")
  func dialogResponseEarlyThenConfirmed() throws {
    var clock = Self.makeCore()
    let tx = try receiveInvite(&clock)
    let contact = try SIPNameAddress.parse("<sip:bob@192.0.2.4>")
    var ringing = try Trace.invite().makeResponse(statusCode: 180, toTag: "bobtag")
    ringing.addHeader("Contact", contact.description)
    let early = try #require(
      Dialog(uasRequest: try Trace.invite(), code: 180, localTag: "bobtag", localContact: contact))
    clock.handle(.sendDialogResponse(ringing, transaction: tx, dialog: early))
    #expect(clock.machine.dialogs[bobDialog]?.state == .early)
    let confirmed = try #require(
      Dialog(uasRequest: try Trace.invite(), code: 200, localTag: "bobtag", localContact: contact))
    clock.handle(.sendDialogResponse(try okFromBob(), transaction: tx, dialog: confirmed))
    #expect(clock.machine.dialogs[bobDialog]?.state == .confirmed)
    #expect(clock.machine.dialogs.count == 1)
    #expect(clock.machine.dialogs[bobDialog]?.localContact == contact)
  }

  @Test("UAS: no ACK after 64*T1 — give up, report it and send BYE (§13.3.1.4)")
  func ackTimeoutSendsBYE() throws {
    var clock = Self.makeCore()
    let tx = try receiveInvite(&clock)
    clock.handle(.sendResponse(try okFromBob(), transaction: tx))
    clock.advance(by: ms(40_000))
    #expect(
      clock.sendTimes("SIP/2.0 200")
        == [0, 500, 1500, 3500, 7500, 11500, 15500, 19500, 23500, 27500, 31500].map(ms))
    let timeout = clock.log.first { if case .ackTimeout(bobDialog) = $0.action { true } else { false } }
    #expect(timeout?.at == ms(32_000))
    let bye = try #require(clock.sent.first { $0.message.method == "BYE" })
    #expect(bye.at == ms(32_000))
    #expect(bye.message.requestURI == "sip:alice@pc33.atlanta.example.com")
    #expect(bye.message.from?.tag == "bobtag")
    #expect(bye.message.to?.tag == "1928301774")
    #expect(bye.to == SIPEndpoint(transport: "UDP", host: "pc33.atlanta.example.com", port: 5060))
    #expect(clock.machine.dialogs[bobDialog] == nil)
  }

  @Test("UAC: every 2xx gets the same ACK from the core, also after the transaction is gone (§13.2.2.4)")
  func ackEach2xx() throws {
    var clock = Self.makeCore()
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    let ok = try Trace.response("200 OK", to: invite, recordRoute: ["<sip:p1.example.com;lr>"])
    let first = clock.handle(.received(ok, from: udpPeer))
    #expect(first.responsesToTU.count == 1)
    let ack = try #require(first.sentMessages.first)
    #expect(ack.startLineText == "ACK sip:bob@192.0.2.4 SIP/2.0")
    #expect(ack.header("CSeq") == "314159 ACK")
    #expect(ack.topVia?.branch != "z9hG4bK776asdhds")  // a new transaction (§13.2.2.4)
    #expect(ack.header("Route") == "<sip:p1.example.com;lr>")
    clock.advance(by: ms(500))
    let second = clock.handle(.received(ok, from: udpPeer))
    #expect(second.responsesToTU.isEmpty)
    #expect(second.sentMessages.map { $0.serialize() } == [ack.serialize()])
    clock.advance(by: ms(40_000))  // Timer M
    #expect(clock.machine.layer.count == 0)
    let late = clock.handle(.received(ok, from: udpPeer))
    #expect(late.sentMessages.map { $0.serialize() } == [ack.serialize()])
  }

  @Test("CANCEL of a pending INVITE: 200 to the CANCEL, 487 to the INVITE (§9.2)")
  func cancelGets487() throws {
    var clock = Self.makeCore()
    let tx = try receiveInvite(&clock)
    clock.handle(
      .sendResponse(try Trace.invite().makeResponse(statusCode: 180, toTag: "bobtag"), transaction: tx))
    let actions = clock.handle(.received(try Trace.invite().makeCANCEL(), from: udpPeer))
    let sent = actions.sentMessages
    #expect(sent.map(\.statusCode) == [200, 487])
    #expect(sent.map { $0.cseq?.method } == ["CANCEL", "INVITE"])
    #expect(sent.map { $0.to?.tag } == ["bobtag", "bobtag"])
    #expect(actions.contains { if case .cancelled(tx) = $0 { true } else { false } })
    #expect(actions.requestsToTU.isEmpty)
    // The 487 ended the early dialog (§12.3).
    #expect(clock.machine.dialogs.isEmpty)
    // The ACK of the 487 goes to the INVITE transaction.
    clock.handle(.received(try Trace.ack(toTag: "bobtag"), from: udpPeer))
    #expect(clock.machine.layer.state(of: tx) == .confirmed)
  }

  @Test("CANCEL after the final response: 200 to the CANCEL only")
  func cancelTooLate() throws {
    var clock = Self.makeCore()
    let tx = try receiveInvite(&clock)
    clock.handle(.sendResponse(try okFromBob(), transaction: tx))
    let actions = clock.handle(.received(try Trace.invite().makeCANCEL(), from: udpPeer))
    #expect(actions.sentMessages.map(\.statusCode) == [200])
  }

  @Test("CANCEL matching nothing gets 481 (§9.2)")
  func cancelNoMatch() throws {
    var clock = Self.makeCore()
    let actions = clock.handle(.received(try Trace.invite().makeCANCEL(), from: udpPeer))
    #expect(actions.sentMessages.map(\.statusCode) == [481])
  }

  @Test("UAC CANCEL waits for a provisional response (§9.1)")
  func uacCancelWaits() throws {
    var clock = Self.makeCore()
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    let tx = TransactionID(rawValue: 1)
    #expect(clock.handle(.cancel(tx)).sentMessages.isEmpty)
    let after180 = clock.handle(.received(try Trace.response("180 Ringing", to: invite), from: udpPeer))
    let cancel = try #require(after180.sentMessages.first)
    #expect(cancel.startLineText == "CANCEL sip:bob@biloxi.example.com SIP/2.0")
    #expect(cancel.topVia?.branch == "z9hG4bK776asdhds")
  }

  @Test("Forking: each To tag makes its own early dialog; a final non-2xx ends them all (§12.1.2, §13.2.2.3)")
  func forkingEarly() throws {
    var clock = Self.makeCore()
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    let a = clock.handle(
      .received(try Trace.response("180 Ringing", to: invite, toTag: "fork-a"), from: udpPeer))
    let b = clock.handle(
      .received(try Trace.response("183 Session Progress", to: invite, toTag: "fork-b"), from: udpPeer))
    #expect(a.responsesToTU.first?.2?.remoteTag == "fork-a")
    #expect(b.responsesToTU.first?.2?.remoteTag == "fork-b")
    #expect(clock.machine.dialogs.count == 2)
    #expect(clock.machine.dialogs.values.allSatisfy { $0.state == .early })
    let end = clock.handle(
      .received(try Trace.response("486 Busy Here", to: invite, toTag: "fork-c"), from: udpPeer))
    #expect(clock.machine.dialogs.isEmpty)
    #expect(end.filter { if case .dialogTerminated = $0 { true } else { false } }.count == 2)
  }

  @Test("Forking: two 2xx from two forks make two confirmed dialogs, each ACKed")
  func forking2xx() throws {
    var clock = Self.makeCore()
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    let a = clock.handle(.received(try Trace.response("200 OK", to: invite, toTag: "fork-a"), from: udpPeer))
    let b = clock.handle(.received(try Trace.response("200 OK", to: invite, toTag: "fork-b"), from: udpPeer))
    #expect(a.sentMessages.map(\.method) == ["ACK"])
    #expect(b.sentMessages.map(\.method) == ["ACK"])
    #expect(b.sentMessages.first?.to?.tag == "fork-b")
    #expect(clock.machine.dialogs.values.filter { $0.state == .confirmed }.count == 2)
  }

  @Test("In-dialog: a lower CSeq gets 500; BYE is delivered with its dialog and ends it (§12.2.2, §15.1.2)")
  func inDialogCSeq() throws {
    var clock = Self.makeCore()
    let tx = try receiveInvite(&clock)
    clock.handle(.sendResponse(try okFromBob(), transaction: tx))
    clock.handle(.received(try ackFromAlice(), from: udpPeer))
    func bye(_ cseq: Int, _ branch: String) throws -> SIPMessage {
      try sip(
        """
        BYE sip:bob@192.0.2.4 SIP/2.0
        Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=\(branch)
        Max-Forwards: 70
        To: Bob <sip:bob@biloxi.example.com>;tag=bobtag
        From: Alice <sip:alice@atlanta.example.com>;tag=1928301774
        Call-ID: a84b4c76e66710@pc33.atlanta.example.com
        CSeq: \(cseq) BYE
        Content-Length: 0

        """)
    }
    let stale = clock.handle(.received(try bye(314158, "z9hG4bKbye1"), from: udpPeer))
    #expect(stale.sentMessages.map(\.statusCode) == [500])
    let good = clock.handle(.received(try bye(314160, "z9hG4bKbye2"), from: udpPeer))
    #expect(good.requestsToTU.first?.2 == bobDialog)
    #expect(good.contains { if case .dialogTerminated(bobDialog) = $0 { true } else { false } })
    // Now the dialog is gone: another BYE gets 481.
    let again = clock.handle(.received(try bye(314161, "z9hG4bKbye3"), from: udpPeer))
    #expect(again.sentMessages.map(\.statusCode) == [481])
  }

  @Test("UAC in-dialog requests: BYE goes to the remote target with the next CSeq and ends the dialog")
  func uacBye() throws {
    var clock = Self.makeCore()
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    let ok = try Trace.response("200 OK", to: invite, contact: "<sip:bob@192.0.2.77:5070>")
    let dialog = try #require(clock.handle(.received(ok, from: udpPeer)).responsesToTU.first?.2)
    let actions = clock.handle(.sendInDialog(method: "BYE", dialog: dialog))
    let (bye, peer) = try #require(clock.sent.last.map { ($0.message, $0.to) })
    #expect(bye.startLineText == "BYE sip:bob@192.0.2.77:5070 SIP/2.0")
    #expect(bye.header("CSeq") == "314160 BYE")
    #expect(peer == SIPEndpoint(transport: "UDP", host: "192.0.2.77", port: 5070))
    #expect(actions.contains { if case .dialogTerminated(dialog) = $0 { true } else { false } })
  }

  @Test("UAC target refresh: the 2xx to a re-INVITE brings a new Contact")
  func uacTargetRefresh() throws {
    var clock = Self.makeCore()
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    let dialog = try #require(
      clock.handle(.received(try Trace.response("200 OK", to: invite), from: udpPeer)).responsesToTU.first?.2)
    clock.handle(.sendInDialog(method: "INVITE", dialog: dialog))
    let reinvite = try #require(clock.sent.last?.message)
    #expect(reinvite.header("CSeq") == "314160 INVITE")
    #expect(reinvite.header("Contact") == "<sip:alice@pc33.atlanta.example.com>")
    let moved = try Trace.response("200 OK", to: reinvite, toTag: nil, contact: "<sip:bob@203.0.113.5>")
    let actions = clock.handle(.received(moved, from: udpPeer))
    #expect(actions.sentMessages.first?.requestURI == "sip:bob@203.0.113.5")  // the ACK uses the new target
    #expect(clock.machine.dialogs[dialog]?.remoteTarget.host == "203.0.113.5")
  }

  @Test("The core answers OPTIONS itself and refuses a To-tagged request without dialog (481)")
  func coreValidation() throws {
    var clock = Self.makeCore()
    let options = clock.handle(.received(try Trace.options(), from: udpPeer))
    #expect(options.sentMessages.map(\.statusCode) == [200])
    #expect(options.requestsToTU.isEmpty)
    let merged = clock.handle(.received(try Trace.invite(), from: udpPeer))
    #expect(merged.requestsToTU.count == 1)
    let copy = clock.handle(.received(try Trace.invite(branch: "z9hG4bKsecondpath"), from: udpPeer))
    // Answered at once: no 100 Trying (RFC 3261 §17.2.1, TryingDelayTests).
    #expect(copy.sentMessages.map(\.statusCode) == [482])
  }

  @Test("Past maxDialogs a new INVITE gets 503 with Retry-After")
  func dialogLimit() throws {
    var clock = Self.makeCore(maxDialogs: 1)
    let tx = try receiveInvite(&clock)
    clock.handle(.sendResponse(try okFromBob(), transaction: tx))
    var other = try Trace.invite(branch: "z9hG4bKcall2")
    other.setHeader("Call-ID", "call-2@pc33")
    let actions = clock.handle(.received(other, from: udpPeer))
    #expect(actions.sentMessages.map(\.statusCode) == [503])
    #expect(actions.sentMessages.last?.header("Retry-After") == "5")
  }

  @Test("A stray ACK (no dialog, no transaction) is discarded, never answered (RFC 6026)")
  func strayACK() throws {
    var clock = Self.makeCore()
    let actions = clock.handle(.received(try ackFromAlice(), from: udpPeer))
    #expect(actions.sentMessages.isEmpty)
    guard case .discarded? = actions.first else {
      Issue.record("\(actions)")
      return
    }
  }

  @Test("A 200 after a final 486 is not sent and starts no 2xx retransmission")
  func secondFinalResponse() throws {
    var clock = Self.makeCore()
    let tx = try receiveInvite(&clock)
    clock.handle(
      .sendResponse(try Trace.invite().makeResponse(statusCode: 486, toTag: "bobtag"), transaction: tx))
    let late = clock.handle(.sendResponse(try okFromBob(), transaction: tx))
    #expect(late.sentMessages.isEmpty)
    #expect(clock.machine.dialogs.isEmpty)
    clock.advance(by: ms(5_000))
    #expect(clock.sendTimes("SIP/2.0 200").isEmpty)
  }

  @Test("Late offer: with automatic ACK off, the TU's ACK carries the answer and is resent for each 2xx")
  func tuSendsACK() throws {
    let config = UserAgentCore.Configuration(
      via: SIPVia(transport: "UDP", host: "192.0.2.4", port: 5060), seed: 7, acksAutomatically: false)
    var clock = VirtualClock(UserAgentCore(configuration: config))
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    let ok = try Trace.response("200 OK", to: invite)
    let first = clock.handle(.received(ok, from: udpPeer))
    let dialog = try #require(first.responsesToTU.first?.2)
    #expect(first.sentMessages.isEmpty)
    #expect(clock.handle(.received(ok, from: udpPeer)).isEmpty)  // not repeated to the TU
    let answer = Array("v=0\r\n".utf8)
    let sent = clock.handle(.sendACK(dialog: dialog, body: answer, contentType: "application/sdp"))
    let ack = try #require(sent.sentMessages.first)
    #expect(ack.method == "ACK")
    #expect(ack.body == answer)
    #expect(ack.header("Content-Type") == "application/sdp")
    #expect(ack.header("CSeq") == "314159 ACK")
    let again = clock.handle(.received(ok, from: udpPeer))
    #expect(again.sentMessages.map { $0.serialize() } == [ack.serialize()])
  }
}
