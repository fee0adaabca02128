/// Why a request of ours got no final response, or a leg could not be opened.
public struct SIPTransportError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Kind: Sendable, Hashable {
    /// Timer B or F fired (RFC 3261 §17.1.1.2, §17.1.2.2).
    case timeout
    /// The message could not be sent (connect refused, socket error; RFC 3261 §17.1.4).
    case transport
    /// The destination could not be resolved (RFC 3263 via the system resolver).
    case resolution
    /// A limit of the configuration was reached.
    case overload
    /// The request or address was unusable (no Request-URI, no leg for the transport, …).
    case invalid
    /// The transport was closed.
    case closed
  }

  public let kind: Kind
  public let detail: String

  public init(_ kind: Kind, _ detail: String) {
    self.kind = kind
    self.detail = detail
  }

  /// `timeout`, `transport error: …` — the text a script sees as `err`.
  public var description: String {
    switch kind {
    case .timeout: detail.isEmpty ? "timeout" : "timeout (\(detail))"
    case .transport: "transport error: \(detail)"
    case .resolution: "cannot resolve: \(detail)"
    case .overload: "overload: \(detail)"
    case .invalid: "invalid: \(detail)"
    case .closed: "transport closed"
    }
  }
}
