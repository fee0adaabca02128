// Why a client could not answer a digest challenge.

/// The reason ``DigestClient`` (or ``DigestCredentials/init(answering:username:password:method:uri:body:qop:nonceCount:cnonce:)``)
/// made no credentials.
///
/// ```swift
/// do {
///   let answers = try client.respond(to: challenges, method: "INVITE", uri: target)
/// } catch where error.code == .credentialsRejected {
///   // the server refused this username and password: give up, do not loop
/// }
/// ```
public struct DigestClientError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The kinds of failure.
  public enum Code: Hashable, Sendable {
    /// No challenge could be used: none parsed as Digest, or none has a supported algorithm.
    case noUsableChallenge
    /// The challenge's algorithm is not supported (SHA-512-256, or an unknown one).
    case unsupportedAlgorithm
    /// None of the challenge's qop values is supported.
    case unsupportedQop
    /// The server challenged again without `stale=true` after credentials for that realm were
    /// sent: the username or password is wrong (RFC 3261 §22.2: do not retry them).
    case credentialsRejected
  }

  /// What kind of failure.
  public var code: Code
  /// The details, in words.
  public var reason: String

  /// Makes an error.
  public init(_ code: Code, _ reason: String) {
    self.code = code
    self.reason = reason
  }

  public var description: String { reason }
}
