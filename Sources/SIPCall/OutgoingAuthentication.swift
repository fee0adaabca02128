import Logging
import SIPCore
import SIPProtocol

// Digest for the requests of a call (RFC 3261 §22.2): INVITE, re-INVITE, BYE, INFO and the other
// in-dialog requests answer a 401/407 with the call's `auth` (else the agent's credentials).
extension Call {
  /// When `response` challenges `request` and the call has credentials that can answer it,
  /// sends the request again with them — a new request of the session: the initial INVITE with
  /// CSeq + 1 and the same Call-ID and From tag, an in-dialog request with the dialog's next
  /// CSeq — and returns true: the challenge is not the request's outcome, the new request's is.
  ///
  /// Returns false, and the challenge is the final response, when there are no credentials,
  /// when they were refused (the realm challenged again without `stale=true`, or the nonce they
  /// answered), after ``SIPCredentials/maximumRetries`` retries, or when the session no longer
  /// waits on the request.
  func sendAuthenticated(
    _ request: SIPMessage, challengedBy response: SIPMessage, attempt: Int,
    completion: ((Result<SIPMessage, CallError>) -> Void)?
  ) -> Bool {
    guard let code = response.statusCode, code == 401 || code == 407,
      let credentials = parameters.auth ?? agent.configuration.credentials
    else { return false }
    let method = request.method ?? "?"
    guard attempt < SIPCredentials.maximumRetries else {
      agent.logger.warning(
        "call: \(method) challenged \(attempt + 1) times: giving up", metadata: ["call-id": "\(id)"])
      return false
    }
    let authorized: SIPMessage
    switch credentials.authorize(request, challengedBy: response) {
    case .success(let message): authorized = message
    case .failure(let refusal):
      agent.logger.warning("call: \(method) got \(code): \(refusal)", metadata: ["call-id": "\(id)"])
      return false
    }
    guard var current = session, let retry = current.retry(authorized) else { return false }
    session = current
    agent.logger.debug(
      "call: \(method) answered \(code) as \(credentials)", metadata: ["call-id": "\(id)"])
    send(retry, authAttempt: attempt + 1, completion: completion)
    return true
  }
}
