import SIPCore
import Testing

/// RFC 4475 §3.1.1: valid messages. Each must parse, pass UAS-level validation, expose the right
/// values and serialize back to its own bytes.
@Suite("RFC 4475 §3.1.1 valid messages")
struct TortureValidMessageTests {
  func roundTrips(_ name: String, _ message: SIPMessage) throws {
    #expect(message.serialize() == (try Fixture.bytes(name)))
  }

  @Test("3.1.1.1 wsinv: a short tortuous INVITE")
  func wsinv() throws {
    let m = try Fixture.message("rfc4475/wsinv")
    #expect(m.requestError() == nil)
    #expect(m.method == "INVITE")
    #expect(m.requestURI == "sip:vivekg@chair-dnrc.example.com;unknownparam")
    #expect(m.requestURIValue?.parameters.contains("unknownparam") == true)
    #expect(m.callID == "wsinv.ndaksdj@192.0.2.1")
    #expect(m.to?.uri.user == "vivekg")
    #expect(m.to?.uri.host == "chair-dnrc.example.com")
    #expect(m.to?.tag == "1918181833n")
    #expect(m.from?.displayName == "J Rosenberg \\\"")
    #expect(m.from?.uri.user == "jdrosen")
    #expect(m.from?.tag == "98asjd8")
    #expect(m.maxForwards == 68)
    #expect(m.cseq == SIPCSeq(9, "INVITE"))
    #expect(m.contentLength == 150)
    #expect(m.body.count == 150)
    let vias = m.vias
    #expect(vias.count == 3)
    #expect(vias.map(\.transport) == ["UDP", "TCP", "UDP"])
    #expect(vias.map(\.host) == ["192.0.2.2", "spindle.example.com", "192.168.255.111"])
    #expect(vias.map(\.branch) == ["390skdjuw", "z9hG4bK9ikj8", "z9hG4bK30239"])
    #expect(m.header("Subject") == "")
    #expect(m.header("s") == "")
    #expect(m.header("NewFangledHeader") == "newfangled value continued newfangled value")
    #expect(m.header("UnknownHeaderWithUnusualValue") == ";;,,;;,;")
    let route = try #require(m.routes.first)
    #expect(route.uri.host == "services.example.com")
    #expect(route.uri.isLooseRouting)
    #expect(route.uri.parameters.value("unknownwith") == "value")
    #expect(route.uri.parameters.contains("unknown-no-value"))
    let contact = try #require(m.contacts.first)
    #expect(contact.displayName == "Quoted string \"\"")
    #expect(contact.parameters.value("newparam") == "newvalue")
    #expect(contact.parameters.contains("secondparam"))
    #expect(contact.q == 0.33)
    try roundTrips("rfc4475/wsinv", m)
  }

  @Test("3.1.1.2 intmeth: wide range of valid characters")
  func intmeth() throws {
    let m = try Fixture.message("rfc4475/intmeth")
    #expect(m.requestError() == nil)
    #expect(m.method == "!interesting-Method0123456789_*+`.%indeed'~")
    let uri = try #require(m.requestURIValue)
    #expect(uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    #expect(uri.password == "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
    #expect(uri.host == "example.com")
    #expect(m.topVia?.branch == "z9hG4bK-.!%66*_+`'~")
    #expect(m.to?.displayName == "BEL:\u{07} NUL:\u{00} DEL:\u{7F}")
    #expect(m.to?.uri.user == "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
    #expect(m.from?.displayName == "token1~` token2'+_ token3*%!.-")
    #expect(m.from?.tag == "_token~1'+`*%!-.")
    #expect(m.from?.parameters.value("fromParam''~+*_!.-%") == "работающий")
    #expect(m.callID == "intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{")
    #expect(m.cseq?.method == m.method)
    #expect(m.maxForwards == 255)
    #expect(m.header("extensionHeader-!.%*+_`'~") == "\u{FEFF}大停電")
    try roundTrips("rfc4475/intmeth", m)
  }

  @Test("3.1.1.3 esc01: valid use of the % escaping mechanism")
  func esc01() throws {
    let m = try Fixture.message("rfc4475/esc01")
    #expect(m.requestError() == nil)
    #expect(m.requestURIValue?.user == "sips:user@example.com")
    #expect(m.requestURIValue?.host == "example.net")
    #expect(m.to?.uri.user == "user")
    #expect(m.from?.uri.user == "I have spaces")
    #expect(m.callID == "esc01.239409asdfakjkn23onasd0-3234")
    #expect(m.contentType == "application/sdp")
    let contact = try #require(m.contacts.first)
    #expect(contact.uri.user == "caller")
    #expect(contact.uri.parameters.contains("lr"))
    #expect(contact.uri.parameters.value("name") == "value%41")
    try roundTrips("rfc4475/esc01", m)
  }

  @Test("3.1.1.4 escnull: escaped nulls in URIs")
  func escnull() throws {
    let m = try Fixture.message("rfc4475/escnull")
    #expect(m.requestError() == nil)
    #expect(m.to?.uri.user == "null-\u{0}-null")
    #expect(m.to?.uri.user?.utf8.count == 11)  // not shortened at the NUL
    #expect(m.from?.uri.user == "null-\u{0}-null")
    let contacts = m.contacts
    #expect(contacts.map(\.uri.user) == ["\u{0}", "\u{0}\u{0}"])
    #expect(contacts[0].uri != contacts[1].uri)  // two distinct bindings
    #expect(m.contentLength == 0)
  }

  @Test("3.1.1.5 esc02: use of % when it is not an escape")
  func esc02() throws {
    let m = try Fixture.message("rfc4475/esc02")
    #expect(m.requestError() == nil)
    #expect(m.method == "RE%47IST%45R")  // a token, not REGISTER
    #expect(m.cseq?.method == "RE%47IST%45R")
    #expect(m.to?.displayName == "%Z%45")
    #expect(m.topVia?.branch == "z9hG4bK209%fzsnel234")
    #expect(m.headerValues("Contact").count == 2)  // C%6Fntact is another header
    #expect(m.header("C%6Fntact") == "<sip:alias2@host2.example.com>")
    #expect(m.contacts.map(\.uri.host) == ["host1.example.com", "host3.example.com"])
  }

  @Test("3.1.1.6 lwsdisp: no LWS between display name and <")
  func lwsdisp() throws {
    let m = try Fixture.message("rfc4475/lwsdisp")
    #expect(m.requestError() == nil)
    #expect(m.from?.displayName == "caller")
    #expect(m.from?.uri.user == "caller")
    #expect(m.from?.tag == "323")
  }

  @Test("3.1.1.7 longreq: long values in header fields")
  func longreq() throws {
    let m = try Fixture.message("rfc4475/longreq")
    #expect(m.requestError() == nil)
    let to = try #require(m.to)
    #expect(to.displayName?.hasPrefix("I have a user name of extremeextreme") == true)
    #expect(to.uri.port == 6000)
    #expect(
      to.uri.parameters.value(
        "longparamnamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamenamename"
      ) == "shortvalue")
    #expect(m.from?.uri.user?.hasPrefix("amazinglylongcallername") == true)
    #expect(m.callID?.hasSuffix("reallylongcallid") == true)
    let vias = m.vias
    #expect(vias.count == 34)
    #expect(vias.first?.host == "sip33.example.com")
    #expect(vias.last?.received == "192.0.2.5")
    #expect(m.header("Via", 33) == m.headerValues("v").last)
    #expect(m.body.count == 150)
    try roundTrips("rfc4475/longreq", m)
  }

  @Test("3.1.1.8 dblreq: extra trailing octets in a UDP datagram are discarded")
  func dblreq() throws {
    let m = try Fixture.message("rfc4475/dblreq")
    #expect(m.requestError() == nil)
    #expect(m.method == "REGISTER")
    #expect(m.callID == "dblreq.0ha0isndaksdj99sdfafnl3lk233412")
    #expect(m.body.isEmpty)
    #expect(!String(decoding: m.serialize(), as: UTF8.self).contains("INVITE"))
  }

  @Test("3.1.1.9 semiuri: semicolon-separated parameters in the URI user part")
  func semiuri() throws {
    let m = try Fixture.message("rfc4475/semiuri")
    #expect(m.requestError() == nil)
    let uri = try #require(m.requestURIValue)
    #expect(uri.user == "user;par=u@example.net")
    #expect(uri.host == "example.com")
    #expect(uri.parameters.isEmpty)
    #expect(
      m.headerValues("Accept") == [
        "application/sdp", "application/pkcs7-mime", "multipart/mixed", "multipart/signed", "message/sip",
        "message/sipfrag",
      ])
  }

  @Test("3.1.1.10 transports: varied and unknown transport types")
  func transports() throws {
    let m = try Fixture.message("rfc4475/transports")
    #expect(m.requestError() == nil)
    #expect(m.vias.map(\.transport) == ["UDP", "SCTP", "TLS", "UNKNOWN", "TCP"])
    #expect(m.callID == "transports.kijh4akdnaqjkwendsasfdj")
  }

  @Test("3.1.1.11 mpart01: multipart MIME message")
  func mpart01() throws {
    let m = try Fixture.message("rfc4475/mpart01")
    #expect(m.requestError() == nil)
    #expect(m.method == "MESSAGE")
    #expect(m.mediaType == "multipart/mixed")
    #expect(m.contentType == "multipart/mixed;boundary=7a9cbec02ceef655")
    #expect(m.body.count == 553)
    #expect(m.topVia?.rport == .requested)
    #expect(m.header("User-Agent") == "SIPimp.org/0.2.5 (curses)")
    try roundTrips("rfc4475/mpart01", m)
  }

  @Test("3.1.1.12 unreason: unusual reason phrase")
  func unreason() throws {
    let bytes = try Fixture.bytes("rfc4475/unreason")
    let m = try SIPMessage.parse(bytes)
    #expect(m.responseError() == nil)
    #expect(m.statusCode == 200)
    let firstLine = bytes.prefix { $0 != 0x0D }
    #expect(m.reasonPhrase == String(decoding: firstLine.dropFirst("SIP/2.0 200 ".utf8.count), as: UTF8.self))
    #expect(m.reasonPhrase?.hasPrefix("= 2**3 * 5**2 но") == true)
    try roundTrips("rfc4475/unreason", m)
  }

  @Test("3.1.1.13 noreason: empty reason phrase")
  func noreason() throws {
    let m = try Fixture.message("rfc4475/noreason")
    #expect(m.responseError() == nil)
    #expect(m.statusCode == 100)
    #expect(m.reasonPhrase == "")
    try roundTrips("rfc4475/noreason", m)
  }
}
