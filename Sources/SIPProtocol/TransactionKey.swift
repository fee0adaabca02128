import SIPCore

/// The keys a transaction is found by (RFC 3261 §17.1.3, §17.2.3), hashed once.
///
/// The layer hashes a request's key to look it up, again to store it, and the stored key again
/// to remove it when the transaction ends; each hash of the Strings in it walked them all. The
/// key keeps its hash (``digest``, taken with the process's seeded `Hasher`, so a peer cannot
/// choose colliding branches any more than before) and the tables hash those eight bytes.
struct TransactionKey: Hashable, Sendable {
  enum Kind: Hashable, Sendable {
    /// A client transaction: the branch of the Via we added, and the CSeq method (§17.1.3) — a
    /// CANCEL shares its INVITE's branch.
    case client(branch: String, method: String)
    /// A server transaction of an RFC 3261 peer: branch, sent-by of the top Via, and the method,
    /// ACK counted as INVITE (§17.2.3).
    case server(branch: String, sentBy: String, method: String)
    /// A server transaction of an RFC 2543 peer, whose branch lacks the magic cookie (§17.2.3):
    /// Request-URI, From tag, Call-ID, CSeq number, top Via and the method (ACK as INVITE). The To
    /// tag is checked apart, because an ACK carries the tag of our response and the INVITE none.
    /// Out of line (`indirect`): its six fields made every key 96 bytes, in each record and in
    /// the table that finds them, for a case RFC 3261 peers never use; the key is 64 now.
    indirect case legacy(
      requestURI: String, fromTag: String, callID: String, cseq: UInt32, topVia: String, method: String)
  }

  let kind: Kind
  /// `kind.hashValue`, taken once.
  let digest: Int

  init(_ kind: Kind) {
    self.kind = kind
    self.digest = kind.hashValue
  }

  static func == (a: TransactionKey, b: TransactionKey) -> Bool { a.digest == b.digest && a.kind == b.kind }
  func hash(into hasher: inout Hasher) { hasher.combine(digest) }
  /// The digest spread over the buckets (``TableHash``), without a second SipHash of it.
  func _rawHashValue(seed: Int) -> Int { TableHash.mix(UInt64(bitPattern: Int64(digest)), seed: seed) }

  static func client(branch: String, method: String) -> TransactionKey {
    TransactionKey(.client(branch: branch, method: method))
  }
  static func server(branch: String, sentBy: String, method: String) -> TransactionKey {
    TransactionKey(.server(branch: branch, sentBy: sentBy, method: method))
  }
  static func legacy(
    requestURI: String, fromTag: String, callID: String, cseq: UInt32, topVia: String, method: String
  ) -> TransactionKey {
    TransactionKey(
      .legacy(
        requestURI: requestURI, fromTag: fromTag, callID: callID, cseq: cseq, topVia: topVia, method: method))
  }

  /// The method a server transaction is keyed by: ACK and CANCEL find the INVITE's (§17.2.3, §9.2).
  static func serverMethod(_ method: String) -> String { method == "ACK" ? "INVITE" : method }

  /// The key a request would have at the server side, with `method` replacing its own (CANCEL
  /// matching uses INVITE, §9.2).
  static func server(for request: SIPMessage, method: String) -> TransactionKey? {
    // Read in place: the Via's copy and destroy cost more than the two fields (withTopVia).
    var hasVia = false
    let rfc3261 = request.withTopVia { via -> (branch: String, sentBy: String)? in
      guard let via else { return nil }
      hasVia = true
      // via.isRFC3261Branch, with one lookup of the branch.
      guard let branch = via.branch, hasMagicCookie(branch) else { return nil }
      return (branch, via.sentBy)
    }
    guard hasVia else { return nil }
    if let key = rfc3261 {
      return .server(branch: key.branch, sentBy: lowercased(key.sentBy), method: method)
    }
    return .legacy(
      requestURI: request.requestURI ?? "", fromTag: request.fromTag ?? "", callID: request.callID ?? "",
      cseq: request.cseq?.sequence ?? 0, topVia: request.header("Via") ?? "", method: method)
  }

  /// Whether `branch` starts with the magic cookie and has more after it (``SIPVia/isRFC3261Branch``),
  /// read from its bytes (`hasPrefix` and the static cookie String cost ~300 instructions, round 7).
  static func hasMagicCookie(_ branch: String) -> Bool {
    let cookie: StaticString = "z9hG4bK"
    var branch = branch
    let byBytes = branch.withUTF8 { bytes -> Bool? in
      guard bytes.count > cookie.utf8CodeUnitCount else { return false }
      for i in 0..<cookie.utf8CodeUnitCount where bytes[i] != cookie.utf8Start[i] { return false }
      // A non-ASCII byte after the cookie could join its last character (hasPrefix compares
      // characters): asked of String then. A parsed branch is a token, so ASCII.
      return bytes[cookie.utf8CodeUnitCount] < 0x80 ? true : nil
    }
    return byBytes ?? (branch.hasPrefix(SIPVia.magicCookie) && branch.utf8.count > cookie.utf8CodeUnitCount)
  }

  /// `text.lowercased()`, without making a new String when it is ASCII with no capital letter
  /// (sent-by is nearly always an address or a lowercase name).
  static func lowercased(_ text: String) -> String {
    var text = text
    let unchanged = text.withUTF8 { bytes in !bytes.contains { $0 >= 0x80 || $0 &- 0x41 < 26 } }
    return unchanged ? text : text.lowercased()
  }

  /// The key of a client transaction for a request we send, or for a response we receive.
  static func client(for message: SIPMessage) -> TransactionKey? {
    guard let branch = message.withTopVia({ $0?.branch }), let method = message.cseq?.method ?? message.method
    else {
      return nil
    }
    return .client(branch: branch, method: method)
  }

  var isLegacy: Bool {
    if case .legacy = kind { return true }
    return false
  }
}
