import SDP
import SIPCore
import Testing

@testable import SIPProtocol

/// Our UPDATE with an offer (RFC 3311) as traces: the request command in, actions out.
@Suite struct InviteSessionUpdateTests {
  /// Our offer for the UPDATE: PCMU and telephone-event on our port with `direction`.
  static func offer(direction: String) -> [UInt8] {
    Array(
      """
      v=0\r
      o=- 4711 5 IN IP4 192.0.2.1\r
      s=-\r
      c=IN IP4 192.0.2.1\r
      t=0 0\r
      m=audio 40000 RTP/AVP 0 101\r
      a=rtpmap:0 PCMU/8000\r
      a=rtpmap:101 telephone-event/8000\r
      a=\(direction)\r

      """.utf8)
  }

  @Test func updateOfferHoldsOn2xxAnswer() throws {
    var (alice, _) = try InviteSessionTests.establishedUAC()
    let sent = alice.handle(
      .request(method: "UPDATE", body: Self.offer(direction: "sendonly"), contentType: nil, headers: []))
    let update = try #require(sent.requests.first)
    #expect(update.method == "UPDATE" && update.cseqText == "2 UPDATE")
    #expect(update.header("Content-Type") == "application/sdp")
    // RFC 3311 §5.1: no second offer, and no re-INVITE, until this one is answered.
    let second = alice.handle(
      .request(method: "UPDATE", body: Self.offer(direction: "sendrecv"), contentType: nil, headers: []))
    #expect(second.requests.isEmpty && second.events.first?.hasPrefix("refused(") == true)
    #expect(alice.handle(.reinvite(direction: .sendrecv)).requests.isEmpty)
    let ok = alice.handle(
      .received(try peerReply(to: update, "200 OK", sdp: peerSDP(version: 2, direction: "recvonly"))))
    // No ACK for an UPDATE; the answer changes the session as a re-INVITE's does.
    #expect(ok.requests.isEmpty)
    #expect(ok.events == ["state(held)"])
    #expect(ok.media.first?.first?.direction == .sendonly)
    #expect(alice.state == .held)
    // The exchange is over: a new offer may go.
    #expect(alice.handle(.reinvite(direction: .sendrecv)).requests.count == 1)
  }

  @Test func failedUpdateLeavesTheSession() throws {
    var (alice, _) = try InviteSessionTests.establishedUAC()
    let before = alice.offerAnswer.remoteDescription
    let sent = alice.handle(
      .request(method: "UPDATE", body: Self.offer(direction: "sendonly"), contentType: nil, headers: []))
    let update = try #require(sent.requests.first)
    let refused = alice.handle(.received(try peerReply(to: update, "488 Not Acceptable Here")))
    #expect(refused.events.isEmpty && refused.media.isEmpty)
    #expect(alice.state == .established)
    #expect(alice.offerAnswer.pendingOffer == nil)
    #expect(alice.offerAnswer.remoteDescription == before)
    // A timeout leaves it as well.
    let again = alice.handle(
      .request(method: "UPDATE", body: Self.offer(direction: "sendonly"), contentType: nil, headers: []))
    #expect(again.requests.count == 1)
    _ = alice.handle(.requestFailed(method: "UPDATE", failure: .timeout))
    #expect(alice.offerAnswer.pendingOffer == nil && alice.state == .established)
  }

  @Test func updateBodiesThatAreNoOffer() throws {
    var (alice, _) = try InviteSessionTests.establishedUAC()
    let text = alice.handle(
      .request(method: "UPDATE", body: Array("hi".utf8), contentType: "text/plain", headers: []))
    #expect(text.requests.isEmpty && text.events.first?.hasPrefix("refused(") == true)
    let junk = alice.handle(
      .request(method: "UPDATE", body: Array("not sdp".utf8), contentType: "application/sdp", headers: []))
    #expect(junk.requests.isEmpty && junk.events.first?.hasPrefix("refused(") == true)
    // Without a body: a target refresh, sent as is.
    let refresh = alice.handle(.request(method: "UPDATE", body: [], contentType: nil, headers: []))
    #expect(refresh.requests.first?.body.isEmpty == true)
    #expect(alice.offerAnswer.pendingOffer == nil)
  }
}
