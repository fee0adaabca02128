public import SIPCore

/// Where a message goes to or came from: a transport and an address, as the transport layer
/// understands them. SIPProtocol never resolves or opens anything; it only copies endpoints
/// from incoming messages into outgoing actions.
public struct SIPEndpoint: Sendable, Hashable, CustomStringConvertible {
  /// `UDP`, `TCP`, `TLS`, `SCTP`, `WS`, `WSS` (uppercase).
  public var transport: String
  /// A host name, an IPv4 address or an IPv6 reference with brackets.
  public var host: String
  public var port: Int

  public init(transport: String, host: String, port: Int) {
    // Already uppercase ASCII (every endpoint the transport makes): kept as it is, which is what
    // uppercased() would give, without making a new String per message.
    let lowercase = UInt8(ascii: "a")...UInt8(ascii: "z")
    self.transport =
      transport.utf8.allSatisfy({ $0 < 0x80 && !lowercase.contains($0) }) ? transport : transport.uppercased()
    self.host = host
    self.port = port
  }

  /// Whether the transport delivers reliably, which disables retransmission timers A, E, G and
  /// zeroes D, I, J, K (RFC 3261 §17.1.1.2, §17.1.2.2, §17.2.1, §17.2.2).
  public var isReliable: Bool { transport != "UDP" }

  public var description: String { "\(transport):\(host):\(port)" }

  /// The endpoint a request to `uri` is sent to before any DNS (RFC 3263 is the transport's job):
  /// the host, the port (default 5060, 5061 for sips), the `transport` parameter (default UDP,
  /// TLS for sips).
  public init(uri: SIPURI) {
    let secure = uri.scheme == .sips
    let transport = uri.transport?.uppercased() ?? (secure ? "TLS" : "UDP")
    self.init(transport: transport, host: uri.maddrOrHost, port: uri.port ?? (secure ? 5061 : 5060))
  }
}

extension SIPURI {
  /// `maddr` overrides the host (RFC 3261 §19.1.1).
  var maddrOrHost: String { parameters.value("maddr") ?? host }
}
