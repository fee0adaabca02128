import NIOCore
public import SIPCore
public import SIPProtocol

// The dispatcher: messages in from the legs, the core's actions out (RFC 3261 §17, §18).
extension SIPTransport {
  // MARK: - Messages in

  func receiveDatagram(_ buffer: ByteBuffer, from remote: SocketAddress, on leg: SIPLeg) {
    guard !isClosed else { return }
    if simulatedLoss > 0, Double.random(in: 0..<1) < simulatedLoss {
      statistics.simulatedDrops += 1
      return
    }
    guard buffer.readableBytes <= configuration.maxMessageSize else {
      // The receive buffer is one byte larger than the limit: a full buffer means a datagram
      // at least that large (the kernel truncated it). Drop it.
      statistics.malformed += 1
      logger.debug("dropped a datagram over \(configuration.maxMessageSize) bytes from \(remote)")
      return
    }
    // The datagram copied out of NIO's buffer once (memcpy); the message keeps this array.
    let bytes = buffer.withUnsafeReadableBytes { [UInt8]($0) }
    // CRLF keep-alives (RFC 5626 §4.4.1) and empty datagrams are not messages. A message starts
    // with a letter: only a datagram starting with CR or LF is looked at whole (not every byte of
    // every datagram).
    if bytes.first.map({ $0 == 0x0D || $0 == 0x0A }) ?? true,
      bytes.allSatisfy({ $0 == 0x0D || $0 == 0x0A })
    {
      return
    }
    if configuration.trace != nil {
      trace("recv", .udp, local: leg.description, remote: "\(remote)", bytes)
    }
    let message: SIPMessage
    do {
      message = try SIPMessage.parse(bytes: bytes)
    } catch {
      // RFC 3261 §18.3/§16.3: a datagram we cannot frame is dropped (no reliable place to answer).
      statistics.malformed += 1
      logger.debug("dropped an unparsable datagram from \(remote): \(error)")
      return
    }
    receive(message, from: remote, on: leg)
  }

  /// Handles a message just parsed. It is taken over (`consuming`): the callers drop theirs, so
  /// that the Via stamp changes the header offsets in place instead of copying them, and the
  /// caller's copy is not released after. The stamp still writes into a new buffer sized exactly
  /// for the stamped message (`stampTopVia` reserves it), so that a request a transaction keeps
  /// is no larger than before (round 4 of docs/benchmarks-transactions.md measured ~600 bytes more
  /// when the stamp grew the parsed buffer by doubling).
  func receive(_ message: consuming SIPMessage, from remote: SocketAddress, on leg: SIPLeg) {
    statistics.messagesReceived += 1
    // To, From, Via, CSeq parsed once for the whole path (stamp, keys, checks, response).
    message.cacheTransactionHeaders()
    let sourceIP: String
    let source: SIPEndpoint
    if let last = lastSource, last.address == remote, last.transport == leg.transport {
      sourceIP = last.ip
      source = last.source
    } else {
      sourceIP = remote.ipAddress ?? "0.0.0.0"
      source = SIPEndpoint(
        transport: leg.transport.viaName, host: remote.isIPv6 ? "[\(sourceIP)]" : sourceIP,
        port: remote.port ?? 0)
      lastSource = LastSource(address: remote, transport: leg.transport, ip: sourceIP, source: source)
    }
    let sourcePort = source.port
    var route: ReceivingRequest?
    if message.isRequest, let via = Self.stampVia(&message, sourceIP: sourceIP, sourcePort: sourcePort) {
      route = ReceivingRequest(topVia: via, source: source, address: remote)
    }
    receivingLeg = leg
    // Kept for a TU that answers synchronously by transaction id (`respond(_:to: TransactionID)`
    // from the request handler); everything else gets the route as an argument.
    receivingRequest = route
    let actions = core.handle(.received(consume message, from: source))
    perform(actions, reply: route)
    receivingLeg = nil
    receivingRequest = nil
  }

  /// RFC 3261 §18.2.1: `received` when the sent-by host is not the packet's source; RFC 3581 §4:
  /// with `rport` asked for, `rport=<source port>` and always `received`. Returns the new top Via
  /// and whether it sends responses to the packet's source (rport), nil when nothing changed.
  @discardableResult
  static func stampVia(_ message: inout SIPMessage, sourceIP: String, sourcePort: Int) -> (
    text: String, answersToSource: Bool
  )? {
    // The two fields read in place (withTopVia), not the whole Via copied out.
    // rport read once: after `.port(sourcePort)` is set it reads back as that port (0–65535).
    guard let read = message.withTopVia({ via in via.map { (host: $0.host, rport: $0.rport) } }) else {
      return nil
    }
    var host = read.host
    let rport = read.rport
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    let answersToSource: Bool
    let stampedPort: Int?
    if rport == .requested {
      stampedPort = sourcePort
      answersToSource = (0...65535).contains(sourcePort)
    } else if host.lowercased() != sourceIP.lowercased() {
      stampedPort = nil
      answersToSource = rport == .port(sourcePort)
    } else {
      return nil
    }
    // The received Via with the two values written into it (docs/benchmarks-transactions.md,
    // round 6), not the whole value serialized again.
    guard let text = message.stampTopVia(received: sourceIP, rport: stampedPort) else { return nil }
    return (text, answersToSource)
  }

  // MARK: - Actions out

  /// Performs the core's actions in order. `reply` is the route of the request they answer when
  /// they come from reading it or from the TU's answer to it: a response sent to its source goes
  /// straight back there (see ``send(_:to:transaction:reply:)``).
  func perform(_ actions: [UserAgentCore.Action], reply: ReceivingRequest? = nil) {
    guard !isClosed else { return }
    for action in actions { performAction(action, reply: reply) }
    if hasPendingValidator { _ = applyPendingValidator() }
  }

  /// One action of ``perform(_:reply:)``.
  private func performAction(_ action: UserAgentCore.Action, reply: ReceivingRequest?) {
    switch action {
    case .send(let message, let peer, let id):
      send(message, to: peer, transaction: id, reply: reply)
    case .armTimer(let id, let after, let leeway):
      armTimer(id, after: after, leeway: leeway)
    case .cancelTimer(let id):
      cancelTimer(id)
    case .request(let message, let id, let dialog):
      deliver(message, transaction: id, dialog: dialog, reply: reply)
    case .response(let message, let id, let dialog):
      guard let code = message.statusCode else { return }
      if code >= 200, let client = clients.removeValue(forKey: id) {
        client.completion(.success(message))
      } else if code < 200, let client = clients[id] {
        client.provisional?(message)
      } else {
        dialogHandler?(.response(message, transaction: id, dialog: dialog))
      }
    case .timeout(let id):
      clients.removeValue(forKey: id)?.completion(
        .failure(SIPTransportError(.timeout, "no final response")))
    case .transportError(let id):
      clients.removeValue(forKey: id)?.completion(
        .failure(SIPTransportError(.transport, "the request could not be sent")))
    case .transactionTerminated(let id):
      transactionLegs[id] = nil
      clients.removeValue(forKey: id)?.completion(
        .failure(SIPTransportError(.transport, "transaction ended without a final response")))
    case .discarded(let message, let reason):
      logger.trace("discarded \(message.method ?? String(message.statusCode ?? 0)): \(reason)")
    case .ackReceived(let ack, let dialog):
      dialogHandler?(.ackReceived(ack, dialog: dialog))
    case .cancelled(let id):
      dialogHandler?(.cancelled(id))
    case .ackTimeout(let dialog):
      dialogHandler?(.ackTimeout(dialog))
    case .dialogTerminated(let dialog):
      dialogHandler?(.dialogTerminated(dialog))
    }
  }

  func deliver(
    _ message: SIPMessage, transaction id: TransactionID, dialog: DialogID?, reply: ReceivingRequest?
  ) {
    let leg = receivingLeg ?? transactionLegs[id]?.leg
    if let leg { transactionLegs[id] = TransactionRoute(leg: leg, reply: reply) }
    statistics.requestsDelivered += 1
    // The packet's source: while the request is being read, the one its route holds (the
    // endpoint the core was given with it, so the transaction's peer), without copying the
    // transaction layer out of the core to look the peer up (~1,600 instructions a request).
    let read = receivingLeg != nil ? reply?.source : nil
    let source = read ?? core.layer.peer(of: id) ?? SIPEndpoint(transport: "UDP", host: "0.0.0.0", port: 0)
    let request = SIPIncomingRequest(
      message: message, transaction: id, dialog: dialog, source: source, leg: leg?.description ?? "",
      reply: reply)
    if let requestHandler {
      requestHandler(request)
    } else {
      respond(message.makeResponse(statusCode: 501, toTag: SIPIdentifiers.tag(using: &rng)), to: request)
    }
  }

  /// Sends the transaction user's response to a request it was given.
  public func respond(_ response: SIPMessage, to transaction: TransactionID) {
    eventLoop.preconditionInEventLoop()
    // During the read of a request (a TU answering from its request handler) the read's route.
    perform(core.handle(.sendResponse(response, transaction: transaction)), reply: receivingRequest)
  }

  /// Sends the transaction user's response to `request`, later than the read that delivered it
  /// (a script's answer): as ``respond(_:to:)-(_,TransactionID)``, and over UDP straight back to
  /// the packet's source when its Via said `rport` (RFC 3581 §4), as an answer made while reading.
  public func respond(_ response: SIPMessage, to request: SIPIncomingRequest) {
    eventLoop.preconditionInEventLoop()
    perform(core.handle(.sendResponse(response, transaction: request.transaction)), reply: request.reply)
  }

  // MARK: - Sending

  /// Sends a message to an endpoint: a response to where its top Via says (§18.2.2), a request
  /// to the resolved peer; over TCP on an open connection when there is one. A response to the
  /// request of `reply` (same source, same top Via) whose Via said `rport` goes straight to the
  /// packet's source address.
  func send(
    _ message: SIPMessage, to peer: SIPEndpoint, transaction id: TransactionID?,
    reply: ReceivingRequest? = nil
  ) {
    let transport: SIPLeg.Transport = peer.transport == "TCP" ? .tcp : .udp
    let route = id.flatMap { transactionLegs[$0] }
    let leg =
      route?.leg
      // A request the core made itself (an ACK, the BYE after an ACK timeout): the leg its Via names.
      ?? (message.isRequest ? self.leg(namedBy: message, transport) : nil)
      ?? receivingLeg.flatMap { $0.transport == transport ? $0 : nil }
    if id == nil, message.statusCode == 503, receivingLeg != nil { statistics.overloadRejections += 1 }
    if transport == .udp, !message.isRequest, let leg, let receiving = reply ?? route?.reply,
      receiving.topVia.answersToSource, receiving.source == peer,
      message.topViaValue(is: receiving.topVia.text)
    {
      // An answer to the request being handled, or sent later to a request given to the TU,
      // whose Via says rport: back to the packet's source (RFC 3581 §4) without parsing the Via
      // again or the address.
      if let id {
        if route == nil {
          transactionLegs[id] = TransactionRoute(leg: leg)
        } else if route?.reply != nil, message.statusCode ?? 0 >= 200 {
          // The final response: the route is not needed any more (see TransactionRoute).
          transactionLegs[id]?.reply = nil
        }
      }
      sendDatagram(message, to: receiving.address, on: leg)
      return
    }
    if let id, route?.reply != nil, message.statusCode ?? 0 >= 200 {
      transactionLegs[id]?.reply = nil
    }
    if transport == .tcp, let connection = connections[Self.connectionKey(peer)] {
      if let id, transactionLegs[id] == nil { transactionLegs[id] = TransactionRoute(leg: connection.leg) }
      write(message.serialize(), on: connection, transaction: id)
      return
    }
    var host = peer.host
    var port = peer.port
    if !message.isRequest,
      let (viaHost, viaPort) = message.withTopVia({ via in
        via.map { via -> (String, Int) in
          // RFC 3261 §18.2.2 and RFC 3581 §4: received (else sent-by) and rport (else sent-by port).
          switch via.rport {
          case .port(let p)?: (via.received ?? via.host, p)
          default: (via.received ?? via.host, via.port ?? 5060)
          }
        }
      })
    {
      host = viaHost
      port = viaPort
    }
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    resolve(host: host, port: port, transport: transport) { [self] result in
      switch result {
      case .success(let address):
        guard let leg = leg ?? chooseLeg(transport, ipv6: address.isIPv6) else {
          logger.debug("no \(transport.rawValue) leg for \(address): message not sent")
          if let id { perform(core.handle(.transportError(id))) }
          return
        }
        if let id, transactionLegs[id] == nil { transactionLegs[id] = TransactionRoute(leg: leg) }
        switch transport {
        // Serialized straight into the outbox (no byte array made and copied), as an answer
        // sent while reading; the 2xx a script sends to an INVITE later comes this way.
        case .udp: sendDatagram(message, to: address, on: leg)
        case .tcp: sendStream(message.serialize(), to: address, leg: leg, transaction: id)
        }
      case .failure(let error):
        logger.debug("cannot resolve \(host): \(error)")
        if let id { perform(core.handle(.transportError(id))) }
      }
    }
  }

  static func connectionKey(_ peer: SIPEndpoint) -> String {
    var host = peer.host
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    // The same text as SocketAddress.ipAddress gives, so that "::1" and "[::1]" match.
    if let address = try? SocketAddress(ipAddress: host, port: peer.port) {
      return SIPConnection.key(address)
    }
    return "\(host)|\(peer.port)"
  }

  /// With several legs, the one a request sent outside a transaction (the ACK of a 2xx) names in
  /// its top Via: it leaves from where it says it comes from (RFC 3261 §18.1.1).
  func leg(namedBy request: SIPMessage, _ transport: SIPLeg.Transport) -> SIPLeg? {
    guard legs.count > 1, let via = request.topVia else { return nil }
    return legs.first {
      $0.transport == transport && $0.port == via.port && viaHost(of: $0, towards: nil) == via.host
    }
  }

  /// A leg of `transport` and family; one bound to a specific address first.
  func chooseLeg(_ transport: SIPLeg.Transport, ipv6: Bool) -> SIPLeg? {
    legs.first { $0.transport == transport && $0.isIPv6 == ipv6 }
  }

  /// Sends a message as one datagram, serialized straight into the ``SIPDatagramOutbox`` it
  /// leaves from at the end of the loop turn (with the trace on, or on an in-memory leg, through
  /// the bytes below).
  func sendDatagram(_ message: SIPMessage, to address: SocketAddress, on leg: SIPLeg) {
    guard configuration.trace == nil, leg.descriptor >= 0, leg.datagramsInNIO == 0 else {
      sendDatagram(message.serialize(), to: address, on: leg)
      return
    }
    guard !isClosed else { return }
    let size = message.serializedCount
    guard makeRoomInOutbox(for: size) else {
      sendDatagram(message.serialize(), to: address, on: leg)
      return
    }
    if outbox.append(leg: leg, descriptor: leg.descriptor, to: address, size: size, message.serialize(into:))
    {
      statistics.messagesSent += 1
      scheduleOutboxFlush()
    }
  }

  func sendDatagram(_ bytes: [UInt8], to address: SocketAddress, on leg: SIPLeg) {
    guard !isClosed else { return }
    statistics.messagesSent += 1
    if configuration.trace != nil { trace("send", .udp, local: leg.description, remote: "\(address)", bytes) }
    guard let channel = leg.channel else {
      if let network = leg.network, let source = leg.address {
        network.send(ByteBuffer(bytes: bytes), from: source, to: address)
      }
      return
    }
    guard leg.descriptor >= 0, leg.datagramsInNIO == 0, makeRoomInOutbox(for: bytes.count) else {
      bytes.withUnsafeBytes { writeThroughNIO($0, to: address, on: leg, channel: channel) }
      return
    }
    outbox.append(leg: leg, descriptor: leg.descriptor, to: address, size: bytes.count) { slot in
      bytes.withUnsafeBytes { source in
        UnsafeMutableRawBufferPointer(rebasing: slot[0..<source.count]).copyMemory(from: source)
        return source.count
      }
    }
    scheduleOutboxFlush()
  }

  /// Whether the outbox can take `size` more bytes, flushing it first when it is full; false for
  /// a datagram larger than the whole outbox (it goes through NIO).
  func makeRoomInOutbox(for size: Int) -> Bool {
    if outbox.fits(size) { return true }
    flushOutbox()
    return outbox.fits(size)
  }

  /// The outbox is flushed once the loop is done with what was ready: at the end of the datagram
  /// read in progress, else by one `execute` per turn.
  func scheduleOutboxFlush() {
    guard !outboxFlushPending else { return }
    outboxFlushPending = true
    guard !isReadingDatagrams else { return }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    eventLoop.execute { bound.value.flushOutbox() }
  }

  /// A UDP leg's read is over: what it made us send leaves now.
  func datagramReadComplete() {
    isReadingDatagrams = false
    if outboxFlushPending { flushOutbox() }
  }

  /// Sends the outbox's datagrams on their legs' descriptors. One the socket cannot take now
  /// (EAGAIN, ENOBUFS) goes to NIO with the rest of its leg's burst, in order, and the leg's later
  /// datagrams follow it there until NIO has written them; one failing otherwise is dropped (as
  /// NIO dropped it: a datagram's loss is the transaction's to recover).
  func flushOutbox() {
    outboxFlushPending = false
    guard !outbox.isEmpty else { return }
    outbox.flush(
      transient: { entry, bytes in
        guard let channel = entry.leg.channel, !isClosed else { return }
        writeThroughNIO(bytes, to: entry.address, on: entry.leg, channel: channel)
      },
      failed: { entry, code in
        logger.debug("UDP send to \(entry.address) failed: errno \(code)")
      })
  }

  /// Writes a datagram through NIO's channel (which queues it until the socket is writable) and
  /// keeps the leg's later datagrams behind it until it is written.
  func writeThroughNIO(
    _ bytes: UnsafeRawBufferPointer, to address: SocketAddress, on leg: SIPLeg, channel: any Channel
  ) {
    statistics.datagramsQueuedInNIO += 1
    leg.datagramsInNIO += 1
    let promise = eventLoop.makePromise(of: Void.self)
    promise.futureResult.assumeIsolated().whenComplete { _ in leg.datagramsInNIO -= 1 }
    channel.writeAndFlush(
      AddressedEnvelope(remoteAddress: address, data: channel.allocator.buffer(bytes: bytes)),
      promise: promise)
  }

  /// Resolves a host to one address: literals at once, names through the system resolver
  /// (getaddrinfo: A/AAAA, no SRV) on NIO's blocking thread pool, never on the loop. Of several
  /// addresses the first one a leg of `transport` can reach wins.
  func resolve(
    host: String, port: Int, transport: SIPLeg.Transport? = nil,
    _ completion: @escaping (Result<SocketAddress, any Error>) -> Void
  ) {
    if let address = try? SocketAddress(ipAddress: host, port: port) {
      completion(.success(address))
      return
    }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    SIPResolver.resolve(host: host, port: port, on: eventLoop).assumeIsolated().whenComplete { result in
      switch result {
      case .success(let addresses):
        let transportObject = bound.value
        let reachable = addresses.first(where: { address in
          transportObject.legs.contains {
            $0.isIPv6 == address.isIPv6 && (transport == nil || $0.transport == transport)
          }
        })
        if let address = reachable ?? addresses.first {
          completion(.success(address))
        } else {
          completion(.failure(SIPResolver.Failure(description: "no address for \(host)")))
        }
      case .failure(let error):
        completion(.failure(error))
      }
    }
  }
}
