/// The headers every transaction reads, parsed once: To, From, the top Via, CSeq, Call-ID and the
/// Request-URI of one ``SIPMessage`` as its typed accessors would answer them (nil when absent or
/// malformed).
///
/// A message holds one after ``SIPMessage/cacheTransactionHeaders()`` until its next change of
/// headers or start line. Without it, each read of `to`, `from`, `topVia`, `cseq` parses its
/// header again, and a UAS read To six times per OPTIONS (docs/benchmarks-transactions.md).
///
/// A class so that copies of a message share it (one retain), immutable so that sharing is safe.
/// The values other than the top Via sit in a second shared object, so that the transport's Via
/// stamp (``replacingTopVia(_:)``, once per request) retains them instead of copying each parsed
/// To, From and URI, and the tags are kept apart, so that reading one copies no name-addr.
final class SIPParsedHeaders: Sendable {
  /// Everything but the top Via.
  final class Values: Sendable {
    let to: SIPNameAddress?
    let from: SIPNameAddress?
    let cseq: SIPCSeq?
    let callID: String?
    let requestURI: SIPURI?
    /// `to?.tag` and `from?.tag`.
    let toTag: String?
    let fromTag: String?
    /// Which values parsed (read without copying them, as `to != nil` would).
    let hasTo: Bool
    let hasFrom: Bool
    let hasCSeq: Bool

    init(to: SIPNameAddress?, from: SIPNameAddress?, cseq: SIPCSeq?, callID: String?, requestURI: SIPURI?) {
      // Read before the values are stored: each is the parameter's last use, so it moves in
      // (reading after the store copied every name-addr and destroyed the copy).
      self.toTag = to?.tag
      self.fromTag = from?.tag
      self.hasTo = to != nil
      self.hasFrom = from != nil
      self.hasCSeq = cseq != nil
      self.to = to
      self.from = from
      self.cseq = cseq
      self.callID = callID
      self.requestURI = requestURI
    }
  }

  let values: Values
  let topVia: SIPVia?
  /// `topVia != nil`.
  let hasTopVia: Bool

  var to: SIPNameAddress? { values.to }
  var from: SIPNameAddress? { values.from }
  var cseq: SIPCSeq? { values.cseq }
  var callID: String? { values.callID }
  var requestURI: SIPURI? { values.requestURI }
  var toTag: String? { values.toTag }
  var fromTag: String? { values.fromTag }

  init(
    to: SIPNameAddress?, from: SIPNameAddress?, topVia: SIPVia?, cseq: SIPCSeq?, callID: String?,
    requestURI: SIPURI?
  ) {
    self.values = Values(to: to, from: from, cseq: cseq, callID: callID, requestURI: requestURI)
    self.hasTopVia = topVia != nil
    self.topVia = topVia
  }

  private init(values: Values, topVia: SIPVia?) {
    self.values = values
    self.hasTopVia = topVia != nil
    self.topVia = topVia
  }

  /// The same values with another top Via (the message's top Via was replaced by it).
  func replacingTopVia(_ via: SIPVia) -> SIPParsedHeaders {
    SIPParsedHeaders(values: values, topVia: via)
  }
}
