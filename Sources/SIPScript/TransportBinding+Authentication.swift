import SIPCall
import SIPCore
import SIPTransport

// Digest for sip.request (RFC 3261 §22.2): a 401/407 is answered with the request's `auth` (else
// sip.config's) by sending it again — CSeq + 1, the same Call-ID and From tag, a new branch.
extension TransportBinding {
  /// Sends `request` (to `target` first when given) and reports its final response; a challenge
  /// the credentials can answer is answered, at most ``SIPCredentials/maximumRetries`` times,
  /// and the response to the last request sent is the outcome. Refused credentials leave the
  /// 401/407 as the outcome.
  func sendAuthenticated(
    _ request: SIPMessage, target: SIPURI?, credentials: SIPCredentials?, attempt: Int = 0,
    completion: @escaping (Result<SIPMessage, SIPTransportError>) -> Void
  ) {
    transport.sendRequest(request, target: target) { [weak self] result in
      guard let self, let credentials, attempt < SIPCredentials.maximumRetries,
        case .success(let response) = result, let code = response.statusCode, code == 401 || code == 407,
        case .success(var retry) = credentials.authorize(request, challengedBy: response),
        let cseq = request.cseq
      else { return completion(result) }
      retry.setHeader("CSeq", SIPCSeq(cseq.sequence &+ 1, cseq.method).description)
      sendAuthenticated(
        retry, target: target, credentials: credentials, attempt: attempt + 1, completion: completion)
    }
  }
}
