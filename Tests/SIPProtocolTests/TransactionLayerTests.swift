import SIPCore
import Testing

@testable import SIPProtocol

/// Matching (RFC 3261 §17.1.3, §17.2.3, §9.2), overload and timer ids of the transaction layer.
@Suite struct TransactionLayerTests {
  /// An INVITE from an RFC 2543 client: no magic cookie in its Via.
  func legacyInvite(via: String = "SIP/2.0/UDP old.example.com:5060") throws -> SIPMessage {
    try sip(
      """
      INVITE sip:bob@biloxi.example.com SIP/2.0
      Via: \(via)
      To: <sip:bob@biloxi.example.com>
      From: <sip:carol@old.example.com>;tag=2543
      Call-ID: legacy-1@old.example.com
      CSeq: 7 INVITE
      Contact: <sip:carol@old.example.com>
      Content-Length: 0

      """)
  }

  func legacyACK(toTag: String) throws -> SIPMessage {
    try sip(
      """
      ACK sip:bob@biloxi.example.com SIP/2.0
      Via: SIP/2.0/UDP old.example.com:5060
      To: <sip:bob@biloxi.example.com>;tag=\(toTag)
      From: <sip:carol@old.example.com>;tag=2543
      Call-ID: legacy-1@old.example.com
      CSeq: 7 ACK
      Content-Length: 0

      """)
  }

  @Test("Responses match by branch and CSeq method: the CANCEL's 200 and the INVITE's 487 share a branch")
  func responseMatching() throws {
    var layer = TransactionLayer()
    let invite = try Trace.invite()
    _ = layer.handle(.sendRequest(invite, to: udpPeer))
    _ = layer.handle(.received(try Trace.response("180 Ringing", to: invite), from: udpPeer))
    _ = layer.handle(.sendRequest(invite.makeCANCEL(), to: udpPeer))
    #expect(layer.count == 2)
    let cancelOK = layer.handle(
      .received(try Trace.response("200 OK", to: invite.makeCANCEL()), from: udpPeer))
    guard
      case .response(let ok, let cancelID, _)? = cancelOK.first(where: {
        if case .response = $0 { true } else { false }
      })
    else {
      Issue.record("no response: \(cancelOK)")
      return
    }
    #expect(ok.cseq?.method == "CANCEL")
    #expect(cancelID == TransactionID(rawValue: 2))
    let terminated = layer.handle(
      .received(try Trace.response("487 Request Terminated", to: invite), from: udpPeer))
    guard
      case .response(_, let inviteID, _)? = terminated.first(where: {
        if case .response = $0 { true } else { false }
      })
    else {
      Issue.record("no response: \(terminated)")
      return
    }
    #expect(inviteID == TransactionID(rawValue: 1))
  }

  @Test("A response with an unknown branch is stray (RFC 3261 §18.1.2)")
  func strayResponse() throws {
    var layer = TransactionLayer()
    let actions = layer.handle(
      .received(try Trace.response("200 OK", to: try Trace.register()), from: udpPeer))
    guard case .strayResponse? = actions.first else {
      Issue.record("\(actions)")
      return
    }
  }

  @Test("RFC 2543 fallback: a retransmission matches by Request-URI, tags, Call-ID, CSeq and top Via")
  func legacyRetransmission() throws {
    var layer = TransactionLayer()
    let first = layer.handle(.received(try legacyInvite(), from: udpPeer))
    #expect(first.requestsToTU.count == 1)
    let again = layer.handle(.received(try legacyInvite(), from: udpPeer))
    #expect(again.requestsToTU.isEmpty)
    #expect(again.sentMessages.map(\.statusCode) == [100])
    // Another top Via is another transaction.
    let other = layer.handle(
      .received(try legacyInvite(via: "SIP/2.0/UDP elsewhere.example.com"), from: udpPeer))
    #expect(other.requestsToTU.count == 1)
    #expect(layer.count == 2)
  }

  @Test("RFC 2543 fallback: the ACK matches when its To tag is the one of our response")
  func legacyACKMatching() throws {
    var layer = TransactionLayer()
    let invite = try legacyInvite()
    _ = layer.handle(.received(invite, from: udpPeer))
    let id = try #require(layer.records.keys.first)
    _ = layer.handle(.sendResponse(invite.makeResponse(statusCode: 486, toTag: "ours"), transaction: id))
    let wrong = layer.handle(.received(try legacyACK(toTag: "not-ours"), from: udpPeer))
    guard case .ack? = wrong.first else {
      Issue.record("\(wrong)")
      return
    }
    #expect(layer.state(of: id) == .completed)
    _ = layer.handle(.received(try legacyACK(toTag: "ours"), from: udpPeer))
    #expect(layer.state(of: id) == .confirmed)
  }

  @Test("An ACK with a new branch (the ACK of a 2xx) matches no transaction and goes to the core")
  func ackFor2xx() throws {
    var layer = TransactionLayer()
    _ = layer.handle(.received(try Trace.invite(), from: udpPeer))
    let id = try #require(layer.records.keys.first)
    _ = layer.handle(.sendResponse(try Trace.response("200 OK", to: try Trace.invite()), transaction: id))
    let actions = layer.handle(.received(try Trace.ack(branch: "z9hG4bKnewack"), from: udpPeer))
    guard case .ack? = actions.first else {
      Issue.record("\(actions)")
      return
    }
  }

  @Test("CANCEL matching (§9.2): same branch and sent-by as the INVITE; another branch matches nothing")
  func cancelMatching() throws {
    var layer = TransactionLayer()
    let invite = try Trace.invite()
    _ = layer.handle(.received(invite, from: udpPeer))
    #expect(layer.inviteTransaction(cancelledBy: invite.makeCANCEL()) == TransactionID(rawValue: 1))
    #expect(
      layer.inviteTransaction(cancelledBy: try Trace.invite(branch: "z9hG4bKother").makeCANCEL()) == nil)
  }

  @Test("Merged requests (§8.2.2.2): same From tag, Call-ID and CSeq under another branch")
  func merged() throws {
    var layer = TransactionLayer()
    _ = layer.handle(.received(try Trace.invite(), from: udpPeer))
    let second = try Trace.invite(branch: "z9hG4bKviaproxy2")
    _ = layer.handle(.received(second, from: udpPeer))
    #expect(layer.isMerged(second, transaction: TransactionID(rawValue: 2)))
    #expect(!layer.isMerged(try Trace.invite(), transaction: TransactionID(rawValue: 1)))
  }

  @Test("Overload: past maxTransactions a new request gets 503 with Retry-After and no state")
  func overload() throws {
    var layer = TransactionLayer(configuration: .init(maxTransactions: 2, retryAfter: 7))
    _ = layer.handle(.received(try Trace.invite(branch: "z9hG4bK1"), from: udpPeer))
    _ = layer.handle(.received(try Trace.register(branch: "z9hG4bK2"), from: udpPeer))
    let refused = layer.handle(.received(try Trace.options(branch: "z9hG4bK3"), from: udpPeer))
    #expect(refused.sentMessages.map(\.statusCode) == [503])
    #expect(refused.sentMessages.first?.header("Retry-After") == "7")
    guard case .send(_, _, nil)? = refused.first else {
      Issue.record("the 503 should be stateless: \(refused)")
      return
    }
    #expect(layer.count == 2)
    // A flood of new requests keeps memory flat.
    for n in 0..<1000 {
      _ = layer.handle(.received(try Trace.options(branch: "z9hG4bKflood\(n)"), from: udpPeer))
    }
    #expect(layer.count == 2)
    #expect(layer.timerOwners.count <= 4)
  }

  @Test("A timer fired after it was cancelled is ignored")
  func staleTimer() throws {
    var layer = TransactionLayer()
    let invite = try Trace.invite()
    let start = layer.handle(.sendRequest(invite, to: udpPeer))
    let timerA = try #require(
      start.compactMap { if case .armTimer(let id, _, _) = $0 { return id } else { return nil } }.first)
    _ = layer.handle(.received(try Trace.response("180 Ringing", to: invite), from: udpPeer))
    #expect(layer.handle(.timerFired(timerA)).isEmpty)
    #expect(layer.handle(.timerFired(TimerID(rawValue: 999))).isEmpty)
  }

  @Test("A request without Via cannot be answered and is dropped")
  func noVia() throws {
    var layer = TransactionLayer()
    let request = try sip(
      """
      OPTIONS sip:bob@biloxi.example.com SIP/2.0
      To: <sip:bob@biloxi.example.com>
      From: <sip:alice@atlanta.example.com>;tag=1
      Call-ID: novia
      CSeq: 1 OPTIONS
      Content-Length: 0

      """)
    guard case .discarded? = layer.handle(.received(request, from: udpPeer)).first else {
      Issue.record("not discarded")
      return
    }
    #expect(layer.count == 0)
  }

  @Test("An ACK handed to the layer is sent without a client transaction")
  func ackIsStateless() throws {
    var layer = TransactionLayer()
    let actions = layer.handle(.sendRequest(try Trace.ack(branch: "z9hG4bK2xxack"), to: udpPeer))
    guard actions.count == 1, case .send(_, _, nil) = actions[0] else {
      Issue.record("\(actions)")
      return
    }
    #expect(layer.count == 0)
  }
}
