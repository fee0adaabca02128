import NIOCore
public import SIPCore
public import SIPProtocol

// Requests of our own: target selection (Route, Request-URI), resolution, the leg and its Via
// (RFC 3261 §8.1.2, §18.1.1, RFC 3581 §3), then a client transaction.
extension SIPTransport {
  /// Sends a request outside a dialog and reports its final response (or why there is none).
  ///
  /// The destination is `target` when given, else the first Route (a loose router) or the
  /// Request-URI (RFC 3261 §8.1.2): its host (numeric, or a name for the system resolver), its
  /// port (default 5060) and its `transport` parameter (default UDP). A name without a port is
  /// located by SRV first (RFC 3263 §4: `_sip._udp`, then `_sip._tcp`, targets in RFC 2782
  /// order), then by A/AAAA. The request leaves through
  /// a leg of that transport and address family; its top Via is replaced by one naming that leg,
  /// with a new branch and `rport` (RFC 3581 §3). Provisional responses go to `provisional`.
  /// `completion` runs once, on the event loop.
  /// `started` gets the client transaction once it exists (for ``cancel(transaction:)``).
  /// `leg` picks the leg when it has the destination's transport and address family (Net::SIP's
  /// `leg` connection parameter); else the first leg that has them.
  public func sendRequest(
    _ request: SIPMessage, target: SIPURI? = nil, leg preferred: SIPLeg? = nil,
    provisional: ((SIPMessage) -> Void)? = nil,
    started: ((TransactionID) -> Void)? = nil,
    completion: @escaping (Result<SIPMessage, SIPTransportError>) -> Void
  ) {
    eventLoop.preconditionInEventLoop()
    guard !isClosed else { return completion(.failure(SIPTransportError(.closed, ""))) }
    guard let uri = target ?? request.routes.first?.uri ?? request.requestURIValue else {
      return completion(.failure(SIPTransportError(.invalid, "the request has no usable Request-URI")))
    }
    guard request.method != "ACK" else {
      return completion(.failure(SIPTransportError(.invalid, "ACK is sent by the transaction layer")))
    }
    let endpoint = SIPEndpoint(uri: uri)
    guard let requested = SIPLeg.Transport(rawValue: endpoint.transport.lowercased()) else {
      return completion(.failure(SIPTransportError(.invalid, "unsupported transport \(endpoint.transport)")))
    }
    let host = uri.hostWithoutBrackets
    // One attempt per located server; a failed one hands the next location back here.
    func attempt(_ location: Location) {
      send(
        request, located: location, host: host, endpoint: endpoint, leg: preferred, provisional: provisional,
        started: started, next: attempt, completion: completion)
    }
    locate(uri, endpoint: endpoint, transport: requested) { result in
      switch result {
      case .success(let location):
        attempt(location)
      case .failure(let error):
        completion(.failure(SIPTransportError(.resolution, "\(host): \(error)")))
      }
    }
  }

  /// Sends `request` to a located server. When that server fails — the transaction times out or
  /// the transport reports an error, with no response heard — and the name had another address
  /// or SRV named other targets, the request goes again, as a new transaction (a new Via
  /// branch), to the next one (RFC 3263 §4.3), through `next`; `started` then hears of the new
  /// transaction.
  private func send(
    _ request: SIPMessage, located location: Location, host: String, endpoint given: SIPEndpoint,
    leg preferred: SIPLeg?, provisional: ((SIPMessage) -> Void)?, started: ((TransactionID) -> Void)?,
    next: @escaping (Location) -> Void,
    completion: @escaping (Result<SIPMessage, SIPTransportError>) -> Void
  ) {
    guard !isClosed else { return completion(.failure(SIPTransportError(.closed, ""))) }
    let address = location.address
    let transport = location.transport
    let wanted = preferred.flatMap { $0.transport == transport && $0.isIPv6 == address.isIPv6 ? $0 : nil }
    guard let leg = wanted ?? chooseLeg(transport, ipv6: address.isIPv6) else {
      return completion(
        .failure(
          SIPTransportError(
            .invalid, "no \(transport.rawValue) leg for IPv\(address.isIPv6 ? 6 : 4) to reach \(address)")))
    }
    guard core.layer.count < configuration.maxTransactions else {
      return completion(.failure(SIPTransportError(.overload, "\(core.layer.count) transactions alive")))
    }
    let ip = address.ipAddress ?? host
    let endpoint = SIPEndpoint(
      transport: transport.viaName, host: address.isIPv6 ? "[\(ip)]" : ip, port: address.port ?? given.port)
    var message = request
    var via = SIPVia(
      transport: transport.viaName, host: viaHost(of: leg, towards: address), port: leg.port,
      branch: SIPIdentifiers.branch(using: &rng))
    via.rport = .requested
    if message.hasHeader("Via") { message.removeFirstValue("Via") }
    message.prependHeader("Via", via.description)
    let actions = core.handle(.sendRequest(message, to: endpoint))
    var id: TransactionID?
    for case .send(_, _, let tx?) in actions {
      id = tx
      break
    }
    guard let id else {
      let reason = actions.compactMap { action -> String? in
        if case .discarded(_, let reason) = action { return reason }
        return nil
      }.first
      return completion(.failure(SIPTransportError(.invalid, reason ?? "no transaction was made")))
    }
    var finish = completion
    var hear = provisional
    if location.hasNext {
      // A server that answered anything is alive: its outcome is final. Only silence or a
      // transport error moves on to the next address or SRV target.
      var heard = false
      hear = { response in
        heard = true
        provisional?(response)
      }
      finish = { [self] result in
        guard case .failure(let error) = result, error.kind == .timeout || error.kind == .transport, !heard,
          !isClosed
        else { return completion(result) }
        let target = address.isIPv6 ? "[\(ip)]:\(endpoint.port)" : "\(ip):\(endpoint.port)"
        let what = location.alternatives.isEmpty ? "SRV target" : "address"
        logger.notice("server \(target) for \(host) failed (\(error)); trying the next \(what)")
        locateNext(after: location) { located in
          switch located {
          case .success(let following): next(following)
          case .failure: completion(result)
          }
        }
      }
    }
    transactionLegs[id] = TransactionRoute(leg: leg)
    clients[id] = ClientRequest(completion: finish, provisional: hear)
    started?(id)
    perform(actions)
  }

  /// ACKs the 2xx of this dialog, with the answer of a late offer in `body` (RFC 3261
  /// §13.2.2.4, RFC 3264 §5). Only with ``SIPTransportConfiguration/acksAutomatically`` off; the
  /// core resends this ACK for every retransmission of the 2xx. `leg`: the leg the INVITE left
  /// from, named in the ACK's Via and its source (nil: the first leg of the transport and family).
  public func sendACK(dialog: DialogID, body: [UInt8] = [], contentType: String? = nil, leg: SIPLeg? = nil) {
    eventLoop.preconditionInEventLoop()
    guard !isClosed else { return }
    let via = leg.map {
      SIPVia(transport: $0.transport.viaName, host: viaHost(of: $0, towards: nil), port: $0.port)
    }
    perform(core.handle(.sendACK(dialog: dialog, body: body, contentType: contentType, via: via)))
  }

  /// Cancels our INVITE (RFC 3261 §9.1): the CANCEL leaves once a provisional response has come.
  public func cancel(transaction: TransactionID) {
    eventLoop.preconditionInEventLoop()
    guard !isClosed else { return }
    perform(core.handle(.cancel(transaction)))
  }

  /// The host written in Via for a leg: its address, or for a wildcard leg its advertised host,
  /// else the loopback address when the peer is on loopback.
  func viaHost(of leg: SIPLeg, towards address: SocketAddress?) -> String {
    var host = leg.host
    if leg.isWildcard {
      if let advertised = leg.advertisedHost {
        host = advertised
      } else if let ip = address?.ipAddress, !(ip.hasPrefix("127.") || ip == "::1") {
        host = ip.contains(":") ? "::1" : "127.0.0.1"
        logger.warning("leg \(leg) is a wildcard without an advertised host: Via says \(host)")
      } else {
        host = leg.isIPv6 ? "::1" : "127.0.0.1"
      }
    }
    return host.contains(":") ? "[\(host)]" : host
  }
}
