// Building offers and re-offers (RFC 3264 §5, §8).

import SDP
import Testing

@Suite struct OfferTests {
  @Test func initialOfferListsCodecsInPreferenceOrder() throws {
    var session = OfferAnswer(address: "192.0.2.10", sessionID: 4711, sessionVersion: 1)
    let offer = session.makeOffer([LocalStream(port: 40000)])
    #expect(
      offer.asString()
        == crlf(
          "v=0", "o=- 4711 1 IN IP4 192.0.2.10", "s=sipscript", "c=IN IP4 192.0.2.10", "t=0 0",
          "m=audio 40000 RTP/AVP 0 8 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000",
          "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv"))
    #expect(session.pendingOffer == offer)
    // What we send parses.
    #expect(try SessionDescription(parsing: offer.asString()) == offer)
  }

  @Test func configurableCodecsTelephoneEventAndRTCP() throws {
    let capabilities = MediaCapabilities(
      codecs: [.pcma, Codec(name: "L16", clockRate: 8000, payloadType: 97)],
      telephoneEvent: TelephoneEventCapability(payloadType: 96, events: .dtmf), ptime: 30, maxptime: 60)
    var session = OfferAnswer(capabilities: capabilities, address: "2001:db8::10", sessionID: 9)
    let offer = session.makeOffer([LocalStream(port: 40000, rtcpPort: 40011)])
    let media = offer.media[0]
    #expect(offer.origin?.addressType == "IP6")
    #expect(offer.connection == Connection(addressType: "IP6", address: "2001:db8::10"))
    #expect(media.formats == ["8", "97", "96"])
    #expect(media.codec(forPayloadType: "96")?.formatParameters == "0-15")
    #expect(media.ptime == 30)
    #expect(media.maxptime == 60)
    #expect(media.rtcp == RTCPAttribute(port: 40011))
    #expect(offer.name2int("L16/8000") == 97)
  }

  @Test func unchangedReOfferKeepsVersion() {
    var session = OfferAnswer(address: "192.0.2.10", sessionID: 4711, sessionVersion: 1)
    let first = session.makeOffer([LocalStream(port: 40000)])
    let again = session.makeOffer([LocalStream(port: 40000)])
    #expect(again.origin?.sessionVersion == "1")
    #expect(again == first)
  }

  @Test func holdReOfferIncrementsVersionKeepsSessionID() {
    var session = OfferAnswer(address: "192.0.2.10", sessionID: 4711, sessionVersion: 1)
    _ = session.makeOffer([LocalStream(port: 40000)])
    let hold = session.makeOffer([LocalStream(port: 40000, direction: .sendonly)])
    #expect(hold.origin?.sessionID == "4711")
    #expect(hold.origin?.sessionVersion == "2")
    #expect(hold.direction(forMedia: 0) == .sendonly)
    let resume = session.makeOffer([LocalStream(port: 40000)])
    #expect(resume.origin?.sessionVersion == "3")
    #expect(resume.direction(forMedia: 0) == .sendrecv)
    #expect(session.sessionVersion == "3")
  }

  @Test func servableStreamsOfAnOffer() throws {
    let session = OfferAnswer(address: "192.0.2.10", sessionID: 1)
    #expect(session.servableStreams(in: try Fixture.sdp("pjsua-offer.sdp")) == [0])
    #expect(session.servableStreams(in: try Fixture.sdp("rtcp-attribute.sdp")) == [0, 1])
    let noCommon = try SessionDescription(
      parsing: crlf(
        "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 9"))
    #expect(session.servableStreams(in: noCommon).isEmpty)
  }
}
