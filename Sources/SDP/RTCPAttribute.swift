// a=rtcp (RFC 3605).

/// `a=rtcp:<port> [<nettype> <addrtype> <connection-address>]`: where the peer wants RTCP when it
/// is not on the RTP port plus one (RFC 3605 §2.1).
public struct RTCPAttribute: Sendable, Hashable, CustomStringConvertible {
  public var port: Int
  public var connection: Connection?

  public init(port: Int, connection: Connection? = nil) {
    self.port = port
    self.connection = connection
  }

  public init?(parsing value: String) {
    guard case .success(let rtcp) = Self.parse(value) else { return nil }
    self = rtcp
  }

  static func parse(_ value: String) -> Result<RTCPAttribute, SyntaxProblem> {
    let fields = SDPSyntax.fields(value)
    guard fields.count == 1 || fields.count == 4 else {
      return .failure("expected <port> [<nettype> <addrtype> <address>]")
    }
    guard let port = SDPSyntax.number(fields[0], max: 65535) else { return .failure("invalid port") }
    guard fields.count == 4 else { return .success(RTCPAttribute(port: port)) }
    switch Connection.parse(fields[1...].joined(separator: " ")) {
    case .success(let connection): return .success(RTCPAttribute(port: port, connection: connection))
    case .failure(let reason): return .failure(reason)
    }
  }

  public var description: String {
    "\(port)" + (connection.map { " \($0)" } ?? "")
  }
}
