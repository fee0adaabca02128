// SIPTransport — UDP and TCP legs on SwiftNIO and the dispatcher that drives SIPProtocol's state
// machines with real timers on one event loop. See docs/architecture-transport.md.
public import SIPProtocol

/// Settings of a ``SIPTransport``: the protocol's timers and validator, and the limits that keep
/// a flood from exhausting memory (DESIGN §8).
///
/// ```swift
/// var configuration = SIPTransportConfiguration()
/// configuration.maxTransactions = 200_000   // a benchmark UAS
/// configuration.trace = { line in FileHandle.standardError.write(Data(line.utf8)) }
/// ```
public struct SIPTransportConfiguration: Sendable {
  /// T1, T2, T4 (RFC 3261 §17.1.1.1).
  public var timers: TimerSettings
  /// The §8.2 checks on new requests; what it allows decides 405/415 before the TU sees a request.
  public var validator: RequestValidator
  /// Most live transactions. A new request past it is answered statelessly with 503 and
  /// Retry-After (RFC 3261 §21.5.4); a new request of our own fails with an overload error.
  public var maxTransactions: Int
  /// Seconds in the Retry-After of the overload 503.
  public var retryAfter: Int
  /// Largest message accepted (a datagram, or one message on a stream). A larger datagram is
  /// dropped; a larger message on a stream closes the connection (its framing is lost).
  public var maxMessageSize: Int
  /// Most open TCP connections (both directions). An accepted connection past it is closed at
  /// once; a request that would need a new one fails with a transport error.
  public var maxConnections: Int
  /// A TCP connection with no traffic for this long is closed.
  public var connectionIdleTimeout: Duration
  /// SO_RCVBUF and SO_SNDBUF of UDP legs: large, so that bursts are not dropped by the kernel
  /// (DESIGN §8). The kernel may cap it (net.core.rmem_max).
  public var socketBufferSize: Int
  /// Called with one line block per message sent and received (`--trace`), on the event loop.
  public var trace: (@Sendable (String) -> Void)?
  /// Drops this fraction (0–1) of received datagrams before parsing: simulated loss for tests
  /// when netem is not available. 0 in production.
  public var simulatedLoss: Double
  /// Whether the core ACKs each 2xx to an INVITE by itself (an ACK without body). A call layer
  /// that sends its answer in the ACK (late offer, RFC 3264 §5) turns it off and ACKs with
  /// ``SIPTransport/sendACK(dialog:body:contentType:)``.
  public var acksAutomatically: Bool

  public init(
    timers: TimerSettings = TimerSettings(),
    validator: RequestValidator = SIPTransportConfiguration.defaultValidator,
    maxTransactions: Int = 50_000, retryAfter: Int = 5, maxMessageSize: Int = 65_535,
    maxConnections: Int = 1_024,
    connectionIdleTimeout: Duration = .seconds(64), socketBufferSize: Int = 4 << 20,
    trace: (@Sendable (String) -> Void)? = nil, simulatedLoss: Double = 0, acksAutomatically: Bool = true
  ) {
    self.timers = timers
    self.validator = validator
    self.maxTransactions = maxTransactions
    self.retryAfter = retryAfter
    self.maxMessageSize = maxMessageSize
    self.maxConnections = maxConnections
    self.connectionIdleTimeout = connectionIdleTimeout
    self.socketBufferSize = socketBufferSize
    self.trace = trace
    self.simulatedLoss = simulatedLoss
    self.acksAutomatically = acksAutomatically
  }

  /// What a UA without script handlers accepts: OPTIONS is answered by the core (RFC 3261
  /// §11.2), INVITE reaches the TU (which refuses it for now), BYE/ACK/CANCEL follow their rules,
  /// every other method gets 405 with Allow (§8.2.1).
  public static let defaultValidator = RequestValidator(
    allowedMethods: ["INVITE", "ACK", "BYE", "CANCEL", "OPTIONS"], acceptedBodyTypes: ["application/sdp"])
}
