// What a server knows about an account, to check digest credentials against.

/// The secret a ``DigestVerifier`` checks credentials with.
///
/// ```swift
/// verifier.verify(credentials, method: "REGISTER", secret: .password("secret"), now: now)
/// // or, storing no passwords (RFC 7616 §3.4.2), one HA1 per algorithm offered:
/// let stored = DigestAlgorithm.sha256.ha1(username: "alice", realm: "atlanta.com", password: "secret")!
/// verifier.verify(credentials, method: "REGISTER", secret: .ha1(stored), now: now)
/// ```
public enum DigestSecret: Hashable, Sendable {
  /// The account's password.
  case password(String)
  /// `H(username:realm:password)` as lowercase hex, computed with the algorithm of the credentials
  /// being checked (see ``DigestAlgorithm/ha1(username:realm:password:)``).
  case ha1(String)
}
