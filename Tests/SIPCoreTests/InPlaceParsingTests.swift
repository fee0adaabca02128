import Testing

@testable import SIPCore

/// To, From, the top Via and CSeq are parsed from the message's bytes in place when their line
/// allows it; the values (and failures) must be those of parsing the value's String.
@Suite struct InPlaceParsingTests {
  static let extra: [String] = [
    "OPTIONS sip:a@b SIP/2.0\r\nVia:   SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1  \r\nTo: \"B\" <sip:a@b>;x=1\r\n"
      + "From: c <sip:c@d>;tag=1\r\nCSeq:  7   OPTIONS \r\nCall-ID: x\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\r\nv: SIP/2.0/UDP h , SIP/2.0/TCP p\r\nt: sip:a@b;tag=9\r\nf: <sip:\u{e9}@d>\r\n"
      + "CSeq: 1\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1;rport=99999\r\nTo: <sip:a@b\r\nFrom: ,\r\n"
      + "CSeq: x OPTIONS\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\r\nVia:\r\nTo:\r\nFrom: \"q\\\"\" <sip:c@d>;tag=\"a b\"\r\nCSeq: 1 A B\r\n\r\n",
  ]

  static func check(_ m: SIPMessage, _ label: String) {
    #expect(m.parseTo() == m.firstValue(.to).flatMap { try? SIPNameAddress.parse($0) }, "\(label) To")
    #expect(m.parseFrom() == m.firstValue(.from).flatMap { try? SIPNameAddress.parse($0) }, "\(label) From")
    #expect(m.parseTopVia() == m.firstValue(.via).flatMap { try? SIPVia.parse($0) }, "\(label) Via")
    #expect(m.parseCSeq() == m.firstValue(.cseq).flatMap { try? SIPCSeq.parse($0) }, "\(label) CSeq")
    if let via = m.firstValue(.via) { #expect(m.topViaValue(is: via), "\(label)") }
    #expect(!m.topViaValue(is: "SIP/2.0/UDP other"), "\(label)")
    // memcmp (round 7) against the String comparison: the value, its prefixes, longer texts and
    // every one-byte change.
    if let via = m.header("Via") {
      var texts = [via, "", String(via.dropLast()), via + " ", via + ";x", " " + via]
      let bytes = Array(via.utf8)
      for i in bytes.indices {
        var changed = bytes
        changed[i] = changed[i] == UInt8(ascii: "x") ? UInt8(ascii: "y") : UInt8(ascii: "x")
        texts.append(String(decoding: changed, as: UTF8.self))
      }
      for text in texts {
        #expect(m.topViaValue(is: text) == (m.header("Via") == text), "\(label): \(text)")
      }
    }
  }

  @Test(arguments: ParsedHeaderCacheTests.fixtures)
  func tortureMessages(_ name: String) throws {
    guard let m = try? Fixture.message(name) else { return }
    Self.check(m, name)
  }

  @Test(arguments: extra)
  func oddLayouts(_ text: String) throws {
    Self.check(try SIPMessage.parse(Array(text.utf8)), text)
  }

  @Test func inPlaceIsUsedForPlainLines() throws {
    let m = try SIPMessage.parse(Array(Self.extra[0].utf8))
    #expect(m.inPlaceValue(.via) != nil && m.inPlaceValue(.to) != nil && m.inPlaceValue(.cseq) != nil)
    #expect(m.parseTopVia()?.branch == "z9hG4bKa1")
    #expect(m.parseTo()?.displayName == "B")
    #expect(m.parseCSeq() == SIPCSeq(7, "OPTIONS"))
    let list = try SIPMessage.parse(Array(Self.extra[1].utf8))
    #expect(list.inPlaceValue(.via) == nil)
    #expect(list.inPlaceValue(.from) == nil)  // not ASCII
  }
}
