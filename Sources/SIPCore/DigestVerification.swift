// The verdict of a server on digest credentials (RFC 7616 §3.3–3.4, RFC 3261 §22.4).

/// What ``DigestVerifier/verify(_:method:requestURI:body:secret:username:now:)`` found.
///
/// ```swift
/// switch verifier.verify(credentials, method: "INVITE", secret: .password(pw), now: now) {
/// case .ok: break                                   // accept the request
/// case .staleNonce: challenge(stale: true)          // same password, new nonce
/// case .wrongResponse, .replayed, .malformed: challenge(stale: false)  // or 403
/// }
/// ```
public enum DigestVerification: Hashable, Sendable {
  /// The credentials are right, for a live nonce, with a nonce count not seen before.
  case ok
  /// The response is right but the nonce expired or is unknown (issued before a restart, or
  /// forgotten): challenge again with `stale=true` so the client retries without asking the user.
  case staleNonce
  /// The response does not match: wrong password (or username, or the request was altered).
  case wrongResponse
  /// The response is right but its nonce count is not above the last one accepted for the nonce:
  /// the request is a replay (RFC 7616 §3.4, §5.7).
  case replayed
  /// The credentials do not answer this server's challenge (other realm, algorithm or qop not
  /// offered, opaque or URI mismatch, a `-sess` response without cnonce); the reason says which.
  case malformed(String)
}
