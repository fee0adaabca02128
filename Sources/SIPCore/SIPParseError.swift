/// Why a SIP message, URI or header value was refused, where, and what a UAS should answer.
///
/// Every parser and validator in SIPCore reports failures with this one small value, never with a
/// trap. `statusCode` is the response a UAS should send for a refused request: 400 in general,
/// 505 for an unsupported SIP version, 416 for an unsupported Request-URI scheme, 420 for an
/// unsupported `Require` option, 415 for an unsupported body type, 483 for `Max-Forwards: 0` at a
/// proxy. A refused *response* is never answered; it is dropped (RFC 3261 §16.7, §18.1.2), and its
/// `statusCode` only classifies the failure.
///
/// ```swift
/// do { _ = try SIPMessage.parse(bytes) } catch {
///   print(error)  // "line 1: Request-Line must be Method SP Request-URI SP SIP-Version (RFC 3261 §25.1) [400]"
/// }
/// ```
public struct SIPParseError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The 1-based line of the message where the problem is, when known (folded lines count apart).
  public var line: Int?
  /// The header field name as written in the message, when the problem is in one header.
  public var header: String?
  /// The rule broken, in words, citing the RFC section where one applies.
  public var reason: String
  /// The status code a UAS should answer with (see the type's discussion).
  public var statusCode: Int

  public init(line: Int? = nil, header: String? = nil, reason: String, statusCode: Int = 400) {
    self.line = line
    self.header = header
    self.reason = reason
    self.statusCode = statusCode
  }

  public var description: String {
    var text = ""
    if let line { text += "line \(line): " }
    if let header { text += "\(header): " }
    return text + reason + " [\(statusCode)]"
  }

  /// The same error, attributed to a header field and line (the first attribution wins).
  func located(line: Int?, header: String?) -> SIPParseError {
    var copy = self
    if copy.line == nil { copy.line = line }
    if copy.header == nil { copy.header = header }
    return copy
  }
}
