// The error a digest header value parser throws: what was wrong, and where.

/// A `WWW-Authenticate`, `Proxy-Authenticate`, `Authorization` or `Proxy-Authorization` value that
/// could not be read as digest authentication.
///
/// The error says what was wrong and the UTF-8 byte offset in the header value where the parser
/// stopped, so that a log line can point at the bad byte:
///
/// ```swift
/// do {
///   _ = try DigestChallenge(parsing: #"Digest realm="x", realm="y""#)
/// } catch {
///   print(error)  // duplicated parameter 'realm' at offset 18
/// }
/// ```
public struct DigestParseError: Error, Hashable, Sendable, CustomStringConvertible {
  /// What was wrong, in words (`"missing parameter 'nonce'"`).
  public var reason: String
  /// The UTF-8 byte offset in the header value where the problem was found.
  public var offset: Int

  /// Makes an error; `offset` is a byte offset into the header value.
  public init(_ reason: String, at offset: Int) {
    self.reason = reason
    self.offset = offset
  }

  public var description: String { "\(reason) at offset \(offset)" }
}
