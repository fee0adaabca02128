public import NIOCore

/// A network in memory for tests, like pjsip's loop transport: UDP legs of several
/// ``SIPTransport``s on one event loop exchange datagrams with no socket at all.
///
/// ```swift
/// let network = SIPMemoryNetwork(eventLoop: loop)                  // on `loop`
/// alice.bind(.udp, host: "127.0.0.1", port: 5060, on: network) { _ in }
/// bob.bind(.udp, host: "127.0.0.1", port: 5070, on: network) { _ in }
/// alice.sendRequest(options) { result in ... }                     // reaches bob's core
/// ```
///
/// A datagram leaves through the sender's dispatcher as bytes and enters the receiver's through
/// the same path as one read from a socket (``SIPTransport/simulatedLoss``, the size limit,
/// parsing, Via stamping with the sender's address), one loop turn later — never re-entering the
/// sender. Addresses are IP literals and ports; nothing checks that they belong to this machine,
/// and port 0 takes the next free port from 40000. A datagram to an address no leg is bound to is
/// dropped (counted), as UDP would. Only UDP: a TCP leg cannot be bound on it.
///
/// Threading: not thread-safe. Create it and use it on `eventLoop`, the loop of every transport
/// bound to it.
public final class SIPMemoryNetwork {
  struct Binding {
    weak var transport: SIPTransport?
    let leg: SIPLeg
  }

  public let eventLoop: any EventLoop
  /// Datagrams handed to a leg.
  public private(set) var datagramsDelivered = 0
  /// Datagrams sent to an address no leg is bound to.
  public private(set) var datagramsUndeliverable = 0
  var bindings: [String: Binding] = [:]
  var nextPort = 40_000

  public init(eventLoop: any EventLoop) {
    self.eventLoop = eventLoop
  }

  /// The bound address for `host:port` (port 0: the next free one), or an error when it is taken
  /// or not an IP literal.
  func bind(host: String, port: Int, leg makeLeg: (SocketAddress) -> SIPLeg, transport: SIPTransport) throws
    -> SIPLeg
  {
    eventLoop.preconditionInEventLoop()
    var port = port
    if port == 0 {
      let family = try SocketAddress(ipAddress: host, port: 0)
      while bindings[Self.key(family.ipAddress ?? host, nextPort)] != nil { nextPort += 1 }
      port = nextPort
      nextPort += 1
    }
    let address = try SocketAddress(ipAddress: host, port: port)
    let key = Self.key(address.ipAddress ?? host, port)
    guard bindings[key] == nil else {
      throw SIPTransportError(.invalid, "\(host):\(port) is already bound on the in-memory network")
    }
    let leg = makeLeg(address)
    bindings[key] = Binding(transport: transport, leg: leg)
    return leg
  }

  func unbind(_ leg: SIPLeg) {
    let key = Self.key(leg.host, leg.port)
    if bindings[key]?.leg === leg { bindings[key] = nil }
  }

  /// Carries a datagram from `source` to `destination`, delivered on the next turn of the loop.
  func send(_ datagram: ByteBuffer, from source: SocketAddress, to destination: SocketAddress) {
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    eventLoop.execute { bound.value.deliver(datagram, from: source, to: destination) }
  }

  func deliver(_ datagram: ByteBuffer, from source: SocketAddress, to destination: SocketAddress) {
    guard let ip = destination.ipAddress, let port = destination.port else {
      datagramsUndeliverable += 1
      return
    }
    // A leg bound to the exact address, else one bound to the family's wildcard.
    let wildcard = destination.isIPv6 ? "::" : "0.0.0.0"
    guard let binding = bindings[Self.key(ip, port)] ?? bindings[Self.key(wildcard, port)],
      let transport = binding.transport
    else {
      datagramsUndeliverable += 1
      return
    }
    datagramsDelivered += 1
    transport.receiveDatagram(datagram, from: source, on: binding.leg)
  }

  static func key(_ ip: String, _ port: Int) -> String { "\(ip)|\(port)" }
}

@available(*, unavailable)
extension SIPMemoryNetwork: Sendable {}
