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
/// The tags are kept apart, so that reading one copies no name-addr.
///
/// A class so that copies of a message share it (one retain); the values are immutable and the
/// full To and From made on demand sit behind a mutex, so that sharing is safe. The top Via is
/// the one exception: the message that holds the only reference changes it in place when it
/// stamps its Via (``SIPMessage/stampTopVia(received:rport:)``), before anyone else can see it,
/// instead of making a new object and copying the Via's parameter list (~1,000 instructions
/// per request, docs/benchmarks-transactions.md round 7). A shared one is replaced
/// (``replacingTopVia(_:)``). One object: the values other than the top Via used to sit in a
/// second one, so that the stamp's replacement retained them in one go; with the stamp in place
/// that saved nothing and cost an allocation per request (round 7).
final class SIPParsedHeaders: @unchecked Sendable {
  let cseq: SIPCSeq?
  let callID: String?
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
  /// The Request-URI parsed on its first read (nil: not asked yet), as To and From: the §8.2
  /// checks and a UAS dialog read it, but an ACK usually never is read that far, and its parse
  /// was ~2,100 instructions a request.
  private let parsedRequestURI: Mutex<ParsedURI?>
  /// The values are a response's: no Request-URI, nothing to parse.
  private let isResponse: Bool
  /// Changed only through ``takeTopVia()`` and ``setTopVia(_:)``, by a message that holds the
  /// only reference (see the type's discussion).
  private(set) var topVia: SIPVia?
  /// `topVia != nil`.
  private(set) var hasTopVia: Bool

  /// A parsed name-addr held by reference (the mutex then holds one word, not the whole value).
  final class ParsedAddress: Sendable {
    let value: SIPNameAddress?
    init(_ value: SIPNameAddress?) { self.value = value }
  }

  /// A parsed Request-URI held by reference, as ``ParsedAddress``.
  final class ParsedURI: Sendable {
    let value: SIPURI?
    init(_ value: SIPURI?) { self.value = value }
  }

  init(
    to: (valid: Bool, tag: String?), from: (valid: Bool, tag: String?), topVia: SIPVia?, cseq: SIPCSeq?,
    callID: String?
  ) {
    self.toTag = to.tag
    self.fromTag = from.tag
    self.hasTo = to.valid
    self.hasFrom = from.valid
    // `if case`, not `!= nil`: for these Equatable values `!=` compared two Optionals, copying the
    // argument into a pair and destroying it after (~580 instructions a request).
    if case .some = cseq { self.hasCSeq = true } else { self.hasCSeq = false }
    self.cseq = cseq
    self.callID = callID
    self.parsedRequestURI = Mutex(nil)
    self.isResponse = false
    if case .some = topVia { self.hasTopVia = true } else { self.hasTopVia = false }
    self.topVia = topVia
  }

  /// `other`'s values with another top Via (To and From are parsed again if asked).
  private init(copying other: SIPParsedHeaders, topVia: SIPVia?) {
    self.toTag = other.toTag
    self.fromTag = other.fromTag
    self.hasTo = other.hasTo
    self.hasFrom = other.hasFrom
    self.hasCSeq = other.hasCSeq
    self.cseq = other.cseq
    self.callID = other.callID
    // The same start line: a Request-URI parsed already is the new message's too.
    self.parsedRequestURI = Mutex(other.parsedRequestURI.withLock { $0 })
    self.isResponse = other.isResponse
    self.hasTopVia = topVia != nil
    self.topVia = topVia
  }

  /// The values of a response built from the request these are of (``SIPMessage/makeResponse``
  /// copies the Via, From, Call-ID and CSeq lines as they are): the same top Via, CSeq, Call-ID
  /// and From; To as `to` says when the response's first To line is not the request's (a tag
  /// added), else the request's; no Request-URI.
  init(response request: SIPParsedHeaders, to: (valid: Bool, tag: String?)?) {
    self.toTag = to.map { $0.tag } ?? request.toTag
    self.hasTo = to.map { $0.valid } ?? request.hasTo
    self.fromTag = request.fromTag
    self.hasFrom = request.hasFrom
    self.hasCSeq = request.hasCSeq
    self.cseq = request.cseq
    self.callID = request.callID
    self.parsedRequestURI = Mutex(nil)
    self.isResponse = true
    self.hasTopVia = request.hasTopVia
    self.topVia = request.topVia
  }

  /// To parsed by `parse` the first time, the same value after (nil when it does not parse).
  func to(_ parse: () -> SIPNameAddress?) -> SIPNameAddress? {
    hasTo ? Self.once(fullTo, parse) : nil
  }

  /// The Request-URI parsed by `parse` the first time, the same value after (nil for a
  /// response's values, and when it does not parse).
  func requestURI(_ parse: () -> SIPURI?) -> SIPURI? {
    guard !isResponse else { return nil }
    return parsedRequestURI.withLock { held in
      if let held { return held.value }
      let made = ParsedURI(parse())
      held = made
      return made.value
    }
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

  /// `body` run on the top Via where it is stored, without the copy (and its destroy) that
  /// reading ``topVia`` out makes through Optional's value witnesses (the branch's callgrind run:
  /// 7 Optional copies and 7 destroys fewer per call with three such readers on the transport's
  /// path; docs/benchmarks-calls.md, "copies").
  func withTopVia<R>(_ body: (SIPVia?) throws -> R) rethrows -> R {
    try body(topVia)
  }

  /// The same values with another top Via (the message's top Via was replaced by it).
  func replacingTopVia(_ via: SIPVia) -> SIPParsedHeaders {
    SIPParsedHeaders(copying: self, topVia: via)
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
