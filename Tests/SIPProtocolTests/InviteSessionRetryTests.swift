import SIPCore
import Testing

@testable import SIPProtocol

/// A challenged request sent again (RFC 3261 §22.2): new CSeq, same Call-ID and tags, and the
/// session waits on the new request.
@Suite struct InviteSessionRetryTests {
  /// An established UAC session and the INVITE that made it.
  static func established() throws -> (InviteSession, SIPMessage) {
    var alice = InviteSession(role: .uac, configuration: Party.config())
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    _ = alice.handle(.received(try peerReply(to: invite, "200 OK", sdp: peerSDP())))
    return (alice, invite)
  }

  @Test func initialInviteRetried() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config())
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    var sent = invite
    sent.addHeader("X-Extra", "kept")
    let retryResult = alice.retry(sent)
    let retry = try #require(retryResult)
    #expect(retry.cseqText == "2 INVITE")
    #expect(retry.callID == invite.callID && retry.from?.tag == invite.from?.tag && retry.to?.tag == nil)
    #expect(retry.header("X-Extra") == "kept" && retry.body == invite.body)
    // The first INVITE's responses are no longer ours; the new one's are.
    #expect(alice.handle(.received(try peerReply(to: invite, "180 Ringing"))).events.isEmpty)
    let ok = alice.handle(.received(try peerReply(to: retry, "200 OK", sdp: peerSDP())))
    let ack = try #require(ok.requests.first)
    #expect(ack.cseqText == "2 ACK")  // §13.2.2.4: the ACK takes the CSeq number of its INVITE
    #expect(ok.events.contains("final(OK,200)"))
    // The dialog continues from the retried INVITE's CSeq.
    let bye = try #require(alice.handle(.bye).requests.first)
    #expect(bye.cseqText == "3 BYE")
  }

  @Test func initialInviteNotRetriedAfterCancel() throws {
    var alice = InviteSession(role: .uac, configuration: Party.config())
    let invite = try #require(alice.handle(.invite(to: Party.bob)).requests.first)
    _ = alice.handle(.cancel)
    let retried1 = alice.retry(invite)
    #expect(retried1 == nil)
    // Nor a request it no longer waits on.
    var other = InviteSession(role: .uac, configuration: Party.config())
    let first = try #require(other.handle(.invite(to: Party.bob)).requests.first)
    let secondResult = other.retry(first)
    let second = try #require(secondResult)
    let retried2 = other.retry(first)
    #expect(retried2 == nil)
    let retried3 = other.retry(second)
    #expect(retried3?.cseqText == "3 INVITE")
  }

  @Test func inDialogRequestsTakeTheNextSequence() throws {
    var (alice, _) = try Self.established()
    let reinvite = try #require(alice.handle(.reinvite(direction: .sendonly)).requests.first)
    #expect(reinvite.cseqText == "2 INVITE")
    let againResult = alice.retry(reinvite)
    let again = try #require(againResult)
    #expect(again.cseqText == "3 INVITE" && again.to?.tag == "b0b")
    // The 200 to the retried re-INVITE completes the hold; one to the challenged CSeq does not.
    #expect(alice.handle(.received(try peerReply(to: reinvite, "200 OK", sdp: peerSDP()))).requests.isEmpty)
    let ok = alice.handle(
      .received(try peerReply(to: again, "200 OK", sdp: peerSDP(version: 2, direction: "recvonly"))))
    #expect(ok.requests.first?.cseqText == "3 ACK")
    #expect(ok.events.contains("final(OK,200)") && alice.state == .held)
    let info = try #require(
      alice.handle(.request(method: "INFO", body: Array("x".utf8), contentType: "text/plain")).requests.first)
    #expect(info.cseqText == "4 INFO")
    let retried4 = alice.retry(info)
    #expect(retried4?.cseqText == "5 INFO")
    let bye = try #require(alice.handle(.bye).requests.first)
    #expect(bye.cseqText == "6 BYE")
    // After the BYE the session has ended, but the BYE itself may still be challenged.
    let retried5 = alice.retry(bye)
    #expect(retried5?.cseqText == "7 BYE")
  }

  @Test func ackAndCancelAreNotRetried() throws {
    var (alice, invite) = try Self.established()
    let retried6 = alice.retry(invite.makeCANCEL())
    #expect(retried6 == nil)
    var ack = SIPMessage(method: "ACK", requestURI: "sip:bob@192.0.2.4")
    ack.addHeader("CSeq", "1 ACK")
    let retried7 = alice.retry(ack)
    #expect(retried7 == nil)
  }
}
