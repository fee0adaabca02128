import Logging
import SIPCore
import SIPProtocol
import SIPTransport

// Every request and dialog event of the transport reaches its call here; new INVITEs start calls.
extension UserAgent {
  /// Whether a method belongs to a call when its Call-ID names one. A switch over the literals,
  /// not a `Set<String>`: hashing the method for each request cost ~400 instructions, the
  /// comparisons a few dozen (docs/benchmarks-calls.md, "arc").
  static func isCallMethod(_ method: String) -> Bool {
    switch method {
    case "INVITE", "ACK", "BYE", "CANCEL", "UPDATE", "INFO", "REFER", "NOTIFY", "PRACK", "OPTIONS", "MESSAGE":
      true
    default: false
    }
  }

  func route(_ request: SIPIncomingRequest) {
    let message = request.message
    let method = message.method ?? ""
    if Self.isCallMethod(method), let call = call(for: message) {
      call.receive(request)
      return
    }
    if let authenticator, authenticator.applies(to: message) {
      // RFC 3261 §22.4: a new request without valid credentials is challenged (401) before it
      // reaches a listener, a filter or a call (no RTP sockets for strangers).
      authenticator.check(message, on: eventLoop) { [weak self] verdict in
        guard let self else { return }
        switch verdict {
        case .accept: routeNew(request)
        case .refuse(let response): transport.respond(response, to: request.transaction)
        }
      }
      return
    }
    routeNew(request)
  }

  /// A request that belongs to no call: a new INVITE for the listener, else the fallback.
  func routeNew(_ request: SIPIncomingRequest) {
    let message = request.message
    let method = message.method ?? ""
    guard method == "INVITE", message.toTag == nil else {
      if let fallbackHandler {
        fallbackHandler(request)
      } else if message.toTag != nil {
        // RFC 3261 §12.2.2: a request for a dialog we do not have.
        respond(request, code: 481)
      } else {
        respond(request, code: 501)
      }
      return
    }
    guard let listener else {
      if let fallbackHandler {
        fallbackHandler(request)
      } else {
        respond(request, code: 480)
      }
      return
    }
    guard calls.count < configuration.maxCalls else {
      // DESIGN §8: refuse early and say when to come back, rather than collapse.
      statistics.overloadRejections += 1
      var busy = message.makeResponse(statusCode: 503, toTag: SIPIdentifiers.tag(using: &rng))
      busy.addHeader("Retry-After", String(configuration.retryAfter))
      transport.respond(busy, to: request.transaction)
      return
    }
    if let filter = listener.filter, let from = message.from, let code = filter(from, message) {
      // DESIGN §8: a call refused by a filter gets a final response, never silence.
      statistics.callsRefused += 1
      respond(request, code: (300..<700).contains(code) ? code : 403)
      return
    }
    guard let callID = message.callID else { return respond(request, code: 400) }
    let leg =
      transport.legs.first { $0.description == request.leg }
      ?? chooseLeg(nil, for: message.contacts.first?.uri)
    guard let leg else { return respond(request, code: 500) }
    let call = Call(agent: self, role: .uas, callID: callID, leg: leg, parameters: listener.parameters)
    call.listener = listenerCallbacks
    calls[call.key] = call
    statistics.callsReceived += 1
    call.startIncoming(request)
  }

  func route(_ event: SIPDialogEvent) {
    switch event {
    case .response(let response, _, _):
      if let callID = response.callID, let call = calls[Call.key(callID, .uac)] {
        call.receiveLateResponse(response)
      } else if let code = response.statusCode, (200..<300).contains(code), response.cseq?.method == "INVITE"
      {
        // A 2xx nobody waits for: ACK it (RFC 3261 §13.2.2.4) and end the dialog it made.
        strayInvite2xx(response)
      }
    case .ackReceived(let ack, let dialog):
      calls[Call.key(dialog.callID, .uas)]?.receiveACK(ack)
    case .cancelled(let transaction):
      calls.values.first { $0.inviteServerTransaction == transaction }?.peerCancelled()
    case .ackTimeout(let dialog):
      calls[Call.key(dialog.callID, .uas)]?.ackTimedOut()
    case .dialogTerminated:
      break
    }
  }

  /// The call a request of the peer belongs to. A UA may call itself, so a Call-ID can name two
  /// calls here: ours as UAC (the request's To tag is our From tag) and ours as UAS.
  func call(for request: SIPMessage) -> Call? {
    guard let callID = request.callID else { return nil }
    if outgoingCallCount > 0, let toTag = request.toTag, let outgoing = calls[Call.key(callID, .uac)],
      outgoing.localTag == toTag
    {
      return outgoing
    }
    return calls[Call.key(callID, .uas)]
  }

  func respond(_ request: SIPIncomingRequest, code: Int) {
    let response = request.message.makeResponse(statusCode: code, toTag: SIPIdentifiers.tag(using: &rng))
    transport.respond(response, to: request.transaction)
  }

  func strayInvite2xx(_ response: SIPMessage) {
    guard let callID = response.callID, let local = response.fromTag, let remote = response.toTag else {
      return
    }
    let dialog = DialogID(callID: callID, localTag: local, remoteTag: remote)
    transport.sendACK(dialog: dialog)
    logger.info("ACKed a 2xx of no call", metadata: ["call-id": "\(callID)"])
  }
}
