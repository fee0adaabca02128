import SDP
import SIPCore
import Testing

@testable import SIPProtocol

/// `.receivedInitialInvite(_, offer:)`: the Call layer reads the offer once (to bind as many RTP
/// sockets as it can serve) and hands the parsed value over; the session must behave exactly as
/// when it reads the INVITE's body itself.
@Suite struct InviteSessionParsedOfferTests {
  static func uas() -> InviteSession {
    InviteSession(role: .uas, configuration: Party.config(local: Party.bob, contact: Party.bobContact))
  }

  @Test func answerFromTheParsedOfferEqualsAnswerFromTheBody() throws {
    let invite = try InviteSessionTests.incomingInvite()
    var reading = Self.uas()
    var handed = Self.uas()
    let readEvents = reading.handle(.received(invite)).events
    let handedEvents = handed.handle(.receivedInitialInvite(invite, offer: InviteSession.sdpBody(of: invite)))
      .events
    #expect(readEvents == handedEvents)
    let readAnswer = reading.handle(.answer)
    let handedAnswer = handed.handle(.answer)
    #expect(readAnswer.events == handedAnswer.events)
    let ok = try #require(handedAnswer.responses.first)
    #expect(ok.statusCode == 200)
    #expect(ok.body == readAnswer.responses.first?.body)
    #expect(handed.offerAnswer.remoteDescription == reading.offerAnswer.remoteDescription)
    #expect(handed.offerAnswer.streams == reading.offerAnswer.streams)
  }

  @Test func unusableBodyIsRefusedWith488() throws {
    let invite = try InviteSessionTests.incomingInvite(sdp: "v=0\r\nthis is not SDP\r\n")
    let body = InviteSession.sdpBody(of: invite)
    guard case .failure = body else {
      Issue.record("the body parsed: \(body)")
      return
    }
    var session = Self.uas()
    let actions = session.handle(.receivedInitialInvite(invite, offer: body))
    #expect(actions.responses.map(\.statusCode) == [488])
    #expect(session.state == .terminated)
  }

  @Test func inviteWithoutOfferGetsOurOffer() throws {
    let invite = try InviteSessionTests.incomingInvite(sdp: nil)
    var session = Self.uas()
    _ = session.handle(.receivedInitialInvite(invite, offer: .success(nil)))
    let ok = try #require(session.handle(.answer).responses.first)
    #expect(ok.statusCode == 200)
    #expect(String(decoding: ok.body, as: UTF8.self).contains("m=audio 40000 RTP/AVP 0 8 101"))
  }

  @Test func notAnInitialInviteIsHandledAsReceived() throws {
    var (session, tag) = try InviteSessionTests.establishedUAS()
    let bye = try InviteSessionTests.inDialog("BYE", cseq: 2, tag: tag)
    let actions = session.handle(.receivedInitialInvite(bye, offer: .success(nil)))
    #expect(actions.responses.map(\.statusCode) == [200])
    #expect(session.state == .terminated)
  }
}
