import NIOCore

/// One local socket the transport listens and sends on: a UDP socket or a TCP listener, bound to
/// one address (IPv4 or IPv6). Requests leave through a leg of their transport and address
/// family, and its address is what they carry in Via (RFC 3261 §18.1.1).
///
/// Not thread-safe: owned by the transport's event loop.
public final class SIPLeg: CustomStringConvertible {
  /// The transports a leg can be (RFC 3261 §18).
  public enum Transport: String, Sendable, Hashable, CaseIterable {
    case udp
    case tcp

    /// The name in Via and in ``SIPProtocol/SIPEndpoint`` (`UDP`, `TCP`).
    public var viaName: String {
      switch self {
      case .udp: "UDP"
      case .tcp: "TCP"
      }
    }
  }

  public let transport: Transport
  /// The bound IP address as text (no brackets).
  public let host: String
  /// The bound port (the one the kernel chose when port 0 was asked for).
  public let port: Int
  /// The address written in Via when the bound one is a wildcard (0.0.0.0, ::).
  public var advertisedHost: String?
  /// The socket (a UDP channel or a TCP listener); nil for a leg on a ``SIPMemoryNetwork``.
  let channel: (any Channel)?
  /// The in-memory network the leg is bound on, instead of a socket.
  let network: SIPMemoryNetwork?
  /// The leg's own address, as the source of what it sends.
  let address: SocketAddress?
  /// A UDP leg's own descriptor, which the transport sends on directly (``SIPDatagramOutbox``);
  /// -1 for TCP, in-memory legs, and once the channel that owns it has closed.
  var descriptor: CInt = -1
  /// Datagrams handed to NIO (the socket was full) and not yet written: while there are any,
  /// the leg's datagrams all go through NIO, behind them, to keep their order.
  var datagramsInNIO = 0

  /// Whether the leg is bound to an IPv6 address.
  public let isIPv6: Bool
  /// `udp:127.0.0.1:5060`, `tcp:[::1]:5061` (every request a script sees names its leg: made once).
  public let description: String

  init(transport: Transport, host: String, port: Int, channel: any Channel) {
    self.transport = transport
    self.host = host
    self.port = port
    self.channel = channel
    self.network = nil
    self.address = channel.localAddress
    isIPv6 = host.utf8.contains(UInt8(ascii: ":"))
    description = Self.describe(transport, host, port, isIPv6)
  }

  init(transport: Transport, address: SocketAddress, network: SIPMemoryNetwork) {
    self.transport = transport
    self.host = address.ipAddress ?? "0.0.0.0"
    self.port = address.port ?? 0
    self.channel = nil
    self.network = network
    self.address = address
    isIPv6 = host.utf8.contains(UInt8(ascii: ":"))
    description = Self.describe(transport, host, port, isIPv6)
  }

  private static func describe(_ transport: Transport, _ host: String, _ port: Int, _ isIPv6: Bool) -> String
  {
    "\(transport.rawValue):\(isIPv6 ? "[\(host)]" : host):\(port)"
  }

  /// Whether the leg is bound on a ``SIPMemoryNetwork`` (no socket).
  public var isInMemory: Bool { network != nil }

  /// Whether the leg is bound to every address of its family.
  public var isWildcard: Bool { host == "0.0.0.0" || host == "::" }

}

@available(*, unavailable)
extension SIPLeg: Sendable {}
