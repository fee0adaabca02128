// c= (RFC 8866 §5.7).

/// The connection line: `c=<nettype> <addrtype> <connection-address>`.
///
/// Multicast forms are parsed: IPv4 `224.2.1.1/127/3` (TTL, then count), IPv6 `FF15::101/3` (count).
public struct Connection: Sendable, Hashable, CustomStringConvertible {
  public var networkType: String
  public var addressType: String
  public var address: String
  /// IPv4 multicast time to live.
  public var ttl: Int?
  /// Number of consecutive multicast addresses.
  public var count: Int?

  public init(
    networkType: String = "IN", addressType: String? = nil, address: String, ttl: Int? = nil,
    count: Int? = nil
  ) {
    self.networkType = networkType
    self.addressType = addressType ?? SDPSyntax.addressType(of: address)
    self.address = address
    self.ttl = ttl
    self.count = count
  }

  public init?(parsing value: String) {
    guard case .success(let connection) = Self.parse(value) else { return nil }
    self = connection
  }

  /// `0.0.0.0` (or IPv6 `::`): RFC 2543's way to put a stream on hold, still sent by old phones.
  /// RFC 3264 §8.4: neither RTP nor RTCP is sent to such an address.
  public var isNullAddress: Bool { address == "0.0.0.0" || address == "::" }

  static func parse(_ value: String) -> Result<Connection, SyntaxProblem> {
    let fields = SDPSyntax.fields(value)
    guard fields.count == 3 else { return .failure("expected <nettype> <addrtype> <connection-address>") }
    guard SDPSyntax.isToken(fields[0]), SDPSyntax.isToken(fields[1]) else {
      return .failure("network or address type is not a token")
    }
    let addressType = String(fields[1])
    let parts = SDPSyntax.split(fields[2], at: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    guard let host = parts.first, !host.isEmpty else { return .failure("empty address") }
    var connection = Connection(
      networkType: String(fields[0]), addressType: addressType, address: String(host))
    // Tokens are ASCII: comparing without case is what uppercasing and comparing did.
    switch addressType {
    case _ where SDPSyntax.equalUppercased(addressType, "IP4"):
      guard SDPSyntax.isIPv4(host) || (SDPSyntax.isHostName(host) && !SDPSyntax.isDigits(host.prefix(1)))
      else {
        return .failure("'\(host)' is not an IPv4 address or host name")
      }
      // RFC 8866 §5.7: IPv4 multicast carries a TTL, then an optional count.
      guard parts.count <= 3 else { return .failure("too many '/' parts") }
      if parts.count >= 2 {
        guard let ttl = SDPSyntax.number(parts[1], max: 255) else { return .failure("invalid TTL") }
        connection.ttl = ttl
      }
      if parts.count == 3 {
        guard let count = SDPSyntax.number(parts[2], max: 65535), count > 0 else {
          return .failure("invalid address count")
        }
        connection.count = count
      }
    case _ where SDPSyntax.equalUppercased(addressType, "IP6"):
      guard SDPSyntax.isIPv6(host) || SDPSyntax.isHostName(host) else {
        return .failure("'\(host)' is not an IPv6 address or host name")
      }
      // IPv6 multicast has no TTL, only the count.
      guard parts.count <= 2 else { return .failure("too many '/' parts") }
      if parts.count == 2 {
        guard let count = SDPSyntax.number(parts[1], max: 65535), count > 0 else {
          return .failure("invalid address count")
        }
        connection.count = count
      }
    default:
      // An address type we do not know (RFC 8866 §9 extn-addr): kept as is.
      connection.address = String(fields[2])
    }
    return .success(connection)
  }

  public var description: String {
    var text = "\(networkType) \(addressType) \(address)"
    if let ttl { text += "/\(ttl)" }
    if let count { text += "/\(count)" }
    return text
  }
}
