import Synchronization

/// The headers every transaction reads, parsed once: To, From, the top Via, CSeq, Call-ID and the
/// Request-URI of one ``SIPMessage`` as its typed accessors would answer them (nil when absent or
/// malformed).
///
/// A message holds one after ``SIPMessage/cacheTransactionHeaders()`` until its next change of
/// headers or start line. Without it, each read of `to`, `from`, `topVia`, `cseq` parses its
/// header again, and a UAS read To six times per OPTIONS (docs/benchmarks-transactions.md).
///
/// To and From are checked against their grammar and only their tags kept: their full values
/// (display name, URI, parameter list) are parsed the first time someone asks, and kept from then
/// on. The transaction path (keys, §8.2 checks, the copied lines of a response) never asks, and
/// a parse of both was ~6 % of an OPTIONS transaction (docs/benchmarks-transactions.md, round 6).
///
/// A class so that copies of a message share it (one retain); the values are immutable and the
/// full To and From made on demand sit behind a mutex, so that sharing is safe. The top Via is
/// the one exception: the message that holds the only reference changes it in place when it
/// stamps its Via (``SIPMessage/stampTopVia(received:rport:)``), before anyone else can see it,
/// instead of making a new object and copying the Via's parameter list (~1,000 instructions
/// per request, docs/benchmarks-transactions.md round 7).
/// The values other than the top Via sit in a second shared object, so that the transport's Via
/// stamp (``replacingTopVia(_:)``, once per request) retains them instead of copying each parsed
/// To, From and URI, and the tags are kept apart, so that reading one copies no name-addr.
final class SIPParsedHeaders: @unchecked Sendable {
  /// Everything but the top Via.
  final class Values: Sendable {
    let cseq: SIPCSeq?
    let callID: String?
    let requestURI: SIPURI?
    /// `to?.tag` and `from?.tag`.
    let toTag: String?
    let fromTag: String?
    /// Whether To, From and CSeq parse (read without parsing them, as `to != nil` would).
    let hasTo: Bool
    let hasFrom: Bool
    let hasCSeq: Bool
    /// To and From parsed in full on their first read (nil: not asked yet).
    private let fullTo = Mutex<ParsedAddress?>(nil)
    private let fullFrom = Mutex<ParsedAddress?>(nil)

    init(
      to: (valid: Bool, tag: String?), from: (valid: Bool, tag: String?), cseq: SIPCSeq?, callID: String?,
      requestURI: SIPURI?
    ) {
      self.toTag = to.tag
      self.fromTag = from.tag
      self.hasTo = to.valid
      self.hasFrom = from.valid
      self.hasCSeq = cseq != nil
      self.cseq = cseq
      self.callID = callID
      self.requestURI = requestURI
    }

    /// To parsed by `parse` the first time, the same value after (nil when it does not parse).
    func to(_ parse: () -> SIPNameAddress?) -> SIPNameAddress? {
      hasTo ? Self.once(fullTo, parse) : nil
    }

    /// From, as ``to(_:)``.
    func from(_ parse: () -> SIPNameAddress?) -> SIPNameAddress? {
      hasFrom ? Self.once(fullFrom, parse) : nil
    }

    private static func once(_ slot: borrowing Mutex<ParsedAddress?>, _ parse: () -> SIPNameAddress?)
      -> SIPNameAddress?
    {
      slot.withLock { held in
        if let held { return held.value }
        let made = ParsedAddress(parse())
        held = made
        return made.value
      }
    }
  }

  /// A parsed name-addr held by reference (the mutex then holds one word, not the whole value).
  final class ParsedAddress: Sendable {
    let value: SIPNameAddress?
    init(_ value: SIPNameAddress?) { self.value = value }
  }

  let values: Values
  /// Changed only through ``takeTopVia()`` and ``setTopVia(_:)``, by a message that holds the
  /// only reference (see the type's discussion).
  private(set) var topVia: SIPVia?
  /// `topVia != nil`.
  private(set) var hasTopVia: Bool

  var cseq: SIPCSeq? { values.cseq }
  var callID: String? { values.callID }
  var requestURI: SIPURI? { values.requestURI }
  var toTag: String? { values.toTag }
  var fromTag: String? { values.fromTag }

  init(
    to: (valid: Bool, tag: String?), from: (valid: Bool, tag: String?), topVia: SIPVia?, cseq: SIPCSeq?,
    callID: String?, requestURI: SIPURI?
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

  /// Moves the top Via out (the caller holds the only reference and puts a Via back with
  /// ``setTopVia(_:)`` before sharing it): a Via changed after this is not a copy of one the
  /// cache still holds, so its parameter list changes in place.
  func takeTopVia() -> SIPVia? {
    topVia.take()
  }

  /// Puts `via` as the top Via (the caller holds the only reference, see ``takeTopVia()``).
  func setTopVia(_ via: SIPVia) {
    topVia = via
    hasTopVia = true
  }
}
