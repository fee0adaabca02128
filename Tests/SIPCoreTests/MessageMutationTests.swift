import SIPCore
import Testing

@Suite("Changing messages")
struct MessageMutationTests {
  @Test func setAddPrependRemove() throws {
    var m = try SIPMessage.parse(basicInvite)
    m.setHeader("max-forwards", "69")
    #expect(m.maxForwards == 69)
    #expect(m.headers.map(\.name)[1] == "max-forwards")  // replaced in place
    m.prependHeader("Via", "SIP/2.0/UDP proxy.example.com;branch=z9hG4bKproxy")
    #expect(m.topVia?.host == "proxy.example.com")
    #expect(m.headerValues("Via").count == 3)
    m.addHeader("Route", "<sip:p3.example.com;lr>")
    #expect(m.routes.map(\.uri.host) == ["p1.example.com", "p2.example.com", "p3.example.com"])
    m.addHeader("X-New", "1")
    #expect(m.headers.last?.name == "X-New")
    m.removeHeader("x-custom")
    #expect(!m.hasHeader("X-Custom"))
    m.removeFirstValue("Via")
    #expect(m.topVia?.host == "pc33.atlanta.example.com")
    m.removeFirstValue("Via")  // the first value of a two-value line
    #expect(
      m.headerValues("Via") == ["SIP/2.0/TCP p1.example.com:5061;branch=z9hG4bKnashds8;received=192.0.2.1"])
    m.removeFirstValue("Via")
    #expect(!m.hasHeader("Via"))
    m.removeFirstValue("Via")  // nothing left: no effect
    let reparsed = try SIPMessage.parse(m.serialize())
    #expect(reparsed.serialize() == m.serialize())
    #expect(reparsed.maxForwards == 69)
  }

  @Test func setHeaderCollapsesRepeatedLines() throws {
    var m = try Fixture.message("rfc4475/esc02")
    m.setHeader("m", "<sip:only@example.com>")
    #expect(m.headerValues("Contact") == ["<sip:only@example.com>"])
    #expect(m.header("C%6Fntact") != nil)  // another header
  }

  @Test func valuesCannotInjectLines() throws {
    var m = try SIPMessage.parse(basicInvite)
    m.setHeader("Subject", "hi\r\nVia: SIP/2.0/UDP evil")
    m.addHeader("Bad Name", "x")
    let text = String(decoding: m.serialize(), as: UTF8.self)
    #expect(text.contains("Subject: hi  Via: SIP/2.0/UDP evil\r\n"))
    #expect(text.contains("Bad-Name: x\r\n"))
    #expect(try SIPMessage.parse(m.serialize()).headerValues("Via").count == 2)
  }

  @Test func bodyAndContentLength() throws {
    var m = try SIPMessage.parse(basicInvite)
    m.setBody(Array("hello".utf8), contentType: "text/plain")
    #expect(m.body == Array("hello".utf8))
    #expect(m.contentLength == 5)
    #expect(m.contentType == "text/plain")
    let reparsed = try SIPMessage.parse(m.serialize())
    #expect(reparsed.body == Array("hello".utf8))
    m.setBody([])
    #expect(m.contentLength == 0)
    #expect(try SIPMessage.parse(m.serialize()).body.isEmpty)
  }

  @Test func requestURIChange() throws {
    var m = try SIPMessage.parse(basicInvite)
    m.setRequestURI("sip:carol@chicago.example.com")
    #expect(m.requestURI == "sip:carol@chicago.example.com")
    #expect(m.method == "INVITE")
    #expect(m.startLineText == "INVITE sip:carol@chicago.example.com SIP/2.0")
    var response = SIPMessage(statusCode: 200)
    response.setRequestURI("sip:x@y")
    #expect(response.startLineText == "SIP/2.0 200 OK")
  }
}
