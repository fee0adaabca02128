import Logging
import NIOCore
import RTPMedia
import SDP
import SIPCore
import SIPProtocol
import SIPTransport

// Driving the InviteSession: starting it, feeding it messages and timers, performing its actions.
extension Call {
  // MARK: - Starting

  /// UAC: binds the media sockets, then sends the INVITE.
  func startOutgoing(to target: SIPNameAddress) {
    var target = target
    target.tag = nil
    peer = target
    let local = agent.localAddress(on: leg)
    localAddress = local
    openSockets(count: parameters.mediaLocalSockets?.count ?? 1) { [self] result in
      switch result {
      case .failure(let error):
        agent.logger.error("call: no RTP socket: \(error)", metadata: ["call-id": "\(id)"])
        parameters.cbFinal?(.fail, self, FinalInfo(code: 0, reason: "no RTP socket: \(error)"))
        finish(.badMedia("no RTP socket"))
      case .success:
        guard !finished else { return rtpCleanup() }
        session = makeSession(role: .uac, local: local)
        handle(.invite(to: target, requestURI: nil, callID: id))
        let waiting = waitingForSession
        waitingForSession.removeAll()
        for command in waiting { command() }
      }
    }
  }

  /// UAS: binds one socket per stream we can serve in the offer, then lets the listener decide.
  func startIncoming(_ request: SIPIncomingRequest) {
    let message = request.message
    invite = message
    peer = message.from
    inviteServerTransaction = request.transaction
    remember(request)
    if parameters.sdp != nil, parameters.mediaLocalSockets == nil {
      // As for invite: a given `sdp` describes given sockets; without them it cannot be answered.
      agent.logger.error("listen: 'sdp' needs 'media_lsocks'", metadata: ["call-id": "\(id)"])
      reply(to: message, request.transaction, code: 500)
      return finish(.badMedia("sdp without media_lsocks"))
    }
    var count = 1
    // Read once: the session takes the parsed offer with the INVITE.
    let offerBody = InviteSession.sdpBody(of: message)
    if case .success(let offer?) = offerBody {
      count = capabilities.servableStreamCount(in: offer)
      if count == 0 {
        // RFC 3261 §13.3.1.3 / RFC 3264 §6: nothing in the offer can be served.
        reply(to: message, request.transaction, code: 488)
        return finish(.rejected(488))
      }
    }
    if let given = parameters.mediaLocalSockets { count = given.count }
    var local = message.to ?? SIPNameAddress(uri: SIPURI(host: leg.host))
    local.tag = nil
    localAddress = local
    openSockets(count: count) { [self] result in
      switch result {
      case .failure(let error):
        agent.logger.error("call: no RTP socket: \(error)", metadata: ["call-id": "\(id)"])
        reply(to: message, request.transaction, code: 503)
        finish(.badMedia("no RTP socket"))
      case .success:
        guard !finished else { return rtpCleanup() }
        session = makeSession(role: .uas, local: local)
        handle(.receivedInitialInvite(message, offer: offerBody))
        guard !finished else { return }
        parameters.cbInvite?(self, message)
        if let create = listener?.cbCreate, !create(self, message) {
          agent.statistics.callsRefused += 1
          _ = reject(code: 603)
          return
        }
        if let handler = listener?.handler {
          handler(self)
        } else if state == .incoming {
          // Net::SIP's listen answers at once.
          _ = answer()
        }
      }
    }
  }

  var capabilities: MediaCapabilities {
    var capabilities = agent.configuration.capabilities
    if let names = parameters.codecs {
      let wanted = names.map { $0.uppercased() }
      let known = capabilities.codecs + [.pcmu, .pcma]
      capabilities.codecs = wanted.compactMap { name in known.first { $0.name.uppercased() == name } }
    }
    return capabilities
  }

  /// The call's INVITE session: our address, the leg's Contact and Via, our SDP's settings, one
  /// stream per bound socket. Each part is handed to the session as it is made (a
  /// `Configuration` built first was copied into the session and destroyed).
  func makeSession(role: InviteSession.Role, local: SIPNameAddress) -> InviteSession {
    var offerAnswer = OfferAnswer(
      capabilities: capabilities, address: agent.mediaHost(on: leg),
      sessionID: BufferedRandomNumberGenerator.random(in: 1...UInt64(Int64.max)),
      username: agent.configuration.user)
    if let given = parameters.sdp { offerAnswer.fixedDescription = given }
    // The leg's advertised host, Contact and its text, made once per leg.
    let addressing = agent.addressing(on: leg)
    return InviteSession(
      role: role, localAddress: local, contact: addressing.contact, contactText: addressing.contactText,
      via: SIPVia(transport: leg.transport.viaName, host: addressing.host, port: leg.port),
      offerAnswer: offerAnswer, streams: sockets.map { LocalStream(port: $0.port) },
      sdpOnAck: parameters.sdpOnAck, ringTime: parameters.ringTime,
      seed: BufferedRandomNumberGenerator.random(in: 1...UInt64.max),
      initialDirection: parameters.callOnHold ? .sendonly : .sendrecv)
  }

  // MARK: - Messages in

  /// A request of this call from the transport (the initial INVITE's retransmissions are
  /// absorbed below; CANCEL is answered by the core and comes as ``peerCancelled()``).
  func receive(_ request: SIPIncomingRequest) {
    let message = request.message
    remember(request)
    guard session != nil, !finished else {
      if !finished, message.method == "BYE" {
        // The peer hung up while our sockets were still being bound: RFC 3261 §15.1.2, the
        // INVITE still pending gets 487.
        reply(to: message, request.transaction, code: 200)
        if let invite, let transaction = inviteServerTransaction {
          reply(to: invite, transaction, code: 487)
        }
        hangupCause = .remoteBye
        parameters.recvBye?(self)
        finish(.remoteBye)
      } else {
        reply(to: message, request.transaction, code: finished ? 481 : 500)
      }
      return
    }
    if let dialogID = session?.dialog?.id, let toTag = message.toTag,
      toTag != dialogID.localTag || message.fromTag != dialogID.remoteTag
    {
      // RFC 3261 §12.2.2: the Call-ID is ours but the tags name another dialog.
      return reply(to: message, request.transaction, code: 481)
    }
    if message.method == "INVITE", message.toTag != nil {
      parameters.cbInvite?(self, message)
      if parameters.clearSDP, parameters.sdp == nil, state == .established || state == .held {
        // Net::SIP `clear_sdp`: new sockets for a new INVITE, then answer it. (A given `sdp`
        // names the given sockets, so it keeps them.)
        return renewSockets { [self] renewed in
          if renewed {
            handle(.received(message))
          } else {
            reply(to: message, request.transaction, code: 500)
          }
        }
      }
    }
    handle(.received(message))
  }

  /// The peer's ACK for our 2xx.
  func receiveACK(_ ack: SIPMessage) {
    guard session != nil, !finished else { return }
    handle(.received(ack))
  }

  /// A response the transport could not give to a pending request: a 2xx from a second fork.
  func receiveLateResponse(_ response: SIPMessage) {
    guard session != nil else { return }
    handle(.received(response))
  }

  /// The core answered the peer's CANCEL (200 + 487).
  func peerCancelled() {
    guard !finished else { return }
    guard session != nil else {
      // Cancelled while our sockets were still being bound: no session will answer it.
      hangupCause = .remoteCancel
      parameters.recvBye?(self)
      return finish(.remoteCancel)
    }
    handle(.peerCancelled)
  }

  /// The core gave up waiting for the ACK of our 2xx and sent BYE.
  func ackTimedOut() {
    guard session != nil, !finished else { return }
    handle(.ackTimeout)
  }

  func remember(_ request: SIPIncomingRequest) {
    guard let cseq = request.message.cseq else { return }
    serverTransactions.set(request.transaction, for: cseq)
  }

  func reply(to request: SIPMessage, _ transaction: TransactionID, code: Int) {
    let response = request.makeResponse(statusCode: code, toTag: SIPIdentifiers.tag(using: &agent.rng))
    agent.transport.respond(response, to: transaction)
  }

  // MARK: - The session's actions

  func handle(_ event: InviteSession.Event) {
    // Mutated in place: a copy taken out and stored back would hold the session twice while it
    // runs, so that every change to its dialog, offer/answer or INVITE copies their storage.
    // The session is pure (it calls nothing of the call), so the access cannot overlap another.
    guard session != nil else { return }
    let actions = session!.handle(event)
    perform(actions)
  }

  func perform(_ actions: [InviteSession.Action]) {
    for action in actions {
      switch action {
      case .sendRequest(let request, _): send(request)
      case .sendResponse(let response): sendResponse(response)
      case .armTimer(let timer, let after):
        timers.removeValue(forKey: timer)?.cancel()
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        timers[timer] = eventLoop.scheduleTask(in: after.timeAmount) {
          let call = bound.value
          call.timers[timer] = nil
          call.handle(.timerFired(timer))
        }
      case .cancelTimer(let timer):
        timers.removeValue(forKey: timer)?.cancel()
      case .stateChanged(let state):
        agent.observer?(self, .stateChanged(state))
      case .preliminary(let code):
        if let response = lastResponse { parameters.cbPreliminary?(self, code, response) }
        agent.observer?(self, .preliminary(code))
      case .final(let outcome, let code):
        let info = FinalInfo(code: code, reason: lastResponse?.reasonPhrase, response: lastResponse)
        if let completion = reinviteCompletion {
          reinviteCompletion = nil
          completion(outcome, info)
        } else {
          parameters.cbFinal?(outcome, self, info)
        }
        agent.observer?(self, .final(outcome, info))
      case .established:
        parameters.cbEstablished?(self)
        listener?.cbEstablished?(self)
        agent.observer?(self, .established)
      case .mediaUpdate(let negotiated):
        applyMedia(negotiated)
      case .noAnswer:
        parameters.cbNoAnswer?(self)
      case .remoteHangup(let cause):
        // recv_bye may read call.hangup_cause.
        hangupCause = cause
        parameters.recvBye?(self)
      case .dtmfInfo(let info):
        receiveInfoDTMF(info.digit, duration: info.duration)
      case .refer(let target, let request):
        receiveRefer(target: target, request: request)
      case .notify(let request):
        receiveNotify(request)
      case .mediaError(let reason):
        agent.logger.warning("call: media: \(reason)", metadata: ["call-id": "\(id)"])
      case .refused(let reason):
        lastRefusal = reason
      case .terminated(let cause):
        finish(cause)
      }
    }
  }

  /// The response being handled (for `cb_final`'s and `cb_preliminary`'s details).
  var lastResponse: SIPMessage? {
    get { currentResponse }
    set { currentResponse = newValue }
  }

  /// Sends a request of the session. `authAttempt` counts the times it was sent again with
  /// credentials after a challenge, and `completion` then carries the first sending's completion
  /// (OutgoingAuthentication.swift).
  func send(
    _ request: SIPMessage, authAttempt: Int = 0,
    completion retriedCompletion: ((Result<SIPMessage, CallError>) -> Void)? = nil
  ) {
    let method = request.method ?? ""
    switch method {
    case "ACK":
      guard let callID = request.callID, let local = request.fromTag, let remote = request.toTag else {
        return
      }
      let contentType = request.body.isEmpty ? nil : request.header("Content-Type")
      agent.transport.sendACK(
        dialog: DialogID(callID: callID, localTag: local, remoteTag: remote), body: request.body,
        contentType: contentType, leg: leg)
      return
    case "CANCEL":
      // RFC 3261 §9.1: the CANCEL must match the INVITE's Via branch; the core builds it.
      if let transaction = inviteClientTransaction {
        agent.transport.cancel(transaction: transaction)
      } else {
        cancelWanted = true
      }
      return
    default:
      break
    }
    var request = request
    let initial = method == "INVITE" && request.toTag == nil
    if let dialog, request.toTag != dialog.id.remoteTag, !initial {
      // The BYE that ends a dialog made by a second fork's 2xx (RFC 3261 §13.2.2.4): not the
      // call's own, so its response means nothing to the call.
      agent.transport.sendRequest(request, leg: leg) { _ in }
      return
    }
    if method == "INVITE", authAttempt == 0 {
      for header in parameters.sipHeaders { request.addHeader(header.name, header.value) }
    }
    if method == "BYE" { sentBye = true }
    if initial { invite = request }
    let requestCompletion = retriedCompletion ?? pendingRequestCompletion
    let target = initial ? agent.configuration.outgoingProxy : nil
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    agent.transport.sendRequest(
      request, target: target, leg: leg,
      provisional: { response in bound.value.responseArrived(response) },
      started: { transaction in
        guard initial else { return }
        let call = bound.value
        call.inviteClientTransaction = transaction
        if call.cancelWanted {
          call.cancelWanted = false
          call.agent.transport.cancel(transaction: transaction)
        }
      },
      completion: { result in
        let call = bound.value
        // RFC 3261 §22.2: a 401/407 is answered with our credentials by sending the request
        // again (the session gives it its new CSeq); that request's outcome is this one's.
        if case .success(let response) = result,
          call.sendAuthenticated(
            request, challengedBy: response, attempt: authAttempt, completion: requestCompletion)
        {
          return
        }
        switch result {
        case .success(let response):
          if initial { call.finalResponse = response }
          call.responseArrived(response)
          if method == "BYE" { call.byeDone(.success(response)) }
          requestCompletion?(.success(response))
        case .failure(let error):
          call.agent.logger.info("call: \(method) failed: \(error)", metadata: ["call-id": "\(call.id)"])
          let failure: InviteSession.RequestFailure = error.kind == .timeout ? .timeout : .transportError
          call.handle(.requestFailed(method: method, failure: failure))
          if method == "BYE" { call.byeDone(.failure(CallError("BYE: \(error)"))) }
          requestCompletion?(.failure(CallError("\(method): \(error)")))
        }
      })
  }

  func responseArrived(_ response: SIPMessage) {
    lastResponse = response
    handle(.received(response))
    lastResponse = nil
  }

  func byeDone(_ result: Result<SIPMessage, CallError>) {
    let completions = byeCompletions
    byeCompletions.removeAll()
    for completion in completions { completion(result) }
  }

  func sendResponse(_ response: SIPMessage) {
    guard let cseq = response.cseq, let transaction = serverTransactions.transaction(for: cseq) else {
      agent.logger.debug(
        "call: no transaction for a \(response.statusCode ?? 0) response", metadata: ["call-id": "\(id)"])
      return
    }
    if cseq.method == "INVITE", let code = response.statusCode, (101..<300).contains(code),
      let dialog = session?.dialog
    {
      // The session's dialog is the one this response makes or confirms (its tags and our
      // Contact are in it): the core keeps it rather than parsing the response to build it again.
      agent.transport.respond(response, to: transaction, dialog: dialog)
    } else {
      agent.transport.respond(response, to: transaction)
    }
    if let code = response.statusCode, code >= 200, cseq.method != "INVITE" {
      serverTransactions.remove(cseq)
    }
  }

  // MARK: - The end

  func finish(_ cause: InviteSession.HangupCause) {
    guard !finished else { return }
    finished = true
    hangupCause = cause
    for timer in timers.values { timer.cancel() }
    timers.removeAll()
    waitingForSession.removeAll()
    if let completion = reinviteCompletion {
      reinviteCompletion = nil
      completion(.fail, FinalInfo(code: 0, reason: "the call ended"))
    }
    finishTransfer(.failure(CallError("transfer: the call ended")), code: nil)
    agent.observer?(self, .terminated(cause))
    rtpCleanup()
    let callbacks = cleanupCallbacks
    cleanupCallbacks.removeAll()
    for callback in callbacks { callback() }
    parameters.cbCleanup?(self)
    listener?.cbCleanup?(self)
    agent.forget(self)
    if !byeCompletions.isEmpty, !sentBye {
      byeDone(.failure(CallError("the call ended without a BYE of ours (\(cause))")))
    }
  }
}

extension Duration {
  var timeAmount: TimeAmount {
    let (seconds, attoseconds) = components
    return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
  }
}
