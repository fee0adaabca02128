/// What ``SIPMessage/validateAsRequest(_:)`` and ``SIPMessage/validateAsResponse(_:)`` check
/// beyond the grammar: who is validating, and what it supports.
///
/// ```swift
/// var policy = SIPValidationPolicy()
/// policy.supportedExtensions = ["100rel", "timer"]    // Require: other → 420
/// policy.acceptedContentTypes = ["application/sdp"]   // other bodies → 415
/// try request.validateAsRequest(policy)
/// ```
public struct SIPValidationPolicy: Sendable, Hashable {
  /// Who validates: a user agent (UAS/UAC) or a proxy. Proxies refuse `Max-Forwards: 0` with
  /// 483 (RFC 3261 §16.3 step 3) where a UAS processes the request (RFC 4475 §3.3.11), and refuse
  /// responses whose next Via is a broadcast address (RFC 4475 §3.3.10).
  public enum Role: Sendable, Hashable {
    case userAgent
    case proxy
  }

  public var role: Role
  /// Request-URI schemes accepted; others get 416 (RFC 3261 §8.2.2.1). Lowercase.
  public var supportedSchemes: Set<String>
  /// Option tags this element supports. When set, a request whose Require (for a user agent) or
  /// Proxy-Require (for a proxy) names another tag gets 420 (RFC 3261 §8.2.2.3). nil: not checked.
  public var supportedExtensions: Set<String>?
  /// Media types (lowercase, no parameters) accepted in request bodies. When set, another
  /// Content-Type gets 415 (RFC 3261 §8.2.3). nil: not checked.
  public var acceptedContentTypes: Set<String>?

  public init(
    role: Role = .userAgent, supportedSchemes: Set<String> = ["sip", "sips", "tel"],
    supportedExtensions: Set<String>? = nil, acceptedContentTypes: Set<String>? = nil
  ) {
    self.role = role
    self.supportedSchemes = supportedSchemes
    self.supportedExtensions = supportedExtensions
    self.acceptedContentTypes = acceptedContentTypes
  }
}
