import SIPCore
import Testing

@Suite("SIP, SIPS and tel URIs")
struct URIParsingTests {
  @Test func fullSIPURI() throws {
    let uri = try SIPURI.parse(
      "sip:alice:secret@atlanta.example.com:5070;transport=TCP;lr?Subject=hi%20there&Priority=urgent")
    #expect(uri.scheme == .sip)
    #expect(uri.user == "alice")
    #expect(uri.password == "secret")
    #expect(uri.host == "atlanta.example.com")
    #expect(uri.port == 5070)
    #expect(uri.transport == "tcp")
    #expect(uri.isLooseRouting)
    #expect(
      uri.headers == [.init(name: "Subject", value: "hi there"), .init(name: "Priority", value: "urgent")])
    #expect(
      uri.description
        == "sip:alice:secret@atlanta.example.com:5070;transport=TCP;lr?Subject=hi%20there&Priority=urgent")
  }

  @Test func sipsAndSchemeCase() throws {
    let uri = try SIPURI.parse("SIPS:bob@Biloxi.Example.COM")
    #expect(uri.scheme == .sips)
    #expect(uri.host == "Biloxi.Example.COM")
    #expect(uri.description == "sips:bob@Biloxi.Example.COM")
  }

  @Test func hostOnlyAndIPv4() throws {
    let uri = try SIPURI.parse("sip:192.0.2.4:5060")
    #expect(uri.user == nil)
    #expect(uri.host == "192.0.2.4")
    #expect(uri.port == 5060)
  }

  @Test func ipv6References() throws {
    #expect(try SIPURI.parse("sip:[::1]").host == "[::1]")
    #expect(try SIPURI.parse("sip:u@[::1]:5061").port == 5061)
    #expect(try SIPURI.parse("sip:[2001:db8:0:0:0:0:0:1]").host == "[2001:db8:0:0:0:0:0:1]")
    #expect(try SIPURI.parse("sip:[::ffff:192.0.2.1]").hostWithoutBrackets == "::ffff:192.0.2.1")
    for bad in [
      "sip:[2001:db8:::1]", "sip:[1:2:3:4:5:6:7:8:9]", "sip:[2001::db8::1]", "sip:[12345::1]", "sip:[::1",
      "sip:[]", "sip:[:1]", "sip:[1:]", "sip:[::256.0.0.1]", "sip:[g::1]",
    ] {
      #expect(throws: SIPParseError.self, "\(bad)") { try SIPURI.parse(bad) }
    }
  }

  @Test func escapesAreDecodedAndReEncoded() throws {
    let uri = try SIPURI.parse("sip:%61lice%20b@example.com;n%61me=v%25")
    #expect(uri.user == "alice b")
    #expect(uri.parameters.value("name") == "v%")
    #expect(uri.description == "sip:alice%20b@example.com;name=v%25")
    #expect(try SIPURI.parse(uri.description) == uri)
  }

  @Test func badEscapesAreRefused() {
    #expect(throws: SIPParseError.self) { try SIPURI.parse("sip:al%6@example.com") }
    #expect(throws: SIPParseError.self) { try SIPURI.parse("sip:al%zz@example.com") }
    #expect(throws: SIPParseError.self) { try SIPURI.parse("sip:alice@example.com;p=%4") }
  }

  @Test func malformedSIPURIs() {
    for bad in [
      "", "sip", "sip:", ":foo", "1sip:foo", "sip:@example.com", "sip:alice@", "sip:alice@example.com:",
      "sip:alice@example.com:99999", "sip:alice@example.com:50a", "sip:alice@exa mple.com",
      "sip:a<b@example.com",
      "sip:alice@example.com;", "sip:alice@example.com;a=", "sip:alice@example.com?",
      "sip:alice@example.com?x",
      "sip:alice@-example.com", "sip:alice@example.com>",
    ] {
      #expect(throws: SIPParseError.self, "\(bad)") { try SIPURI.parse(bad) }
    }
  }

  @Test func telURIs() throws {
    let global = try SIPURI.parse("tel:+1-201-555-0123;ext=42")
    #expect(global.scheme == .tel)
    #expect(global.user == "+1-201-555-0123")
    #expect(global.parameters.value("ext") == "42")
    #expect(global.description == "tel:+1-201-555-0123;ext=42")
    let local = try SIPURI.parse("tel:7042;phone-context=example.com")
    #expect(local.parameters.value("phone-context") == "example.com")
    #expect(throws: SIPParseError.self) { try SIPURI.parse("tel:") }
    #expect(throws: SIPParseError.self) { try SIPURI.parse("tel:12+34") }
    #expect(throws: SIPParseError.self) { try SIPURI.parse("tel:+1 234") }
  }

  @Test func otherSchemesAreOpaque() throws {
    let uri = try SIPURI.parse("mailto:alice@example.com")
    #expect(uri.scheme == .other("mailto"))
    #expect(uri.opaque == "alice@example.com")
    #expect(uri.description == "mailto:alice@example.com")
    #expect(throws: SIPParseError.self) { try SIPURI.parse("urn:") }
    #expect(throws: SIPParseError.self) { try SIPURI.parse("urn:a b") }
  }

  @Test func equivalenceOfRFC3261Section19_1_4() throws {
    func same(_ a: String, _ b: String) throws -> Bool {
      try SIPURI.parse(a).isEquivalent(to: SIPURI.parse(b))
    }
    #expect(try same("sip:%61lice@atlanta.com;transport=TCP", "sip:alice@AtLanTa.CoM;Transport=tcp"))
    #expect(try same("sip:carol@chicago.com", "sip:carol@chicago.com;newparam=5"))
    #expect(try same("sip:carol@chicago.com;security=on", "sip:carol@chicago.com;newparam=5"))
    #expect(try !same("SIP:ALICE@AtLanTa.CoM;Transport=udp", "sip:alice@AtLanTa.CoM;Transport=UDP"))
    #expect(try !same("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"))
    #expect(try !same("sip:bob@biloxi.com", "sip:bob@biloxi.com;transport=udp"))
    #expect(try !same("sip:carol@chicago.com;newparam=5", "sip:carol@chicago.com;newparam=6"))
    #expect(try !same("sip:carol@chicago.com?Subject=next%20meeting", "sip:carol@chicago.com"))
  }

  @Test func tooLongIsRefused() {
    let long = "sip:" + String(repeating: "a", count: 9000) + "@example.com"
    #expect(throws: SIPParseError.self) { try SIPURI.parse(long) }
  }

  @Test func builtURIsSerialize() {
    var params = SIPParameters()
    params["transport"] = "udp"
    params["lr"] = .some(nil)
    let uri = SIPURI(user: "a;b", host: "[::1]", port: 5060, parameters: params)
    #expect(uri.description == "sip:a;b@[::1]:5060;transport=udp;lr")
    #expect(SIPURI(scheme: .sips, host: "example.com").description == "sips:example.com")
  }
}
