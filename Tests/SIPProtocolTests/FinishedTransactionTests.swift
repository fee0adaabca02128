import SIPCore
import Testing

@testable import SIPProtocol

/// What a transaction keeps once it only waits for its last timer (``FinishedTransaction``): its
/// answers are the machine's in that state, and the layer's matching, CANCEL and merge checks
/// still work with it.
@Suite struct FinishedTransactionTests {
  /// Actions as text, to compare two lists (messages by their bytes).
  static func describe(_ actions: [TransactionAction]) -> [String] {
    actions.map { action in
      switch action {
      case .send(let message): "send \(message)"
      case .arm(let timer, let after): "arm \(timer) \(after)"
      case .cancel(let timer): "cancel \(timer)"
      case .passToTU(let message): "tu \(message)"
      case .timeout: "timeout"
      case .transportError: "transportError"
      case .terminate: "terminate"
      }
    }
  }

  /// Every kind of event a waiting transaction may be given.
  static func events() throws -> [TransactionEvent] {
    let invite = try Trace.invite()
    let messages: [SIPMessage] = [
      invite, try Trace.ack(), try Trace.register(), try Trace.response("180 Ringing", to: invite),
      try Trace.response("200 OK", to: invite), try Trace.response("486 Busy Here", to: invite),
      try Trace.response("200 OK", to: invite, toTag: "another"),
    ]
    return [.start, .transportError] + messages.map { .received($0) } + messages.map { .sendResponse($0) }
      + TransactionTimer.allCases.map { .timerFired($0) }
  }

  /// For every event, the machine in its waiting state and its finished form give the same
  /// actions; and after each event the two are still in the same state.
  func expectSameAnswers<Machine>(
    _ machine: Machine, _ finished: FinishedTransaction, state: (Machine) -> TransactionState,
    handle: (inout Machine, TransactionEvent) -> [TransactionAction]
  ) throws {
    #expect(state(machine) == finished.state)
    for event in try Self.events() {
      var copy = machine
      var slim = finished
      #expect(Self.describe(handle(&copy, event)) == Self.describe(slim.handle(event)), "\(event)")
      if state(copy) != .terminated { #expect(state(copy) == slim.state, "\(event)") }
    }
  }

  @Test("Non-INVITE server in Completed (Timer J): the finished form answers as the machine")
  func serverNonInvite() throws {
    let register = try Trace.register()
    var tx = ServerNonInviteTransaction(request: register, reliable: false)
    _ = tx.handle(.start)
    _ = tx.handle(.sendResponse(try Trace.response("200 OK", to: register)))
    let finished = FinishedTransaction(completed: tx, legacyKey: false)
    #expect(finished.request == nil)
    #expect(finished.lastResponse?.serialize() == tx.lastResponse?.serialize())
    try expectSameAnswers(tx, finished, state: \.state) { $0.handle($1) }
  }

  @Test(
    "INVITE server in Accepted (Timer L) and Confirmed (Timer I): the finished form answers as the machine")
  func serverInvite() throws {
    let invite = try Trace.invite()
    var accepted = ServerInviteTransaction(request: invite, reliable: false)
    _ = accepted.handle(.start)
    _ = accepted.handle(.sendResponse(try Trace.response("200 OK", to: invite, toTag: "bobtag")))
    let finishedAccepted = FinishedTransaction(finished: accepted, legacyKey: true)
    #expect(finishedAccepted.state == .accepted)
    #expect(finishedAccepted.responseToTag == "bobtag")
    #expect(finishedAccepted.requestToTag == nil)
    // The INVITE stays (the core reads it when the TU sends another 2xx), without its parsed headers.
    #expect(finishedAccepted.request?.serialize() == invite.serialize())
    #expect(finishedAccepted.request?.hasCachedTransactionHeaders == false)
    try expectSameAnswers(accepted, finishedAccepted, state: \.state) { $0.handle($1) }

    var confirmed = ServerInviteTransaction(request: invite, reliable: false)
    _ = confirmed.handle(.start)
    _ = confirmed.handle(.sendResponse(try Trace.response("486 Busy Here", to: invite, toTag: "busy")))
    _ = confirmed.handle(.received(try Trace.ack(toTag: "busy")))
    let finishedConfirmed = FinishedTransaction(finished: confirmed, legacyKey: false)
    #expect(finishedConfirmed.state == .confirmed)
    #expect(finishedConfirmed.request == nil)
    #expect(finishedConfirmed.responseToTag == "busy")
    try expectSameAnswers(confirmed, finishedConfirmed, state: \.state) { $0.handle($1) }
  }

  @Test("Client transactions in Completed (Timers D and K): the finished form answers as the machine")
  func clients() throws {
    let invite = try Trace.invite()
    var inviteTx = ClientInviteTransaction(request: invite, reliable: false)
    _ = inviteTx.handle(.start)
    _ = inviteTx.handle(.received(try Trace.response("486 Busy Here", to: invite)))
    let finishedInvite = FinishedTransaction(completed: inviteTx)
    #expect(finishedInvite.state == .completed)
    try expectSameAnswers(inviteTx, finishedInvite, state: \.state) { $0.handle($1) }

    let register = try Trace.register()
    var registerTx = ClientNonInviteTransaction(request: register, reliable: false)
    _ = registerTx.handle(.start)
    _ = registerTx.handle(.received(try Trace.response("200 OK", to: register)))
    let finishedRegister = FinishedTransaction(completed: registerTx)
    try expectSameAnswers(registerTx, finishedRegister, state: \.state) { $0.handle($1) }
  }

  @Test("The layer keeps a non-INVITE server transaction finished: the same bytes resent, gone at Timer J")
  func layerKeepsResponseOnly() throws {
    var clock = VirtualClock(TransactionLayer())
    let register = try Trace.register()
    clock.handle(.received(register, from: udpPeer))
    let id = try #require(clock.machine.records.keys.first)
    #expect(clock.machine.request(of: id) != nil)
    let first = clock.handle(.sendResponse(try Trace.response("200 OK", to: register), transaction: id))
    guard case .finished? = clock.machine.records.box(id)?.value?.machine else {
      Issue.record("not finished after its final response")
      return
    }
    #expect(clock.machine.request(of: id) == nil)
    #expect(clock.machine.state(of: id) == .completed)
    clock.advance(by: ms(20_000))
    let again = clock.handle(.received(register, from: udpPeer))
    #expect(again.sentMessages.map { $0.serialize() } == first.sentMessages.map { $0.serialize() })
    #expect(again.requestsToTU.isEmpty)
    // A response of the TU in Completed is refused, as before.
    #expect(
      clock.handle(.sendResponse(try Trace.response("500 Oops", to: register), transaction: id)).isEmpty)
    clock.advance(by: ms(12_000))
    #expect(clock.machine.count == 0)
    #expect(clock.pendingTimers == 0)
  }

  @Test("A client transaction's final response goes up with its request, then the transaction is finished")
  func clientFinishedAfterResponse() throws {
    var clock = VirtualClock(TransactionLayer())
    let invite = try Trace.invite()
    clock.handle(.sendRequest(invite, to: udpPeer))
    let id = try #require(clock.machine.records.keys.first)
    let busy = try Trace.response("486 Busy Here", to: invite)
    let first = clock.handle(.received(busy, from: udpPeer))
    guard
      case .response(let response, id, let request)? = first.first(where: {
        if case .response = $0 { true } else { false }
      })
    else {
      Issue.record("no response to the TU: \(first)")
      return
    }
    #expect(response.statusCode == 486)
    #expect(request.serialize() == invite.serialize())
    guard case .finished? = clock.machine.records.box(id)?.value?.machine else {
      Issue.record("not finished after its final response")
      return
    }
    #expect(clock.machine.request(of: id) == nil)
    let again = clock.handle(.received(busy, from: udpPeer))
    #expect(again.responsesToTU.isEmpty)
    #expect(again.sentMessages.map { $0.serialize() } == first.sentMessages.map { $0.serialize() })
    clock.advance(by: ms(32_000))
    #expect(clock.machine.count == 0)
  }

  /// An OPTIONS from an RFC 2543 client (no magic cookie), with or without a To tag.
  func legacyOptions(toTag: String? = nil) throws -> SIPMessage {
    try sip(
      """
      OPTIONS sip:bob@biloxi.example.com SIP/2.0
      Via: SIP/2.0/UDP old.example.com:5060
      To: <sip:bob@biloxi.example.com>\(toTag.map { ";tag=" + $0 } ?? "")
      From: <sip:carol@old.example.com>;tag=2543
      Call-ID: legacy-2@old.example.com
      CSeq: 8 OPTIONS
      Content-Length: 0

      """)
  }

  @Test("RFC 2543 keys of finished transactions: the To-tag check of §17.2.3 still applies")
  func legacyFinished() throws {
    var layer = TransactionLayer()
    _ = layer.handle(.received(try legacyOptions(), from: udpPeer))
    let id = try #require(layer.records.keys.first)
    _ = layer.handle(
      .sendResponse(try legacyOptions().makeResponse(statusCode: 200, toTag: "ours"), transaction: id))
    #expect(layer.state(of: id) == .completed)
    let again = layer.handle(.received(try legacyOptions(), from: udpPeer))
    #expect(again.sentMessages.map(\.statusCode) == [200])
    #expect(again.requestsToTU.isEmpty)
    // The same request with a To tag is another transaction.
    let tagged = layer.handle(.received(try legacyOptions(toTag: "ours"), from: udpPeer))
    #expect(tagged.requestsToTU.count == 1)
    #expect(layer.count == 2)
  }

  @Test("An INVITE server transaction in Accepted: CANCEL gets the 2xx's To tag, no 487 (§9.2)")
  func cancelInAccepted() throws {
    var clock = VirtualClock(
      UserAgentCore(
        configuration: .init(via: SIPVia(transport: "UDP", host: "192.0.2.4", port: 5060), seed: 42)))
    let invite = try Trace.invite()
    let received = clock.handle(.received(invite, from: udpPeer))
    let id = try #require(received.requestsToTU.first?.1)
    var ok = invite.makeResponse(statusCode: 200, toTag: "bobtag")
    ok.addHeader("Contact", "<sip:bob@192.0.2.4>")
    clock.handle(.sendResponse(ok, transaction: id))
    #expect(clock.machine.layer.request(of: id)?.serialize() == invite.serialize())
    #expect(clock.machine.layer.lastResponse(of: id) == nil)
    let actions = clock.handle(.received(invite.makeCANCEL(), from: udpPeer))
    #expect(actions.sentMessages.map(\.statusCode) == [200])
    #expect(actions.sentMessages.map(\.toTag) == ["bobtag"])
    // The TU's 2xx retransmission still passes (RFC 6026 §7.1).
    #expect(clock.handle(.sendResponse(ok, transaction: id)).sentMessages.map(\.statusCode) == [200])
  }

  @Test("A request merged with a finished one (same From tag, Call-ID, CSeq, another branch) gets 482")
  func mergedWhileFinished() throws {
    var clock = VirtualClock(
      UserAgentCore(
        configuration: .init(via: SIPVia(transport: "UDP", host: "192.0.2.4", port: 5060), seed: 42)))
    let first = clock.handle(.received(try Trace.options(), from: udpPeer))
    #expect(first.sentMessages.map(\.statusCode) == [200])
    clock.advance(by: ms(10_000))
    let merged = clock.handle(.received(try Trace.options(branch: "z9hG4bKotherpath"), from: udpPeer))
    #expect(merged.sentMessages.map(\.statusCode) == [482])
    clock.advance(by: ms(40_000))
    #expect(clock.machine.layer.count == 0)
  }
}

/// The sizes that make a record's memory (docs/benchmarks-transactions.md, txstate).
@Suite struct TransactionRecordLayoutTests {
  @Test("A transaction key is 64 bytes at most: the RFC 2543 case is out of line")
  func keySize() {
    #expect(MemoryLayout<TransactionKey>.size <= 64)
  }
}
