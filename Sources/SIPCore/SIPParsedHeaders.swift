/// The headers every transaction reads, parsed once: To, From, the top Via, CSeq, Call-ID and the
/// Request-URI of one ``SIPMessage`` as its typed accessors would answer them (nil when absent or
/// malformed).
///
/// A message holds one after ``SIPMessage/cacheTransactionHeaders()`` until its next change of
/// headers or start line. Without it, each read of `to`, `from`, `topVia`, `cseq` parses its
/// header again, and a UAS read To six times per OPTIONS (docs/benchmarks-transactions.md).
///
/// A class so that copies of a message share it (one retain), immutable so that sharing is safe.
final class SIPParsedHeaders: Sendable {
  let to: SIPNameAddress?
  let from: SIPNameAddress?
  let topVia: SIPVia?
  let cseq: SIPCSeq?
  let callID: String?
  let requestURI: SIPURI?

  init(
    to: SIPNameAddress?, from: SIPNameAddress?, topVia: SIPVia?, cseq: SIPCSeq?, callID: String?,
    requestURI: SIPURI?
  ) {
    self.to = to
    self.from = from
    self.topVia = topVia
    self.cseq = cseq
    self.callID = callID
    self.requestURI = requestURI
  }

  /// The same values with another top Via (the message's top Via was replaced by it).
  func replacingTopVia(_ via: SIPVia) -> SIPParsedHeaders {
    SIPParsedHeaders(to: to, from: from, topVia: via, cseq: cseq, callID: callID, requestURI: requestURI)
  }
}
