import SIPCore
import Testing

@testable import SIPProtocol

/// RFC 3261 §12: dialog creation on both sides, route sets, requests within, CSeq checks.
@Suite struct DialogTests {
  let recordRoutes = ["<sip:p2.biloxi.example.com;lr>", "<sip:p1.atlanta.example.com;lr>"]

  @Test("UAC: a 180 with a To tag makes an early dialog, route set = Record-Route reversed (§12.1.2)")
  func uacEarly() throws {
    let invite = try Trace.invite()
    let ringing = try Trace.response("180 Ringing", to: invite, recordRoute: recordRoutes)
    let dialog = try #require(Dialog(uacRequest: invite, response: ringing))
    #expect(dialog.state == .early)
    #expect(
      dialog.id
        == DialogID(
          callID: "a84b4c76e66710@pc33.atlanta.example.com", localTag: "1928301774", remoteTag: "a6c85cf"))
    #expect(dialog.routeSet.map(\.uri.host) == ["p1.atlanta.example.com", "p2.biloxi.example.com"])
    #expect(dialog.remoteTarget.description == "sip:bob@192.0.2.4")
    #expect(dialog.localSequence == 314159)
    #expect(dialog.remoteSequence == nil)
  }

  @Test("A response without a To tag makes no dialog")
  func noTag() throws {
    let invite = try Trace.invite()
    #expect(
      Dialog(uacRequest: invite, response: try Trace.response("180 Ringing", to: invite, toTag: nil)) == nil)
  }

  @Test("UAC: the 2xx confirms the early dialog and recomputes route set and target (§13.2.2.4)")
  func uacConfirm() throws {
    let invite = try Trace.invite()
    var dialog = try #require(
      Dialog(uacRequest: invite, response: try Trace.response("180 Ringing", to: invite)))
    dialog.confirm(
      with: try Trace.response(
        "200 OK", to: invite, contact: "<sip:bob@192.0.2.99>", recordRoute: recordRoutes))
    #expect(dialog.state == .confirmed)
    #expect(dialog.routeSet.count == 2)
    #expect(dialog.remoteTarget.host == "192.0.2.99")
  }

  @Test("UAS: route set = Record-Route of the request in order, remote CSeq from it (§12.1.1)")
  func uasDialog() throws {
    var invite = try Trace.invite()
    for rr in recordRoutes { invite.addHeader("Record-Route", rr) }
    let ok = invite.makeResponse(statusCode: 200, toTag: "uas-tag")
    let dialog = try #require(Dialog(uasRequest: invite, response: ok))
    #expect(dialog.id.localTag == "uas-tag")
    #expect(dialog.id.remoteTag == "1928301774")
    #expect(dialog.routeSet.map(\.uri.host) == ["p2.biloxi.example.com", "p1.atlanta.example.com"])
    #expect(dialog.remoteSequence == 314159)
    #expect(dialog.remoteTarget.description == "sip:alice@pc33.atlanta.example.com")
  }

  @Test(
    "UAS: the dialog of our own response, made from its tag and Contact, is the one read back from it",
    arguments: [nil, "given-tag"])
  func uasDialogOfOwnResponse(requestToTag: String?) throws {
    var invite = try Trace.invite(toTag: requestToTag)
    for rr in recordRoutes { invite.addHeader("Record-Route", rr) }
    invite.addHeader("Record-Route", "<sip:p0.example.com;lr;transport=tcp>")
    let contact = try SIPNameAddress.parse("\"Bob\" <sip:bob@192.0.2.4:5062;transport=tcp>")
    for code in [180, 200] {
      var response = invite.makeResponse(statusCode: code, toTag: "uas-tag")
      response.addHeader("Contact", contact.description)
      let read = try #require(Dialog(uasRequest: invite, response: response))
      let made = try #require(Dialog(uasRequest: invite, code: code, localTag: "uas-tag", localContact: contact))
      #expect(made.id == read.id)
      #expect(made.id.localTag == (requestToTag ?? "uas-tag"))
      #expect(made.state == read.state && made.state == (code < 200 ? .early : .confirmed))
      #expect(made.isUAC == read.isUAC && !made.isUAC)
      #expect(made.localSequence == read.localSequence && made.remoteSequence == read.remoteSequence)
      #expect(made.localAddress == read.localAddress && made.remoteAddress == read.remoteAddress)
      #expect(made.remoteTarget == read.remoteTarget && made.routeSet == read.routeSet)
      #expect(made.localContact == read.localContact && made.localContact == contact)
      #expect(made.secure == read.secure)
    }
    // As Dialog(uasRequest:response:): no dialog for a final non-2xx or a 100.
    #expect(Dialog(uasRequest: invite, code: 486, localTag: "uas-tag", localContact: contact) == nil)
    #expect(Dialog(uasRequest: invite, code: 100, localTag: "uas-tag", localContact: contact) == nil)
  }

  @Test("The dialog's addresses lose their tag; a tag that was the only parameter leaves no list")
  func addressesWithoutTags() throws {
    let invite = try Trace.invite()
    let ok = invite.makeResponse(statusCode: 200, toTag: "uas-tag")
    let uas = try #require(Dialog(uasRequest: invite, response: ok))
    #expect(uas.remoteAddress.tag == nil && uas.localAddress.tag == nil)
    #expect(uas.remoteAddress.parameters.isEmpty && uas.localAddress.parameters.isEmpty)
    #expect(uas.remoteAddress.uri == invite.from?.uri && uas.localAddress.uri == invite.to?.uri)
    var general = try #require(invite.from)
    general.tag = nil
    #expect(uas.remoteAddress == general)
    // Other parameters stay, in order.
    let other = try SIPNameAddress.parse("<sip:a@example.com>;x=1;tag=t;y")
    let untagged = Dialog.untagged(other)
    #expect(untagged.tag == nil && untagged.parameters.map(\.name) == ["x", "y"])
    #expect(
      Dialog.untagged(try SIPNameAddress.parse("<sip:a@example.com>;x=1")).parameters.map(\.name) == ["x"])
  }

  @Test("Requests within: loose routing keeps the target as Request-URI; CSeq goes up by one (§12.2.1.1)")
  func looseRouting() throws {
    let invite = try Trace.invite()
    var dialog = try #require(
      Dialog(
        uacRequest: invite, response: try Trace.response("200 OK", to: invite, recordRoute: recordRoutes)))
    let via = SIPVia(transport: "UDP", host: "pc33.atlanta.example.com", port: 5060, branch: "z9hG4bKbye")
    let (bye, peer) = dialog.makeRequest(method: "BYE", via: via)
    #expect(bye.startLineText == "BYE sip:bob@192.0.2.4 SIP/2.0")
    #expect(
      bye.headerValues("Route") == ["<sip:p1.atlanta.example.com;lr>", "<sip:p2.biloxi.example.com;lr>"])
    #expect(bye.header("CSeq") == "314160 BYE")
    #expect(bye.from?.tag == "1928301774")
    #expect(bye.to?.tag == "a6c85cf")
    #expect(bye.callID == "a84b4c76e66710@pc33.atlanta.example.com")
    #expect(peer == SIPEndpoint(transport: "UDP", host: "p1.atlanta.example.com", port: 5060))
    let (info, _) = dialog.makeRequest(method: "INFO", via: via)
    #expect(info.cseq?.sequence == 314161)
    let (ack, _) = dialog.makeRequest(method: "ACK", via: via, cseq: 314159)
    #expect(ack.header("CSeq") == "314159 ACK")
    #expect(dialog.localSequence == 314161)
  }

  @Test("Requests within: a strict router becomes the Request-URI, the target the last Route (§12.2.1.1)")
  func strictRouting() throws {
    let invite = try Trace.invite()
    let ok = try Trace.response(
      "200 OK", to: invite, recordRoute: ["<sip:p2.biloxi.example.com;lr>", "<sip:strict.example.com>"])
    var dialog = try #require(Dialog(uacRequest: invite, response: ok))
    let (bye, peer) = dialog.makeRequest(
      method: "BYE", via: SIPVia(transport: "UDP", host: "h", branch: "z9hG4bKs"))
    #expect(bye.requestURI == "sip:strict.example.com")
    #expect(bye.headerValues("Route") == ["<sip:p2.biloxi.example.com;lr>", "<sip:bob@192.0.2.4>"])
    #expect(peer.host == "strict.example.com")
  }

  @Test("Remote CSeq: a lower number is out of order (§12.2.2); re-INVITE refreshes the target")
  func remoteCSeq() throws {
    let invite = try Trace.invite()
    var dialog = try #require(
      Dialog(uasRequest: invite, response: invite.makeResponse(statusCode: 200, toTag: "u")))
    let old = try sip(
      """
      BYE sip:bob@192.0.2.4 SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKold
      To: <sip:bob@biloxi.example.com>;tag=u
      From: <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: a84b4c76e66710@pc33.atlanta.example.com
      CSeq: 314158 BYE
      Content-Length: 0

      """)
    #expect(dialog.receive(old) == .outOfOrder)
    let reinvite = try sip(
      """
      INVITE sip:bob@192.0.2.4 SIP/2.0
      Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bKre
      To: <sip:bob@biloxi.example.com>;tag=u
      From: <sip:alice@atlanta.example.com>;tag=1928301774
      Call-ID: a84b4c76e66710@pc33.atlanta.example.com
      CSeq: 314160 INVITE
      Contact: <sip:alice@198.51.100.7:5062>
      Content-Length: 0

      """)
    #expect(dialog.receive(reinvite) == .accept)
    #expect(dialog.remoteSequence == 314160)
    #expect(dialog.remoteTarget.description == "sip:alice@198.51.100.7:5062")
  }
}
