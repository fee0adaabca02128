import SIPCore
import Testing

@testable import SIPProtocol

/// Keys hashed once (round 4 of docs/benchmarks-transactions.md) must find what the keys they
/// replaced found: equal exactly when their fields are equal, whatever their digests.
@Suite struct TransactionKeyTests {
  static func request(branch: String, host: String = "192.0.2.1", tag: String = "f1", cseq: Int = 1) throws
    -> SIPMessage
  {
    let text =
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP \(host):5060;branch=\(branch)\r\nFrom: <sip:c@d>;tag=\(tag)\r\n"
      + "To: <sip:a@b>\r\nCall-ID: c1\r\nCSeq: \(cseq) OPTIONS\r\nMax-Forwards: 70\r\n\r\n"
    var m = try SIPMessage.parse(Array(text.utf8))
    m.cacheTransactionHeaders()
    return m
  }

  @Test func serverKeysMatchOnBranchSentByAndMethod() throws {
    let a = try #require(TransactionKey.server(for: try Self.request(branch: "z9hG4bK1"), method: "OPTIONS"))
    let same = try #require(
      TransactionKey.server(for: try Self.request(branch: "z9hG4bK1"), method: "OPTIONS"))
    let upper = try #require(
      TransactionKey.server(
        for: try Self.request(branch: "z9hG4bK1", host: "HOST.invalid"), method: "OPTIONS"))
    let lower = try #require(
      TransactionKey.server(
        for: try Self.request(branch: "z9hG4bK1", host: "host.invalid"), method: "OPTIONS"))
    let other = try #require(
      TransactionKey.server(for: try Self.request(branch: "z9hG4bK2"), method: "OPTIONS"))
    let method = try #require(
      TransactionKey.server(for: try Self.request(branch: "z9hG4bK1"), method: "INVITE"))
    #expect(a == same && a.digest == same.digest)
    #expect(upper == lower)
    #expect(a != other && a != method && a != upper)
    let table: [TransactionKey: Int] = [a: 1, other: 2, method: 3, upper: 4]
    #expect(table[same] == 1 && table[lower] == 4 && table.count == 4)
  }

  @Test func digestIsTheKindsHash() throws {
    let kinds: [TransactionKey.Kind] = [
      .client(branch: "z9hG4bKx", method: "INVITE"), .server(branch: "b", sentBy: "h:1", method: "BYE"),
      .legacy(
        requestURI: "sip:a@b", fromTag: "1", callID: "c", cseq: 2, topVia: "SIP/2.0/UDP h", method: "INVITE"),
    ]
    for kind in kinds {
      #expect(TransactionKey(kind).digest == kind.hashValue)
      #expect(TransactionKey(kind) == TransactionKey(kind))
    }
    #expect(TransactionKey(kinds[0]) != TransactionKey(kinds[1]))
  }

  @Test func legacyKeysForBranchesWithoutTheCookie() throws {
    let key = try #require(TransactionKey.server(for: try Self.request(branch: "old1"), method: "OPTIONS"))
    #expect(key.isLegacy)
    guard case .legacy(_, let fromTag, let callID, let cseq, _, _) = key.kind else {
      Issue.record("not a legacy key")
      return
    }
    #expect(fromTag == "f1" && callID == "c1" && cseq == 1)
  }

  @Test func mergeKeysCompareAllFourFields() throws {
    let a = try #require(MergeKey(try Self.request(branch: "z9hG4bK1")))
    let forked = try #require(MergeKey(try Self.request(branch: "z9hG4bK2")))
    let tag = try #require(MergeKey(try Self.request(branch: "z9hG4bK1", tag: "f2")))
    let cseq = try #require(MergeKey(try Self.request(branch: "z9hG4bK1", cseq: 2)))
    #expect(a == forked && a.digest == forked.digest)
    #expect(a != tag && a != cseq)
    let table: Set<MergeKey> = [a, tag, cseq]
    #expect(table.contains(forked) && table.count == 3)
  }

  /// The byte readings of round 7 against the String operations they replace.
  @Test(arguments: [
    "z9hG4bK", "z9hG4bK1", "z9hG4bKabc.def", "Z9hG4bK1", "z9hg4bK1", "z9hG4b", "", "x", "z9hG4bKé",
    "z9hG4bK\u{301}", "z9hG4bK\u{301}x", "éz9hG4bK1", "z9hG4bK-524287-1---",
  ])
  func magicCookieAsHasPrefix(_ branch: String) {
    let expected = branch.hasPrefix(SIPVia.magicCookie) && branch.utf8.count > SIPVia.magicCookie.utf8.count
    #expect(TransactionKey.hasMagicCookie(branch) == expected, "\(branch)")
    #expect(
      TransactionKey.hasMagicCookie(branch)
        == SIPVia(transport: "UDP", host: "h", branch: branch).isRFC3261Branch)
  }

  @Test(arguments: [
    "127.0.0.1:5060", "host.invalid", "HOST.Invalid:5", "[2001:db8::1]:5060", "[2001:DB8::A]", "", "ÉCOLE.fr",
    "école.fr:1", "h_1-2.x:65535",
  ])
  func lowercasedAsString(_ text: String) {
    #expect(TransactionKey.lowercased(text) == text.lowercased(), "\(text)")
  }
}
