import SIPCore

/// Identifies a request for the merged-request check of RFC 3261 §8.2.2.2.
struct MergeKey: Hashable, Sendable {
  var fromTag: String
  var callID: String
  var cseq: UInt32
  var method: String

  init?(_ request: SIPMessage) {
    guard request.to?.tag == nil, let fromTag = request.from?.tag, let callID = request.callID,
      let cseq = request.cseq, let method = request.method
    else { return nil }
    self.fromTag = fromTag
    self.callID = callID
    self.cseq = cseq.sequence
    self.method = method
  }
}
