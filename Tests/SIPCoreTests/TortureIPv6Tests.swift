import SIPCore
import Testing

/// RFC 5118: IPv6 torture messages.
@Suite("RFC 5118 IPv6 messages")
struct TortureIPv6Tests {
  @Test("4.1 ipv6-good: IPv6 references in Request-URI, Via and Contact")
  func ipv6Good() throws {
    let m = try Fixture.message("rfc5118/ipv6-good")
    #expect(m.requestError() == nil)
    #expect(m.requestURIValue?.host == "[2001:db8::10]")
    #expect(m.requestURIValue?.hostWithoutBrackets == "2001:db8::10")
    #expect(m.topVia?.host == "[2001:db8::9:1]")
    #expect(m.topVia?.port == nil)
    #expect(m.contacts.first?.uri.host == "[2001:db8::1]")
    #expect(m.contacts.first?.displayName == "Caller")
  }

  @Test("4.2 ipv6-bad: IPv6 address without brackets in the Request-URI")
  func ipv6Bad() throws {
    let m = try Fixture.message("rfc5118/ipv6-bad")
    #expect(m.requestURIValue == nil)
    let error = try #require(m.requestError())
    #expect(error.statusCode == 400)
    #expect(error.line == 1)
  }

  @Test("4.3 port-ambiguous: [2001:db8::10:5070] is an address, not a port")
  func portAmbiguous() throws {
    let m = try Fixture.message("rfc5118/port-ambiguous")
    #expect(m.requestError() == nil)
    #expect(m.requestURIValue?.host == "[2001:db8::10:5070]")
    #expect(m.requestURIValue?.port == nil)
  }

  @Test("4.3 port-unambiguous: [2001:db8::10]:5070")
  func portUnambiguous() throws {
    let m = try Fixture.message("rfc5118/port-unambiguous")
    #expect(m.requestError() == nil)
    #expect(m.requestURIValue?.host == "[2001:db8::10]")
    #expect(m.requestURIValue?.port == 5070)
  }

  @Test("4.4 ipv6-bug-abnf-3-colons: three colons are refused")
  func threeColons() throws {
    let m = try Fixture.message("rfc5118/ipv6-bug-abnf-3-colons")
    #expect(m.requestURIValue == nil)
    let error = try #require(m.requestError())
    #expect(error.statusCode == 400)
    #expect(error.reason.contains("IPv6"))
  }

  @Test("4.4 ipv6-correct-abnf-2-colons: IPv4 suffix after ::")
  func twoColons() throws {
    let m = try Fixture.message("rfc5118/ipv6-correct-abnf-2-colons")
    #expect(m.requestError() == nil)
    #expect(m.requestURIValue?.host == "[2001:db8::192.0.2.1]")
    #expect(m.to?.uri.host == "[2001:db8::192.0.2.1]")
  }

  @Test("4.5 via-received-param-with-delim: received=[2001:db8::9:255]")
  func receivedWithDelimiter() throws {
    let m = try Fixture.message("rfc5118/via-received-param-with-delim")
    #expect(m.requestError() == nil)
    #expect(m.topVia?.received == "[2001:db8::9:255]")
    #expect(m.topVia?.branch == "z9hG4bKas3-111")
  }

  @Test("4.5 via-received-param-no-delim: received=2001:db8::9:255")
  func receivedWithoutDelimiter() throws {
    let m = try Fixture.message("rfc5118/via-received-param-no-delim")
    #expect(m.requestError() == nil)
    #expect(m.topVia?.received == "2001:db8::9:255")
    #expect(m.topVia?.branch == "z9hG4bKas3")
  }

  @Test("4.6 mult-ip-in-header: IPv4 and IPv6 Via values")
  func multipleAddressesInHeaders() throws {
    let m = try Fixture.message("rfc5118/mult-ip-in-header")
    #expect(m.requestError() == nil)
    let vias = m.vias
    #expect(vias.map(\.host) == ["[2001:db8::9:1]", "192.0.2.1", "[2001:db8::9:255]"])
    #expect(vias.map(\.port) == [6050, nil, nil])
    #expect(vias.map(\.transport) == ["UDP", "UDP", "TCP"])
    #expect(vias[2].received == "192.0.2.200")
  }

  @Test("4.7 ipv4-mapped-ipv6: IPv4-mapped addresses")
  func ipv4Mapped() throws {
    let m = try Fixture.message("rfc5118/ipv4-mapped-ipv6")
    #expect(m.requestError() == nil)
    #expect(m.vias.map(\.sentBy) == ["[::ffff:192.0.2.10]:19823", "[::ffff:192.0.2.2]"])
    #expect(m.contacts.first?.uri.host == "[::ffff:192.0.2.2]")
    #expect(m.contacts.first?.displayName == "T. desk phone")
    #expect(m.body.count == 245)
  }

  @Test("4.8 ipv6-in-sdp: the SIP layer carries the SDP untouched")
  func ipv6InSDP() throws {
    let m = try Fixture.message("rfc5118/ipv6-in-sdp")
    #expect(m.requestError() == nil)
    #expect(m.body.count == 251)
    #expect(String(decoding: m.body, as: UTF8.self).contains("c=IN IP6 2001:db8::20\r\n"))
  }

  @Test("4.9 mult-ip-in-sdp")
  func multipleAddressesInSDP() throws {
    let m = try Fixture.message("rfc5118/mult-ip-in-sdp")
    #expect(m.requestError() == nil)
    #expect(m.body.count == 189)
    #expect(m.contacts.first?.uri.host == "[2001:db8::9:1]")
  }
}
