/// BYE: sources leaving, with an optional reason (RFC 3550 §6.6).
public struct RTCPGoodbye: Hashable, Sendable {
  public var ssrcs: [UInt32]
  /// Reason octets (UTF-8 text, at most 255), nil when absent.
  public var reason: [UInt8]?

  public init(ssrcs: [UInt32], reason: String? = nil) {
    self.ssrcs = ssrcs
    self.reason = reason.map { Array($0.utf8.prefix(255)) }
  }

  public init(ssrcs: [UInt32], reasonBytes: [UInt8]?) {
    self.ssrcs = ssrcs
    self.reason = reasonBytes
  }

  public var reasonText: String? { reason.map { String(decoding: $0, as: UTF8.self) } }
}
