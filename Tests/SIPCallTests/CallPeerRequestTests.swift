import Dispatch
import Foundation
import NIOCore
import NIOPosix
import RTPMedia
import SDP
import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport
import Testing

/// What the peer does to a call: UPDATE and re-INVITE (hold, codec change), a second fork's 2xx,
/// requests for the wrong dialog, CANCEL while our sockets are being bound, overload.
@Suite("Calls: requests of the peer", .serialized)
struct CallPeerRequestTests {
  @Test(
    "an UPDATE right after answering (PJSUA) with a new codec is answered; the stream reopens in A-law and sends"
  )
  func peerUpdateRightAfterAnswer() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.cbEstablished = { call in
          // PJSUA narrows the answer's codec list with an UPDATE as soon as the call is up.
          sendUpdate(from: bob, call: call, codecs: [.pcma], direction: .sendrecv, version: 1) { response in
            let answer = try? SessionDescription(parsing: response.body)
            bob.record("update \(response.statusCode ?? 0) \(answer?.media.first?.formats.first ?? "-")")
          }
        }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.initMedia = sendSilence(alice, note: "alice media")
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(bob.waitFor("update 200 8"))
      #expect(alice.waitFor("alice media"))
      #expect(
        try eventually {
          try alice.on { try alice.onlyCall().negotiatedStreams.first?.codec?.codec.name } == "PCMA"
        })
      #expect(try eventually { try alice.firstStream().codec.law == .aLaw })
      // init_media set the new stream up: it sends.
      #expect(try eventually { (try alice.firstStreamStatistics()?.packetsSent ?? 0) >= 3 })
      #expect(try alice.on { try alice.onlyCall().state } == .established)
    }
  }

  @Test(
    "an UPDATE that holds us (sendonly) is answered recvonly: held, nothing sent; sendrecv resumes; init_media reruns on a codec change"
  )
  func peerUpdateHoldsAndResumes() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.initMedia = sendSilence(alice, note: "alice media")
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("alice media"))
      #expect(try eventually { (try alice.firstStreamStatistics()?.packetsSent ?? 0) >= 1 })

      func update(_ direction: MediaDirection, codecs: [Codec], version: UInt32, note: String) throws {
        try bob.on {
          sendUpdate(
            from: bob, call: try bob.onlyCall(), codecs: codecs, direction: direction, version: version
          ) {
            response in
            let answer = try? SessionDescription(parsing: response.body)
            bob.record(
              "\(note) \(response.statusCode ?? 0) \(answer?.direction(forMedia: 0).rawValue ?? "-")")
          }
        }
      }
      try update(.sendonly, codecs: [.pcmu], version: 1, note: "hold")
      #expect(bob.waitFor("hold 200 recvonly"))
      #expect(alice.waitFor("state held"))
      #expect(try eventually { try alice.firstStream().remoteAddress().wait() == nil })
      try update(.sendrecv, codecs: [.pcmu], version: 2, note: "resume")
      #expect(bob.waitFor("resume 200 sendrecv"))
      #expect(try eventually { try alice.firstStream().remoteAddress().wait() != nil })
      #expect(try alice.on { try alice.onlyCall().state } == .established)
      #expect(alice.log.filter { $0 == "alice media" }.count == 1)
      // A codec change on an established call: a new stream, set up again by init_media.
      try update(.sendrecv, codecs: [.pcma], version: 3, note: "recodec")
      #expect(bob.waitFor("recodec 200 sendrecv"))
      #expect(alice.waitUntil { $0.filter { $0 == "alice media" }.count == 2 })
      #expect(try alice.firstStream().codec.law == .aLaw)
    }
  }

  @Test(
    "a 2xx from a second fork is ACKed and ended with BYE; the call stays on the first; that fork's requests get 481"
  )
  func secondFork2xx() throws {
    try withAgents { alice, _ in
      let fork = try RawSIPPeer(loop: alice.loop)
      defer { fork.close() }
      let aliceAddress = try SocketAddress(ipAddress: "127.0.0.1", port: alice.port)
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in alice.record("final \(status.rawValue) \(info.code)") }
        parameters.sendBye = { _ in alice.record("alice send_bye") }
        parameters.recvBye = { _ in alice.record("alice recv_bye") }
        _ = try alice.agent.invite("sip:fork@127.0.0.1:\(fork.port)", parameters: parameters)
      }
      let invite = try #require(fork.waitForRequest("INVITE"))
      let offer = try SessionDescription(parsing: invite.body)
      func ok(tag: String) -> SIPMessage {
        var answerer = OfferAnswer(address: "127.0.0.1", sessionID: 9)
        let answer = answerer.answer(to: offer, streams: [LocalStream(port: 9)])
        var response = invite.makeResponse(
          statusCode: 200, toTag: tag, body: answer.description.bytes,
          contentType: SessionDescription.contentType)
        response.addHeader("Contact", "<sip:fork@127.0.0.1:\(fork.port)>")
        return response
      }
      // Two forks ring: two early dialogs. Only the first is the call's (RFC 3261 §12.2.2: a
      // request of the other gets 481; one of the call's own early dialog is answered).
      for tag in ["forkA", "forkB"] {
        var ringing = invite.makeResponse(statusCode: 180, toTag: tag)
        ringing.addHeader("Contact", "<sip:fork@127.0.0.1:\(fork.port)>")
        try fork.send(ringing, to: aliceAddress)
        #expect(alice.waitUntil { $0.filter { $0 == "state early" }.count >= 1 })
      }
      func info(from tag: String, cseq: UInt32) throws -> SIPMessage {
        SIPMessage.request(
          method: "INFO", uri: try SIPURI.parse("sip:alice@127.0.0.1:\(alice.port)"),
          from: SIPNameAddress(
            uri: try SIPURI.parse("sip:fork@127.0.0.1:\(fork.port)"),
            parameters: SIPParameters([.init(name: "tag", value: tag)])),
          to: try #require(invite.from), via: SIPVia(transport: "UDP", host: "127.0.0.1", port: fork.port),
          callID: invite.callID, cseq: cseq)
      }
      try fork.send(try info(from: "forkB", cseq: 5), to: aliceAddress)
      #expect(fork.waitFor { $0.statusCode == 481 && $0.cseq?.method == "INFO" } != nil)
      try fork.send(try info(from: "forkA", cseq: 6), to: aliceAddress)
      #expect(fork.waitFor { $0.statusCode == 200 && $0.cseq?.method == "INFO" } != nil)

      try fork.send(ok(tag: "forkA"), to: aliceAddress)
      #expect(fork.waitForRequest("ACK", toTag: "forkA") != nil)
      #expect(alice.waitFor("final OK 200"))
      try fork.send(ok(tag: "forkB"), to: aliceAddress)
      #expect(fork.waitForRequest("ACK", toTag: "forkB") != nil)
      let forkBye = try #require(fork.waitForRequest("BYE", toTag: "forkB"))
      try fork.send(forkBye.makeResponse(statusCode: 200), to: aliceAddress)
      // The call is the first fork's, untouched.
      let (state, remoteTag) = try alice.on { () -> (InviteSession.State, String?) in
        let call = try alice.onlyCall()
        return (call.state, call.dialog?.id.remoteTag)
      }
      #expect(state == .established)
      #expect(remoteTag == "forkA")
      #expect(fork.messages.filter { $0.method == "BYE" && $0.to?.tag == "forkA" }.count == 0)
      #expect(!alice.log.contains("alice send_bye"))

      // Fork B speaks in the dialog we ended: 481.
      let aliceTag = try #require(invite.from?.tag)
      let bye = SIPMessage.request(
        method: "BYE", uri: try SIPURI.parse("sip:alice@127.0.0.1:\(alice.port)"),
        from: SIPNameAddress(
          uri: try SIPURI.parse("sip:fork@127.0.0.1:\(fork.port)"),
          parameters: SIPParameters([.init(name: "tag", value: "forkB")])),
        to: try #require(invite.from),
        via: SIPVia(transport: "UDP", host: "127.0.0.1", port: fork.port), callID: invite.callID, cseq: 7)
      #expect(bye.to?.tag == aliceTag)
      try fork.send(bye, to: aliceAddress)
      #expect(fork.waitForResponse(481, to: "BYE") != nil)
      #expect(try alice.on { try alice.onlyCall().state } == .established)
      #expect(!alice.log.contains("alice recv_bye"))

      // Our own BYE goes to the first fork, and send_bye runs (the fork's BYE did not count).
      try alice.on { _ = try alice.onlyCall().bye() }
      let ourBye = try #require(fork.waitForRequest("BYE", toTag: "forkA"))
      try fork.send(ourBye.makeResponse(statusCode: 200), to: aliceAddress)
      #expect(alice.waitFor("alice send_bye"))
    }
  }

  @Test(
    "a CANCEL while the UAS's sockets are still being bound ends the call (487, recv_bye), never a 200; a BYE before any tag gets 481"
  )
  func cancelWhileBinding() throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    defer { try? group.syncShutdownGracefully() }
    let loop = group.next()
    let mediaLoop = group.next()
    #expect(loop !== mediaLoop)
    let bob = try AgentPeer("bob", loop: loop, mediaLoop: mediaLoop)
    let raw = try RawSIPPeer(loop: loop)
    let gate = DispatchSemaphore(value: 0)
    defer {
      gate.signal()
      raw.close()
      try? bob.close()
    }
    try bob.on {
      var parameters = CallParameters()
      parameters.recvBye = { call in bob.record("bob recv_bye \(call.hangupCause.map { "\($0)" } ?? "-")") }
      parameters.cbCleanup = { _ in bob.record("bob cleanup") }
      bob.agent.listen(UserAgent.Listener(parameters: parameters))
    }
    // The media loop is busy: no socket can be bound until the gate opens.
    mediaLoop.execute { _ = gate.wait(timeout: .now() + 10) }
    let bobAddress = try SocketAddress(ipAddress: "127.0.0.1", port: bob.port)
    let invite = try raw.invite(to: bob.uri, callID: "binding-1")
    try raw.send(invite, to: bobAddress)
    #expect(try eventually { try bob.callCount() == 1 })
    // RFC 3261 §12.2.2: no tagged response yet, so no dialog a BYE could name.
    let bye = SIPMessage.request(
      method: "BYE", uri: try SIPURI.parse(bob.uri), from: try #require(invite.from),
      to: SIPNameAddress(
        uri: try SIPURI.parse(bob.uri), parameters: SIPParameters([.init(name: "tag", value: "guess")])),
      via: SIPVia(transport: "UDP", host: "127.0.0.1", port: raw.port), callID: "binding-1", cseq: 2)
    try raw.send(bye, to: bobAddress)
    #expect(raw.waitForResponse(481, to: "BYE") != nil)
    #expect(try bob.callCount() == 1)
    try raw.send(invite.makeCANCEL(), to: bobAddress)
    #expect(raw.waitForResponse(200, to: "CANCEL") != nil)
    #expect(raw.waitForResponse(487, to: "INVITE") != nil)
    #expect(bob.waitFor("bob recv_bye remoteCancel"))
    #expect(bob.waitFor("bob cleanup"))
    #expect(try bob.callCount() == 0)
    // The sockets come too late: the call stays ended, the INVITE never gets a 200.
    gate.signal()
    #expect(try mediaLoop.submit { true }.wait())
    Thread.sleep(forTimeInterval: 0.3)
    #expect(try bob.callCount() == 0)
    #expect(raw.messages.filter { $0.cseq?.method == "INVITE" && $0.statusCode == 200 }.count == 0)
  }

  @Test("bye before our INVITE is out (sockets still being bound): send_bye, the call ends, no INVITE leaves")
  func byeBeforeInviteIsOut() throws {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
    defer { try? group.syncShutdownGracefully() }
    let loop = group.next()
    let mediaLoop = group.next()
    let alice = try AgentPeer("alice", loop: loop, mediaLoop: mediaLoop)
    let raw = try RawSIPPeer(loop: loop)
    let gate = DispatchSemaphore(value: 0)
    defer {
      gate.signal()
      raw.close()
      try? alice.close()
    }
    mediaLoop.execute { _ = gate.wait(timeout: .now() + 10) }
    try alice.on {
      var parameters = CallParameters()
      parameters.sendBye = { _ in alice.record("send_bye") }
      parameters.cbCleanup = { call in alice.record("cleanup \(call.hangupCause.map { "\($0)" } ?? "-")") }
      let call = try alice.agent.invite("sip:nobody@127.0.0.1:\(raw.port)", parameters: parameters)
      _ = call.bye()
    }
    #expect(alice.waitFor("send_bye"))
    #expect(alice.waitFor("cleanup localCancel"))
    gate.signal()
    #expect(try mediaLoop.submit { true }.wait())
    Thread.sleep(forTimeInterval: 0.3)
    #expect(raw.messages.isEmpty)
    #expect(try alice.callCount() == 0)
  }

  @Test("max_calls: an INVITE past the limit gets 503 with Retry-After; the UAC side refuses to place it")
  func overload() throws {
    try withAgents(bobConfiguration: UserAgent.Configuration(maxCalls: 1, retryAfter: 7)) { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener(handler: { call in _ = call.ring() })) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbPreliminary = { _, code, _ in alice.record("first \(code)") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("first 180"))
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in
          alice.record(
            "second \(status.rawValue) \(info.code) \(info.response?.header("Retry-After") ?? "-")")
        }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("second FAIL 503 7"))
      #expect(try bob.on { bob.agent.statistics.overloadRejections } == 1)
      #expect(try bob.callCount() == 1)
      // Our own limit: the agent refuses to place a call past it.
      try alice.on { alice.agent.configuration.maxCalls = 1 }
      #expect(throws: CallError.self) {
        try alice.on { _ = try alice.agent.invite(bob.uri, parameters: CallParameters()) }
      }
    }
  }
}

/// Sends an UPDATE with an offer inside `call`'s dialog, the way PJSUA does (the session has no
/// UPDATE command of its own: `Call.request` refuses it). Built from a copy of the dialog with
/// CSeq 100 + `version`, so it stays above what the session itself uses. On the peer's loop.
func sendUpdate(
  from peer: AgentPeer, call: Call, codecs: [Codec], direction: MediaDirection, version: UInt32,
  answered: @escaping (SIPMessage) -> Void
) {
  guard var dialog = call.dialog else { return peer.record("update: no dialog") }
  var offerer = OfferAnswer(
    capabilities: MediaCapabilities(codecs: codecs), address: "127.0.0.1", sessionID: 55,
    sessionVersion: UInt64(version))
  let offer = offerer.makeOffer([LocalStream(port: call.sdp?.media.first?.port ?? 0, direction: direction)])
  let (request, _) = dialog.makeRequest(
    method: "UPDATE", via: SIPVia(transport: "UDP", host: "127.0.0.1", port: peer.port), cseq: 100 + version,
    body: offer.bytes, contentType: SessionDescription.contentType)
  peer.agent.transport.sendRequest(request) { result in
    switch result {
    case .success(let response): answered(response)
    case .failure(let error): peer.record("update failed: \(error)")
    }
  }
}
