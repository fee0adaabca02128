import Testing

@testable import SIPCore

/// The grammar checks of round 6 (docs/benchmarks-transactions.md) against the parsers they
/// stand in for: `SIPNameAddress.checkTag` must accept exactly what `SIPNameAddress.parse`
/// accepts, fail with the same reason, and give the parsed value's `tag`; `SIPURI.check` must
/// accept and refuse as `SIPURI.parse`. On every header value of every RFC 4475 message, on odd
/// values, and on every one-byte change of a few seeds.
@Suite struct NameAddressCheckTests {
  /// "tag <value>" or "error <reason>".
  static func parsed(_ text: String) -> String {
    do {
      return "ok " + String(describing: try SIPNameAddress.parse(text).tag)
    } catch {
      return "error " + error.reason
    }
  }

  static func checked(_ text: String) -> String {
    var scanner = SIPScanner(text)
    do {
      return "ok " + String(describing: try SIPNameAddress.checkTag(&scanner))
    } catch {
      return "error " + error.reason
    }
  }

  static func uriParsed(_ bytes: [UInt8]) -> String {
    do {
      _ = try SIPURI.parse(bytes: bytes, from: 0, to: bytes.count)
      return "ok"
    } catch {
      return "error " + error.reason
    }
  }

  static func uriChecked(_ bytes: [UInt8]) -> String {
    do {
      try SIPURI.check(bytes: bytes, from: 0, to: bytes.count)
      return "ok"
    } catch {
      return "error " + error.reason
    }
  }

  static func compare(_ text: String, _ label: String) {
    #expect(checked(text) == parsed(text), "\(label): \(text)")
    let bytes = Array(text.utf8)
    #expect(uriChecked(bytes) == uriParsed(bytes), "\(label) as URI: \(text)")
  }

  static let values: [String] = [
    "<sip:a@b>", "<sip:a@b>;tag=1", "sip:a@b;tag=x", "\"Bob\" <sip:bob@example.com>;tag=a6c85cf",
    "Bob Smith <sip:bob@h>;TAG=Up", "<sip:a@b>;tag", "<sip:a@b>;tag;tag=2", "<sip:a@b>;x=1;tag=\"q r\"",
    "<sip:a@b>;tag=\"unterminated", "<sip:a@b>;tag=", "<sip:a@b>;=1", "<sip:a@b> ; tag = 7 ", "<sip:a@b",
    "sip:a@b?x=1", "<sip:a@b?x=1&y=%41>", "<sip:%zz@b>", "<sip:a@b;p=%4>", "<sips:[2001:db8::1]:5061>",
    "<sip:[2001:db8:::1]>", "<sip:a:pw@h:99999>", "<sip:a@-h>", "<tel:+1-201-555-0123;phone-context=x>",
    "<tel:abc+1>", "<mailto:a@b>", "<urn:>", "\"q\\\"\" <sip:c@d>;tag=\"a b\"", "<sip:a@b> junk", "",
    "  ", "<>", "a b c", "a b <sip:x@y>", "<sip:user;par=1@h>", "<sip:a@b;lr;maddr=x>;tag=z",
    "<sip:a@b>;tag=\"x\\\"y\"", "\"\u{e9}\" <sip:\u{e9}@d>;tag=\u{e9}", "<sip:a@b>;tag=[::1]",
    "<sip:a@b>,<sip:c@d>", "<SIP:A@B>;Tag=1", "<sip:a@b>;tag=1;tag=2", "<sip:h;transport=tcp?>",
    "\"x\" sip:a@b", "<sip:a@b>;tag=a\"b",
  ]

  @Test(arguments: values)
  func oddValues(_ text: String) {
    Self.compare(text, "value")
  }

  @Test(arguments: ParsedHeaderCacheTests.fixtures)
  func tortureMessageValues(_ name: String) throws {
    guard let m = try? Fixture.message(name) else { return }
    for f in m.fields {
      Self.compare(m.valueString(f.valueStart..<f.valueEnd, folded: f.folded), name)
    }
    for range in ByteFastPathTests.uriRanges(m) {
      let bytes = Array(m.bytes[range])
      #expect(Self.uriChecked(bytes) == Self.uriParsed(bytes), "\(name) \(range)")
    }
  }

  /// Every one-byte change of each seed to one of the bytes the grammar cares about: ~5,000
  /// values, each compared.
  @Test func oneByteChanges() {
    let seeds = [
      "\"Al\" <sip:al:pw@[::1]:5060;lr?h=v>;tag=9f;x=\"y\"",
      "sip:b%41@h.example;user=phone;tag=z9",
      "<tel:+1-555;ext=2>;tag=t",
    ]
    let interesting = Array("<>\"\\;=:@?&%[] ,.-+a1\r\n".utf8) + [0x00, 0x7F, 0xC3]
    var compared = 0
    for seed in seeds {
      let bytes = Array(seed.utf8)
      for i in bytes.indices {
        for b in interesting where b != bytes[i] {
          var changed = bytes
          changed[i] = b
          Self.compare(String(decoding: changed, as: UTF8.self), "one byte")
          compared += 1
        }
      }
    }
    #expect(compared > 1000)
  }

  /// The cache reads To and From in full only when asked, and then the same value every time.
  @Test func fullValuesParsedOnDemand() throws {
    var m = try SIPMessage.parse(
      Array(
        ("OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nTo: \"B\" <sip:b@c>\r\n"
          + "From: <sip:a@b>;tag=f1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n").utf8))
    m.cacheTransactionHeaders()
    #expect(m.toTag == nil)
    #expect(m.fromTag == "f1")
    #expect(m.to == (try SIPNameAddress.parse("\"B\" <sip:b@c>")))
    #expect(m.to?.displayName == "B")
    #expect(m.from?.uri.user == "a")
    let copy = m
    #expect(copy.from == m.from)
    var bad = try SIPMessage.parse(
      Array(("OPTIONS sip:a@b SIP/2.0\r\nTo: <sip:b@c\r\nFrom: sip:a@b?x=1\r\nCall-ID: x\r\n\r\n").utf8))
    bad.cacheTransactionHeaders()
    #expect(bad.to == nil)
    #expect(bad.from == nil)
    #expect(bad.toTag == nil)
    #expect(throws: SIPParseError.self) { try bad.validateAsRequest() }
  }
}
