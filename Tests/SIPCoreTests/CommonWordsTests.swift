import Testing

@testable import SIPCore

/// The literals of `SIPCommonWords` against the Strings decoded from the same bytes, and the
/// one-pass IPv4 check against the split it replaced (msgcost, docs/benchmarks-calls.md).
@Suite struct CommonWordsTests {
  static let words = [
    "lr", "WS", "SIP", "2.0", "UDP", "TCP", "TLS", "ACK", "BYE", "WSS", "tag", "ttl", "INFO", "SCTP", "user",
    "PRACK", "REFER", "rport", "maddr", "INVITE", "CANCEL", "NOTIFY", "UPDATE", "branch", "OPTIONS",
    "MESSAGE", "PUBLISH", "expires", "REGISTER", "received", "SUBSCRIBE", "transport",
  ]

  /// Every word, and every one-byte change, case change and cut of it, in the middle of other
  /// bytes: the answer is the decoded String, and a literal only for an exact word.
  @Test func literalsAreTheDecodedStrings() {
    var cases: [[UInt8]] = [[], [0x41], [0xFF, 0xFE], Array("invite".utf8), Array("Invite".utf8)]
    for word in Self.words {
      let bytes = Array(word.utf8)
      cases.append(bytes)
      cases.append(Array(bytes.dropLast()))
      cases.append(bytes + [UInt8(ascii: "x")])
      for i in bytes.indices {
        for replacement: UInt8 in [0x00, 0x20, UInt8(ascii: "a"), UInt8(ascii: "Z"), 0x80, 0xC3] {
          var changed = bytes
          changed[i] = replacement
          cases.append(changed)
        }
        var flipped = bytes
        flipped[i] ^= 0x20
        cases.append(flipped)
      }
    }
    for bytes in cases {
      let padded = [UInt8(ascii: ";")] + bytes + [UInt8(ascii: ";")]
      let range = 1..<(1 + bytes.count)
      let decoded = String(decoding: bytes, as: UTF8.self)
      #expect(SIPCommonWords.string(padded, range) == decoded, "\(bytes)")
      #expect(SIPCommonWords.string(padded[range]) == decoded, "\(bytes)")
      let literal = SIPCommonWords.common(padded, range)
      #expect((literal != nil) == Self.words.contains(decoded), "\(bytes)")
      if let literal { #expect(Array(literal.utf8) == bytes) }
    }
  }

  @Test func methodsReadAsWritten() throws {
    for method in ["INVITE", "ACK", "BYE", "OPTIONS", "FOO", "invite", "REGISTERX", "SUBSCRIBE"] {
      let text = "\(method) sip:a@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\r\n"
      let m = try SIPMessage.parse(Array(text.utf8))
      #expect(m.method == method)
    }
  }

  /// The split-based check that `isIPv4Address` replaced.
  static func splitIPv4(_ bytes: ArraySlice<UInt8>) -> Bool {
    let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
    guard parts.count == 4 else { return false }
    return parts.allSatisfy { $0.count <= 3 && SIPGrammar.decimal($0, limit: 255) != nil }
  }

  @Test func ipv4CheckAgreesWithTheSplit() {
    var cases = [
      "", ".", "...", "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4",
      "001.2.3.4", "0001.2.3.4", "1..3.4", ".1.2.3", "1.2.3.", "1.2.3.4a", "a.b.c.d", "127.0.0.1",
      "192.168.001.010", "1.2.3.999", " 1.2.3.4", "1.2.3.-4", "300.300.300.300",
    ]
    // Every string of up to 7 bytes over a small alphabet (bounded: 6^7 = 279,936 is too many;
    // up to 5 bytes plus the above is enough to cover the dot and digit-count rules).
    let alphabet: [Character] = ["1", "2", "5", "9", "0", "."]
    var frontier = [""]
    for _ in 0..<5 {
      frontier = frontier.flatMap { prefix in alphabet.map { prefix + String($0) } }
      cases += frontier
    }
    for text in cases {
      let bytes = Array(text.utf8)[...]
      #expect(SIPURI.isIPv4Address(bytes) == Self.splitIPv4(bytes), "\(text)")
    }
    // Longer ones built from groups.
    for a in ["0", "9", "25", "255", "256", "1000", ""] {
      for b in ["1", "99", "250", "260"] {
        let text = "\(a).\(b).\(a).\(b)"
        #expect(
          SIPURI.isIPv4Address(Array(text.utf8)[...]) == Self.splitIPv4(Array(text.utf8)[...]), "\(text)")
      }
    }
  }
}
