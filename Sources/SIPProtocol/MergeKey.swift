import SIPCore

/// Identifies a request for the merged-request check of RFC 3261 §8.2.2.2. Hashed once, like
/// ``TransactionKey``: stored, looked up and removed by its ``digest``.
struct MergeKey: Hashable, Sendable {
  let fromTag: String
  let callID: String
  let cseq: UInt32
  let method: String
  /// The hash of the four fields, taken once with the process's seeded `Hasher`.
  let digest: Int

  init?(_ request: SIPMessage) {
    guard request.toTag == nil, let fromTag = request.fromTag, let callID = request.callID,
      let cseq = request.cseq, let method = request.method
    else { return nil }
    self.fromTag = fromTag
    self.callID = callID
    self.cseq = cseq.sequence
    self.method = method
    var hasher = Hasher()
    hasher.combine(fromTag)
    hasher.combine(callID)
    hasher.combine(cseq.sequence)
    hasher.combine(method)
    self.digest = hasher.finalize()
  }

  static func == (a: MergeKey, b: MergeKey) -> Bool {
    a.digest == b.digest && a.cseq == b.cseq && a.fromTag == b.fromTag && a.callID == b.callID
      && a.method == b.method
  }

  func hash(into hasher: inout Hasher) { hasher.combine(digest) }
  /// The digest spread over the buckets (``TableHash``), without a second SipHash of it.
  func _rawHashValue(seed: Int) -> Int { TableHash.mix(UInt64(bitPattern: Int64(digest)), seed: seed) }
}
