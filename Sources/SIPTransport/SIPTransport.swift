import DatagramSockets
public import Logging
public import NIOCore
import NIOPosix
public import SIPCore
public import SIPProtocol

/// The SIP transport of one process: UDP and TCP legs on SwiftNIO, and the dispatcher that runs
/// SIPProtocol's ``UserAgentCore`` on the same event loop, performing its actions — sending,
/// arming real timers (`scheduleTask`) and feeding their firing back, delivering requests and
/// responses to the transaction user.
///
/// ```swift
/// let transport = SIPTransport(eventLoop: loop, logger: logger)          // on `loop`
/// transport.bind(.udp, host: "127.0.0.1", port: 0) { result in print(result) }
/// transport.requestHandler = { request in
///   transport.respond(request.message.makeResponse(statusCode: 200, toTag: "x1"), to: request.transaction)
/// }
/// transport.sendRequest(options) { result in print(result) }              // final response or error
/// ```
///
/// Incoming requests get `received` and `rport` in their top Via (RFC 3261 §18.2.1, RFC 3581
/// §4), so responses go where the request came from (§18.2.2). Over TCP a response goes back on
/// the request's connection and requests reuse an open connection to the same address.
///
/// Threading: not thread-safe. Create it and call every method on `eventLoop`; legs and
/// connections are bound to that loop too, so the whole SIP path runs without locks (DESIGN §2).
public final class SIPTransport {
  /// Counters for traces, tests and benchmarks.
  public struct Statistics: Sendable, Hashable {
    public var messagesReceived = 0
    public var messagesSent = 0
    /// Datagrams and stream messages that did not parse, or were too large.
    public var malformed = 0
    /// Datagrams dropped by ``SIPTransportConfiguration/simulatedLoss``.
    public var simulatedDrops = 0
    /// Requests answered 503 because of ``SIPTransportConfiguration/maxTransactions``.
    public var overloadRejections = 0
    /// Requests handed to the transaction user (retransmissions excluded).
    public var requestsDelivered = 0
    /// TCP connections refused because of ``SIPTransportConfiguration/maxConnections``.
    public var connectionsRefused = 0
    /// UDP datagrams written through NIO's channel instead of straight on the leg's descriptor
    /// (the socket was full, or earlier ones were still queued there).
    public var datagramsQueuedInNIO = 0
  }

  /// The request being handled: its top Via after stamping, and where it came from.
  ///
  /// A class: the route is handed along the whole path of a request (`perform`, `send`,
  /// `deliver`, the request given to the TU), and as a struct each copy retained its three
  /// Strings and the address, and each optional copy or destroy went through generic value
  /// witnesses (~1,400 instructions per OPTIONS transaction, docs/benchmarks-transactions.md
  /// round 7). Immutable, so sharing it is safe.
  final class ReceivingRequest: Sendable {
    let topVia: (text: String, answersToSource: Bool)
    let source: SIPEndpoint
    let address: SocketAddress

    init(topVia: (text: String, answersToSource: Bool), source: SIPEndpoint, address: SocketAddress) {
      self.topVia = topVia
      self.source = source
      self.address = address
    }
  }

  /// Where a transaction's messages leave (``transactionLegs``).
  struct TransactionRoute {
    /// Responses and retransmissions leave where the request arrived, requests through the leg
    /// chosen at first send.
    var leg: SIPLeg
    /// The route of a request given to the TU (``ReceivingRequest``), kept until its final
    /// response is sent: a response the TU sends later by transaction id (a script's 2xx to an
    /// INVITE) goes straight back to the packet's source as one made while reading it, instead
    /// of parsing its Via again and resolving the address (~3,000 instructions per call). Dropped
    /// at the final response, so that what a finished transaction keeps for 32 s (Timers J and L)
    /// does not grow.
    var reply: ReceivingRequest?
  }

  /// A request of ours waiting for its final response.
  struct ClientRequest {
    var completion: (Result<SIPMessage, SIPTransportError>) -> Void
    var provisional: ((SIPMessage) -> Void)?
  }

  public let eventLoop: any EventLoop
  public internal(set) var configuration: SIPTransportConfiguration
  public var logger: Logger
  /// New requests (after validation) go here; without a handler they are answered 501.
  public var requestHandler: ((SIPIncomingRequest) -> Void)?
  /// Dialog events of the core for the call layer: ACKs of our 2xx, CANCELs the core answered,
  /// ACK timeouts, ended dialogs, and responses no pending request waits for (a 2xx from a second
  /// fork after the first final response).
  public var dialogHandler: ((SIPDialogEvent) -> Void)?
  public internal(set) var statistics = Statistics()
  public internal(set) var legs: [SIPLeg] = []
  /// The fraction of received datagrams dropped on purpose (loss tests without netem); starts
  /// as ``SIPTransportConfiguration/simulatedLoss``.
  public var simulatedLoss: Double

  var core: UserAgentCore
  /// A validator waiting for the core to be idle (see ``setValidator(_:)``).
  var pendingValidator: RequestValidator? {
    didSet { hasPendingValidator = pendingValidator != nil }
  }
  /// `pendingValidator != nil`, read after every batch of actions: asking the Optional itself
  /// copied and destroyed it through its value witnesses (~90 instructions a read).
  private(set) var hasPendingValidator = false
  /// SRV answers for their TTL (RFC 3263 location, SIPTransport+Locate.swift).
  var srvCache = SRVCache()
  var naptrCache = NAPTRCache()
  /// A/AAAA results of `resolveAll`, by "host port", for their DNS TTL (RFC 3263 location).
  var addressCache = DNSAnswerCache<SocketAddress>()
  /// The core's armed timers; one NIO scheduled callback (`timerWakeUp`) waits for the earliest.
  var timerQueue = SIPTimerQueue()
  var timerWakeUp: NIOScheduledCallback?
  var timerWakeUpDeadline: Int64?
  var clients: [TransactionID: ClientRequest] = [:]
  /// Where a live transaction's messages leave: the leg (and TCP connection) the request arrived
  /// on or the one chosen at first send, and for a request given to the TU, its route until the
  /// final response (see ``TransactionRoute``).
  var transactionLegs: [TransactionID: TransactionRoute] = [:]
  var connections: [String: SIPConnection] = [:]
  /// The leg a message being processed arrived on, so that what the core answers at once
  /// (validator responses, the overload 503) leaves from it.
  var receivingLeg: SIPLeg?
  /// The route of the request being read, only for a TU that answers it synchronously by
  /// transaction id (``respond(_:to:)-(_,TransactionID)``); every other path passes the route
  /// along (`perform(_:reply:)`).
  var receivingRequest: ReceivingRequest?
  var idleSweep: Scheduled<Void>?
  /// Datagrams of the UDP legs waiting for the end of the loop turn (one `sendto`, or one
  /// `sendmmsg` for a burst), sent on the legs' descriptors without NIO.
  let outbox = SIPDatagramOutbox()
  /// A flush of ``outbox`` is scheduled (`eventLoop.execute`) or will come at the end of the
  /// datagram read in progress.
  var outboxFlushPending = false
  /// A UDP leg's read is in progress (NIO calls `channelReadComplete` after it, which flushes).
  var isReadingDatagrams = false
  var isClosed = false
  var rng = BufferedRandomNumberGenerator()
  /// The last source address, its text and the endpoint made of it for a leg's transport: a
  /// peer sends many datagrams from one address, and `SocketAddress.ipAddress` formats it
  /// (`inet_ntop`, a String) every time; the endpoint's Strings are shared, not made again.
  /// A class, so that checking it retains one object rather than copying the whole tuple.
  var lastSource: LastSource?

  /// ``lastSource``'s values (immutable).
  final class LastSource {
    let address: SocketAddress
    let transport: SIPLeg.Transport
    let ip: String
    let source: SIPEndpoint

    init(address: SocketAddress, transport: SIPLeg.Transport, ip: String, source: SIPEndpoint) {
      self.address = address
      self.transport = transport
      self.ip = ip
      self.source = source
    }
  }

  /// Datagrams read by one `recvmmsg` (Linux).
  static let datagramsPerRead = 16

  /// Creates the transport with no legs. Call on `eventLoop`.
  public init(eventLoop: any EventLoop, configuration: SIPTransportConfiguration = .init(), logger: Logger) {
    self.eventLoop = eventLoop
    self.configuration = configuration
    self.logger = logger
    self.simulatedLoss = configuration.simulatedLoss
    self.core = Self.makeCore(configuration: configuration, validator: configuration.validator, via: nil)
    reserveForTransactions()
  }

  /// Room for ``SIPTransportConfiguration/maxTransactions`` live transactions in the per-transaction
  /// tables (legs, armed timers), as the transaction layer reserves its own: a table that grows
  /// rehashes all its entries at once, a pause under load (docs/benchmarks-transactions.md).
  func reserveForTransactions() {
    let capacity = min(max(configuration.maxTransactions, 0), TransactionLayer.reservedCapacityLimit)
    transactionLegs.reserveCapacity(capacity)
    timerQueue.reserveCapacity(capacity)
  }

  static func makeCore(configuration: SIPTransportConfiguration, validator: RequestValidator, via: SIPVia?)
    -> UserAgentCore
  {
    UserAgentCore(
      configuration: .init(
        transactions: .init(
          timers: configuration.timers, maxTransactions: configuration.maxTransactions,
          retryAfter: configuration.retryAfter),
        validator: validator, via: via ?? SIPVia(transport: "UDP", host: "127.0.0.1", port: 5060),
        seed: UInt64.random(in: 1...UInt64.max), acksAutomatically: configuration.acksAutomatically))
  }

  /// How many transactions are alive.
  public var transactionCount: Int { core.layer.count }

  /// How many TCP connections are open or opening.
  public var connectionCount: Int { connections.count }

  /// The validator in force (a pending one once it has been applied).
  public var validator: RequestValidator { core.configuration.validator }

  /// The validator's Allow, Accept and Supported as prepared header lines
  /// (``RequestValidator/capabilityHeaderLines``), read without copying the whole validator out
  /// of the core (its lists and sets: ~750 instructions per scripted OPTIONS answer, round 7).
  public var capabilityHeaderLines: SIPHeaderLines { core.configuration.validator.capabilityHeaderLines }

  /// Replaces the §8.2 validator (what methods and bodies reach the transaction user). The
  /// protocol core fixes its validator at creation, so the core is recreated: at once when no
  /// transaction or dialog is alive, else as soon as none is. Returns whether it applied at once.
  @discardableResult
  public func setValidator(_ validator: RequestValidator) -> Bool {
    pendingValidator = validator
    return applyPendingValidator()
  }

  /// Changes the transaction limit (recreating the core like ``setValidator(_:)``: at once when
  /// idle, else as soon as it is).
  @discardableResult
  public func setMaxTransactions(_ limit: Int) -> Bool {
    configuration.maxTransactions = max(1, limit)
    pendingValidator = pendingValidator ?? core.configuration.validator
    return applyPendingValidator()
  }

  /// Whether the core ACKs 2xx responses itself (see
  /// ``SIPTransportConfiguration/acksAutomatically``); applied like ``setValidator(_:)``.
  @discardableResult
  public func setAcksAutomatically(_ value: Bool) -> Bool {
    configuration.acksAutomatically = value
    pendingValidator = pendingValidator ?? core.configuration.validator
    return applyPendingValidator()
  }

  /// The host our messages name for a leg (Via, Contact): its address, or for a wildcard leg its
  /// advertised host, else loopback. IPv6 in brackets.
  public func advertisedHost(of leg: SIPLeg) -> String {
    viaHost(of: leg, towards: nil)
  }

  func applyPendingValidator() -> Bool {
    guard let validator = pendingValidator, core.layer.count == 0, core.dialogs.isEmpty, timerQueue.isEmpty
    else {
      return pendingValidator == nil
    }
    pendingValidator = nil
    core = Self.makeCore(configuration: configuration, validator: validator, via: core.configuration.via)
    reserveForTransactions()
    return true
  }

  // MARK: - Legs

  /// Opens a leg. `port` 0 asks for any free port; the leg reports the bound one. `completion`
  /// runs on the event loop.
  public func bind(
    _ transport: SIPLeg.Transport, host: String, port: Int,
    completion: @escaping (Result<SIPLeg, any Error>) -> Void
  ) {
    eventLoop.preconditionInEventLoop()
    guard !isClosed else { return completion(.failure(SIPTransportError(.closed, ""))) }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    let channelFuture: EventLoopFuture<any Channel>
    let udpDescriptor: CInt
    switch transport {
    case .udp:
      let capacity = configuration.maxMessageSize + 1
      // Our own socket, handed to NIO for reading: the transport sends on its descriptor
      // directly (SIPDatagramOutbox), as the media engine does for RTP.
      let descriptor: CInt
      do {
        descriptor = try BoundDatagramSocket.open(
          boundTo: BoundDatagramSocket.bindAddress(host: host, port: port),
          receiveBufferSize: configuration.socketBufferSize, sendBufferSize: configuration.socketBufferSize,
          dualStack: true)
      } catch {
        return completion(.failure(error))
      }
      udpDescriptor = descriptor
      channelFuture = DatagramBootstrap(group: eventLoop)
        // One recvmmsg per readiness: NIO reads again until a read finds nothing, and with fewer
        // than a full vector read the socket is almost always empty, so that second read was an
        // EAGAIN per wake-up (about one system call per call, docs/benchmarks-calls.md,
        // "callsys"). epoll is level-triggered: what a full vector left is reported again at once.
        .channelOption(.maxMessagesPerRead, value: 1)
        // recvmmsg: up to 16 datagrams per system call (Linux; ignored elsewhere). Each gets a
        // slot of `capacity` bytes, so the oversize check below still sees truncation.
        .channelOption(.datagramVectorReadMessageCount, value: Self.datagramsPerRead)
        .channelOption(
          .recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: capacity * Self.datagramsPerRead)
        )
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(SIPDatagramHandler(transport: bound.value))
          }
        }
        .withBoundSocket(descriptor)
    case .tcp:
      udpDescriptor = -1
      channelFuture = ServerBootstrap(group: eventLoop)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .serverChannelOption(.backlog, value: 256)
        .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try bound.value.accept(channel)
          }
        }
        .bind(host: host, port: port)
    }
    channelFuture.assumeIsolated().whenComplete { result in
      switch result {
      case .failure(let error):
        completion(.failure(error))
      case .success(let channel):
        let transportObject = bound.value
        guard !transportObject.isClosed, let local = channel.localAddress, let ip = local.ipAddress,
          let localPort = local.port
        else {
          channel.close(promise: nil)
          return completion(.failure(SIPTransportError(.closed, "transport closed while binding")))
        }
        let leg = SIPLeg(transport: transport, host: ip, port: localPort, channel: channel)
        if let handler = try? channel.pipeline.syncOperations.handler(type: SIPDatagramHandler.self) {
          handler.leg = leg
          // Valid while the channel is active; the handler resets it when the channel closes.
          if channel.isActive { leg.descriptor = udpDescriptor }
        }
        transportObject.legs.append(leg)
        transportObject.legBound(leg)
        completion(.success(leg))
      }
    }
  }

  /// Opens a UDP leg on an in-memory network instead of a socket (tests; see
  /// ``SIPMemoryNetwork``). The rest of the transport works as with a socket leg: datagrams are
  /// parsed from bytes, Vias stamped, ``simulatedLoss`` applied. `port` 0 takes a free port of
  /// the network. `completion` runs before this returns, on the event loop.
  public func bind(
    _ transport: SIPLeg.Transport, host: String, port: Int, on network: SIPMemoryNetwork,
    completion: @escaping (Result<SIPLeg, any Error>) -> Void
  ) {
    eventLoop.preconditionInEventLoop()
    guard !isClosed else { return completion(.failure(SIPTransportError(.closed, ""))) }
    guard transport == .udp else {
      return completion(.failure(SIPTransportError(.invalid, "the in-memory network carries UDP only")))
    }
    guard network.eventLoop === eventLoop else {
      return completion(
        .failure(SIPTransportError(.invalid, "the in-memory network runs on another event loop")))
    }
    do {
      let leg = try network.bind(
        host: host, port: port, leg: { SIPLeg(transport: .udp, address: $0, network: network) },
        transport: self)
      legs.append(leg)
      legBound(leg)
      completion(.success(leg))
    } catch {
      completion(.failure(error))
    }
  }

  /// Gives the core a Via for requests it makes itself (ACK, BYE) once the first leg exists.
  func legBound(_ leg: SIPLeg) {
    guard legs.count == 1 else { return }
    let via = SIPVia(transport: leg.transport.viaName, host: viaHost(of: leg, towards: nil), port: leg.port)
    if core.layer.count == 0, core.dialogs.isEmpty, timerQueue.isEmpty {
      core = Self.makeCore(configuration: configuration, validator: core.configuration.validator, via: via)
    }
  }

  /// Closes every leg and connection, cancels every timer and fails every pending request.
  public func close() -> EventLoopFuture<Void> {
    eventLoop.preconditionInEventLoop()
    isClosed = true
    idleSweep?.cancel()
    idleSweep = nil
    timerWakeUp?.cancel()
    timerWakeUp = nil
    timerWakeUpDeadline = nil
    timerQueue.removeAll()
    flushOutbox()
    let pending = clients
    clients.removeAll()
    for (_, client) in pending.sorted(by: { $0.key < $1.key }) {
      client.completion(.failure(SIPTransportError(.closed, "")))
    }
    var futures: [EventLoopFuture<Void>] = []
    for connection in connections.values {
      connection.failQueued()
      if let channel = connection.channel { futures.append(channel.close().recover { _ in }) }
    }
    connections.removeAll()
    for leg in legs {
      if let channel = leg.channel { futures.append(channel.close().recover { _ in }) }
      leg.network?.unbind(leg)
    }
    legs.removeAll()
    return EventLoopFuture.andAllComplete(futures, on: eventLoop)
  }

  // MARK: - Trace

  func trace(
    _ direction: String, _ transport: SIPLeg.Transport, local: String, remote: String, _ bytes: [UInt8]
  ) {
    guard let trace = configuration.trace else { return }
    let arrow = direction == "recv" ? "<-" : "->"
    let text = String(decoding: bytes, as: UTF8.self)
    trace(
      "--- \(direction) \(transport.viaName) \(local) \(arrow) \(remote) (\(bytes.count) bytes)\n\(text)\n")
  }
}

@available(*, unavailable)
extension SIPTransport: Sendable {}

extension Duration {
  /// The same span as a NIO `TimeAmount`.
  var timeAmount: TimeAmount {
    let (seconds, attoseconds) = components
    return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
  }
}
