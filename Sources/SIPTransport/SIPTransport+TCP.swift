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
      let leg = legs.first(where: { $0.channel === channel.parent })
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
    guard !isClosed else { return }
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
        connection.channel?.close(promise: nil)
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
