import SIPCore
import Testing

@Suite("Typed header values")
struct HeaderValueTests {
  @Test func nameAddrForms() throws {
    let plain = try SIPNameAddress.parse("sip:alice@example.com;tag=1")
    #expect(plain.displayName == nil)
    #expect(plain.uri.user == "alice")
    #expect(plain.tag == "1")
    #expect(plain.uri.parameters.isEmpty)  // addr-spec: ;tag belongs to the header

    let bracketed = try SIPNameAddress.parse("<sip:alice@example.com;transport=tcp>;tag=2;expires=30")
    #expect(bracketed.uri.transport == "tcp")
    #expect(bracketed.tag == "2")
    #expect(bracketed.expires == 30)

    let tokens = try SIPNameAddress.parse("Alice  Liddell <sip:alice@example.com>")
    #expect(tokens.displayName == "Alice Liddell")

    let quoted = try SIPNameAddress.parse(#""A \"quoted\" \\ name" <sips:a@example.com>"#)
    #expect(quoted.displayName == #"A "quoted" \ name"#)
    #expect(quoted.uri.scheme == .sips)

    let quotedValue = try SIPNameAddress.parse(#"<sip:a@example.com>;x="semi;colon, comma""#)
    #expect(quotedValue.parameters.value("x") == "semi;colon, comma")
    #expect(quotedValue.parameters["x"] == .some(#""semi;colon, comma""#))
  }

  @Test func nameAddrErrors() {
    for bad in [
      "", "<sip:a@example.com", "\"unterminated <sip:a@example.com>", "\"name\" sip:a@example.com",
      "<sip:a@example.com> trailing", "<sip:a@example.com>;", "<sip:a@example.com>;=x",
      "<sip:a@example.com>;a=",
      "sip:a@example.com?subject=x", "Bad, Name <sip:a@example.com>", "< sip:a@example.com>", "<>",
    ] {
      #expect(throws: SIPParseError.self, "\(bad)") { try SIPNameAddress.parse(bad) }
    }
  }

  @Test func nameAddrSerializes() throws {
    var to = SIPNameAddress(displayName: "Bob \"B\"", uri: try SIPURI.parse("sip:bob@example.com"))
    to.tag = "abc"
    #expect(to.description == #""Bob \"B\"" <sip:bob@example.com>;tag=abc"#)
    #expect(try SIPNameAddress.parse(to.description) == to)
    to.tag = nil
    #expect(to.description == #""Bob \"B\"" <sip:bob@example.com>"#)
  }

  @Test func contactQAndExpires() throws {
    let c = try SIPNameAddress.parse("<sip:a@b>;q=1.0;expires=4294967296")
    #expect(c.q == 1.0)
    #expect(c.expires == UInt32.max)
    #expect(try SIPNameAddress.parse("<sip:a@b>;q=1.5").q == nil)
    #expect(try SIPNameAddress.parse("<sip:a@b>;expires=soon").expires == nil)
  }

  @Test func viaForms() throws {
    let via = try SIPVia.parse(
      "SIP/2.0/TLS [2001:db8::1]:5061;branch=z9hG4bKabc;rport=5070;received=192.0.2.9;ttl=16;maddr=224.2.0.1")
    #expect(via.protocolName == "SIP")
    #expect(via.protocolVersion == "2.0")
    #expect(via.transport == "TLS")
    #expect(via.host == "[2001:db8::1]")
    #expect(via.port == 5061)
    #expect(via.sentBy == "[2001:db8::1]:5061")
    #expect(via.branch == "z9hG4bKabc")
    #expect(via.isRFC3261Branch)
    #expect(via.rport == .port(5070))
    #expect(via.received == "192.0.2.9")
    #expect(via.ttl == 16)
    #expect(via.maddr == "224.2.0.1")
    #expect(try SIPVia.parse(via.description) == via)
    #expect(try SIPVia.parse("SIP / 2.0 / UDP host ; rport").rport == .requested)
    #expect(try SIPVia.parse("SIP/2.0/UDP host:5060").branch == nil)
  }

  @Test func viaErrors() {
    for bad in [
      "", "SIP/2.0/UDP", "SIP/2.0 host", "SIP/2.0/UDPhost", "SIP/2.0/UDP host:", "SIP/2.0/UDP host:70000",
      "SIP/2.0/UDP host;", "SIP/2.0/UDP host;;branch=z9hG4bKx", "SIP/2.0/UDP host;received=example.com",
      "SIP/2.0/UDP host;received", "SIP/2.0/UDP host;rport=x", "SIP/2.0/UDP host;ttl=300",
      "SIP/2.0/UDP host junk",
      "SIP/2.0/UDP [::1;branch=z9hG4bKx", "SIP/2.0/UDP host;branch",
    ] {
      #expect(throws: SIPParseError.self, "\(bad)") { try SIPVia.parse(bad) }
    }
  }

  @Test func viaBuilding() {
    var via = SIPVia(transport: "UDP", host: "192.0.2.4", port: 5060, branch: "z9hG4bK776asdhds")
    via.rport = .requested
    #expect(via.description == "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds;rport")
    via.rport = .port(1234)
    via.received = "198.51.100.1"
    #expect(
      via.description == "SIP/2.0/UDP 192.0.2.4:5060;branch=z9hG4bK776asdhds;rport=1234;received=198.51.100.1"
    )
    via.rport = nil
    #expect(!via.parameters.contains("rport"))
    #expect(!SIPVia(transport: "UDP", host: "h", branch: "z9hG4bK").isRFC3261Branch)
    #expect(!SIPVia(transport: "UDP", host: "h", branch: "1234").isRFC3261Branch)
    #expect(!SIPVia(transport: "UDP", host: "h").isRFC3261Branch)
  }

  @Test func cseq() throws {
    #expect(try SIPCSeq.parse("  42   INVITE ") == SIPCSeq(42, "INVITE"))
    #expect(try SIPCSeq.parse("4294967295 BYE").sequence == UInt32.max)
    #expect(SIPCSeq(7, "ACK").description == "7 ACK")
    for bad in [
      "", "INVITE", "1", "1INVITE", "x INVITE", "4294967296 INVITE", "1 INVITE extra", "-1 INVITE",
      "1 IN<VITE",
    ] {
      #expect(throws: SIPParseError.self, "\(bad)") { try SIPCSeq.parse(bad) }
    }
  }

  /// Lookups compare lengths (UTF-8 bytes) before names: same-length names, names that are a
  /// prefix of another, case and non-ASCII names still find exactly the parameter asked for.
  @Test func parameterLookupByLength() {
    var p = SIPParameters()
    p.append(name: "ttl", value: "16")
    p.append(name: "tag", value: "a")
    p.append(name: "TAG", value: "second")
    p.append(name: "tagx", value: "b")
    p.append(name: "é", value: "two bytes")
    p.append(name: "lr", value: nil)
    #expect(p["tag"] == .some("a") && p.firstIndex(of: "Tag") == 1)
    #expect(p["ttl"] == .some("16") && p.firstIndex(of: "TTL") == 0)
    #expect(p["tagx"] == .some("b") && p["ta"] == nil && p["tagxy"] == nil && p[""] == nil)
    #expect(p["é"] == .some("two bytes") && p["e"] == nil && p["ee"] == nil)
    #expect(p["LR"] == .some(nil) && p.contains("lr") && !p.contains("l"))
    p["tag"] = "c"
    #expect(p.description == ";ttl=16;tag=c;TAG=second;tagx=b;é=two bytes;lr")
    p["tag"] = nil
    #expect(p.description == ";ttl=16;tagx=b;é=two bytes;lr" && p["tag"] == nil)
    #expect(SIPParameters()["tag"] == nil)
  }

  @Test func parameters() {
    var p = SIPParameters()
    p["Tag"] = "x"
    p["lr"] = .some(nil)
    #expect(p.contains("tag"))
    #expect(p["TAG"] == .some("x"))
    #expect(p["lr"] == .some(nil))
    #expect(p["nope"] == nil)
    #expect(p.value("lr") == nil)
    #expect(p.description == ";Tag=x;lr")
    p["tag"] = "y"
    #expect(p.description == ";Tag=y;lr")
    p.remove("LR")
    #expect(p.count == 1)
    p.append(name: "q", value: "0.5")
    #expect(p.map(\.name) == ["Tag", "q"])
  }
}

@Suite("Comments")
struct CommentTests {
  @Test func viaCommentsDoNotSplitOrFail() throws {
    let bytes = sip(
      """
      OPTIONS sip:a@example.com SIP/2.0
      Via: SIP/2.0/UDP h1.example.com;branch=z9hG4bK1 (a comment, with (nested, commas) and \\) escapes), SIP/2.0/TCP h2.example.com;branch=z9hG4bK2
      To: <sip:a@example.com>
      From: <sip:b@example.com>;tag=1
      Call-ID: c
      CSeq: 1 OPTIONS
      User-Agent: Phone/1.0 (build 7, beta) lib/2
      Contact: <sip:x(y@example.com>, <sip:z@example.com>
      Content-Length: 0


      """)
    let m = try SIPMessage.parse(bytes)
    #expect(m.requestError() == nil)
    #expect(m.vias.map(\.host) == ["h1.example.com", "h2.example.com"])
    #expect(m.vias.first?.branch == "z9hG4bK1")
    #expect(m.userAgent == "Phone/1.0 (build 7, beta) lib/2")
    #expect(m.contacts.count == 2)  // '(' in a URI is not a comment
    #expect(throws: SIPParseError.self) { try SIPVia.parse("SIP/2.0/UDP h (unterminated") }
  }
}
