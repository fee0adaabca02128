import NIOCore
import NIOPosix
import SIPCore
import SIPProtocol

// TCP: accepted and opened connections, stream framing, reuse, limits and idle closing
// (RFC 3261 §18.3, §18.1.1, §18.2.2).
extension SIPTransport {
  /// Sets up an accepted connection (called by the listener's child initializer on the loop).
  func accept(_ channel: any Channel) throws {
    guard !isClosed, let remote = channel.remoteAddress,
      let leg = legs.first(where: { $0.channel != nil && $0.channel === channel.parent })
    else {
      channel.close(promise: nil)
      return
    }
    guard connections.count < configuration.maxConnections else {
      statistics.connectionsRefused += 1
      logger.debug("refused TCP connection from \(remote): \(connections.count) open")
      channel.close(promise: nil)
      return
    }
    let connection = SIPConnection(
      key: SIPConnection.key(remote), remote: remote, leg: leg, maxMessageSize: configuration.maxMessageSize,
      now: .now())
    connection.transport = self
    connection.channel = channel
    // A newer connection from the same address replaces the old one for sending.
    connections[connection.key] = connection
    try channel.pipeline.syncOperations.addHandler(SIPStreamHandler(transport: self, connection: connection))
    scheduleIdleSweep()
  }

  /// Writes to an open connection to `address`, or opens one (queueing until it is up).
  func sendStream(_ bytes: [UInt8], to address: SocketAddress, leg: SIPLeg, transaction id: TransactionID?) {
    let key = SIPConnection.key(address)
    if let connection = connections[key] {
      write(bytes, on: connection, transaction: id)
      return
    }
    guard connections.count < configuration.maxConnections else {
      statistics.connectionsRefused += 1
      logger.debug("no TCP connection to \(address): \(connections.count) open")
      if let id { perform(core.handle(.transportError(id))) }
      return
    }
    let connection = SIPConnection(
      key: key, remote: address, leg: leg, maxMessageSize: configuration.maxMessageSize, now: .now())
    connection.transport = self
    connection.queued.append((bytes, id))
    connections[key] = connection
    scheduleIdleSweep()
    let bound = NIOLoopBound((self, connection), eventLoop: eventLoop)
    ClientBootstrap(group: eventLoop)
      .channelOption(.socketOption(.tcp_nodelay), value: 1)
      .connectTimeout(.seconds(10))
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          let (transport, connection) = bound.value
          try channel.pipeline.syncOperations.addHandler(
            SIPStreamHandler(transport: transport, connection: connection))
        }
      }
      .connect(to: address)
      .assumeIsolated()
      .whenComplete { result in
        let (transport, connection) = bound.value
        switch result {
        case .success(let channel):
          connection.channel = channel
          if transport.isClosed { channel.close(promise: nil) }
        case .failure(let error):
          transport.logger.debug("TCP connect to \(address) failed: \(error)")
          if transport.connections[connection.key] === connection {
            transport.connections[connection.key] = nil
          }
          connection.failQueued()
        }
      }
  }

  func write(_ bytes: [UInt8], on connection: SIPConnection, transaction id: TransactionID?) {
    guard let channel = connection.channel, connection.isActive else {
      connection.queued.append((bytes, id))
      return
    }
    statistics.messagesSent += 1
    connection.lastActivity = .now()
    if configuration.trace != nil {
      trace("send", .tcp, local: connection.leg.description, remote: "\(connection.remote)", bytes)
    }
    channel.writeAndFlush(channel.allocator.buffer(bytes: bytes), promise: nil)
  }

  func connectionActive(_ connection: SIPConnection, channel: any Channel) {
    connection.isActive = true
    connection.channel = channel
    connection.lastActivity = .now()
    let queued = connection.queued
    connection.queued.removeAll()
    for (bytes, id) in queued { write(bytes, on: connection, transaction: id) }
  }

  func connectionClosed(_ connection: SIPConnection) {
    connection.isActive = false
    if connections[connection.key] === connection { connections[connection.key] = nil }
    connection.failQueued()
  }

  func receiveStream(_ buffer: ByteBuffer, on connection: SIPConnection) {
    guard !isClosed, !connection.framingLost else { return }
    connection.lastActivity = .now()
    connection.framer.append(buffer.readableBytesView)
    while true {
      let message: SIPMessage?
      do {
        message = try connection.framer.next()
      } catch {
        // RFC 3261 §18.3: the stream's framing is lost; the connection must be closed.
        statistics.malformed += 1
        logger.debug("closing TCP connection from \(connection.remote): \(error)")
        closeAfterFramingError(connection, error)
        return
      }
      guard let message else { return }
      if configuration.trace != nil {
        trace(
          "recv", .tcp, local: connection.leg.description, remote: "\(connection.remote)", message.serialize()
        )
      }
      receive(message, from: connection.remote, on: connection.leg)
      if isClosed { return }
    }
  }

  /// Closes a connection whose framing is lost (RFC 3261 §18.3). When the failed message's header
  /// section was complete and is a request, it is answered first, statelessly on this connection:
  /// 413 when its Content-Length is over the size limit, else 400 with the framer's reason (a
  /// missing Content-Length, a bad header line). Nothing after it on the stream can be trusted,
  /// so the connection is closed once the answer is written.
  func closeAfterFramingError(_ connection: SIPConnection, _ error: SIPParseError) {
    connection.framingLost = true
    guard let channel = connection.channel else { return }
    connection.isActive = false
    if connections[connection.key] === connection { connections[connection.key] = nil }
    guard let head = connection.framer.failedHeaderSection,
      let response = Self.framingErrorResponse(
        head: head, error: error, maxMessageSize: configuration.maxMessageSize)
    else {
      channel.close(promise: nil)
      return
    }
    let bytes = response.serialize()
    statistics.messagesSent += 1
    if configuration.trace != nil {
      trace("send", .tcp, local: connection.leg.description, remote: "\(connection.remote)", bytes)
    }
    channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).assumeIsolated().whenComplete { _ in
      channel.close(promise: nil)
    }
  }

  /// The answer to a request whose framing failed after its header section, or nil when the
  /// header section is not a request (or not even parsable without its Content-Length).
  static func framingErrorResponse(head: [UInt8], error: SIPParseError, maxMessageSize: Int) -> SIPMessage? {
    // Parse the header section alone: without its Content-Length lines (the body is not here).
    var lines: [UInt8] = []
    lines.reserveCapacity(head.count)
    var declaredLength: Int?
    for line in head.split(separator: 0x0A) {
      if let colon = line.firstIndex(of: UInt8(ascii: ":")) {
        let name = String(decoding: line[..<colon], as: UTF8.self).filter { $0 != " " && $0 != "\t" }
          .lowercased()
        if name == "content-length" || name == "l" {
          declaredLength = Int(String(decoding: line[(colon + 1)...], as: UTF8.self).filter(\.isNumber))
          continue
        }
      }
      if line == [0x0D] { continue }
      lines += line.last == 0x0D ? line.dropLast() : line
      lines += [0x0D, 0x0A]
    }
    lines += [0x0D, 0x0A]
    guard let request = try? SIPMessage.parse(lines), request.isRequest, request.method != "ACK",
      request.topVia != nil
    else { return nil }
    if let declaredLength, declaredLength > maxMessageSize {
      return request.makeResponse(statusCode: 413)
    }
    let reason = "Bad Request (\(error.reason))"
    return request.makeResponse(statusCode: error.statusCode == 413 ? 413 : 400, reasonPhrase: reason)
  }

  /// Closes connections idle for longer than the timeout; runs while any connection exists.
  func scheduleIdleSweep() {
    guard idleSweep == nil, !isClosed else { return }
    let interval = min(configuration.connectionIdleTimeout.timeAmount, .seconds(5))
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    idleSweep = eventLoop.scheduleTask(in: max(interval, .milliseconds(10))) {
      let transport = bound.value
      transport.idleSweep = nil
      transport.sweepIdleConnections()
    }
  }

  func sweepIdleConnections() {
    let deadline = NIODeadline.now() - configuration.connectionIdleTimeout.timeAmount
    for connection in connections.values where connection.lastActivity < deadline {
      logger.debug("closing idle TCP connection \(connection.remote)")
      connections[connection.key] = nil
      connection.channel?.close(promise: nil)
    }
    if !connections.isEmpty { scheduleIdleSweep() }
  }
}
