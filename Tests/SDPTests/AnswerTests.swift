// Answering offers (RFC 3264 §6), one rule per test.

import SDP
import Testing

@Suite struct AnswerTests {
  func answer(
    _ offer: SessionDescription, capabilities: MediaCapabilities = .standard,
    streams: [LocalStream] = [LocalStream(port: 30000)]
  ) -> OfferAnswer.Answer {
    var session = OfferAnswer(capabilities: capabilities, address: "192.0.2.99", sessionID: 77)
    return session.answer(to: offer, streams: streams)
  }

  func offer(_ media: String...) throws -> SessionDescription {
    try SessionDescription(
      parsing: (["v=0", "o=peer 1 1 IN IP4 198.51.100.1", "s=-", "c=IN IP4 198.51.100.1", "t=0 0"] + media)
        .map { $0 + "\r\n" }.joined())
  }

  @Test func codecsInOfferersOrderNotOurs() throws {
    var capabilities = MediaCapabilities(codecs: [.pcma, .pcmu])
    capabilities.answerWithSingleCodec = false
    let result = answer(try Fixture.sdp("baresip-offer.sdp"), capabilities: capabilities)
    #expect(result.description.media[0].formats == ["0", "8", "101"])
    #expect(result.streams[0].codec?.codec == .pcmu)
    #expect(result.streams[0].codecs.map(\.codec.name) == ["PCMU", "PCMA"])
  }

  @Test func singleCodecAnswerByDefault() throws {
    let result = answer(try Fixture.sdp("pjsua-offer.sdp"))
    // PJSUA offers PCMA before PCMU: the offerer's first common codec wins.
    #expect(result.description.media[0].formats == ["8", "101"])
    #expect(result.streams[0].codecs.count == 1)
  }

  @Test func answerUsesOfferersDynamicNumbersAndRemembersOurs() throws {
    let result = answer(try Fixture.sdp("linphone-ipv6-offer.sdp"))
    let media = result.description.media[0]
    #expect(media.formats == ["0", "100"])
    #expect(media.attributeValues("rtpmap") == ["0 PCMU/8000", "100 telephone-event/8000"])
    let event = try #require(result.streams[0].telephoneEvent)
    #expect(event.sendPayloadType == 100)
    #expect(event.receivePayloadType == 100)
    #expect(event.localPayloadType == 101)
    #expect(event.accepts(payloadType: 101))
  }

  @Test func dynamicCodecMappedBothWays() throws {
    let l16 = Codec(name: "L16", clockRate: 8000, payloadType: 97)
    let result = answer(
      try offer("m=audio 4000 RTP/AVP 112", "a=rtpmap:112 l16/8000"),
      capabilities: MediaCapabilities(codecs: [l16]))
    #expect(result.description.media[0].formats == ["112"])
    let codec = try #require(result.streams[0].codec)
    #expect(codec.sendPayloadType == 112)
    #expect(codec.receivePayloadType == 112)
    #expect(codec.localPayloadType == 97)
    #expect(result.streams[0].codec(receivedPayloadType: 97) == codec)
    #expect(result.streams[0].codec(receivedPayloadType: 0) == nil)
  }

  @Test func telephoneEventFmtpIntersected() throws {
    // 0-15 offered, 0-16 ours -> 0-15.
    #expect(
      answer(try Fixture.sdp("baresip-offer.sdp")).description.media[0].formatParameters("101") == "0-15")
    // 0-16 both.
    #expect(answer(try Fixture.sdp("pjsua-offer.sdp")).description.media[0].formatParameters("101") == "0-16")
    // No fmtp means 0-15 (RFC 4733 §2.4.1).
    #expect(answer(try Fixture.sdp("linphone-ipv6-offer.sdp")).streams[0].telephoneEvents == .dtmf)
    // A list with gaps.
    let lf = answer(try Fixture.sdp("lf-only.sdp"))
    #expect(lf.description.media[0].formatParameters("101") == "0-11,16")
    // Ours limited to 0-15 against an offer of 0-16.
    var dtmfOnly = MediaCapabilities.standard
    dtmfOnly.telephoneEvent?.events = .dtmf
    #expect(
      answer(try Fixture.sdp("pjsua-offer.sdp"), capabilities: dtmfOnly).description.media[0]
        .formatParameters("101") == "0-15")
  }

  @Test func telephoneEventOfOtherClockRateOrNoCommonEventIsLeftOut() throws {
    // PJSUA offers telephone-event/16000 (120) first; we answer the 8000 one (101).
    let pjsua = answer(try Fixture.sdp("pjsua-offer.sdp"))
    #expect(pjsua.streams[0].telephoneEvent?.sendPayloadType == 101)
    let disjoint = answer(
      try offer("m=audio 4000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 66-70"))
    #expect(disjoint.description.media[0].formats == ["0"])
    #expect(disjoint.streams[0].telephoneEvent == nil)
    var none = MediaCapabilities.standard
    none.telephoneEvent = nil
    #expect(
      answer(try Fixture.sdp("baresip-offer.sdp"), capabilities: none).description.media[0].formats == ["0"])
  }

  @Test func ptimeOursWrittenTheirsRemembered() throws {
    let result = answer(try Fixture.sdp("baresip-offer.sdp"), capabilities: MediaCapabilities(ptime: 30))
    #expect(result.description.media[0].ptime == 30)
    #expect(result.streams[0].remotePtime == 20)
    let without = answer(try Fixture.sdp("baresip-offer.sdp"), capabilities: MediaCapabilities(ptime: nil))
    #expect(without.description.media[0].ptime == nil)
  }

  @Test func sendonlyOfferIsAnsweredRecvonly() throws {
    let result = answer(try Fixture.sdp("asterisk-hold-reinvite.sdp"))
    #expect(result.description.media[0].direction == .recvonly)
    #expect(result.streams[0].direction == .recvonly)
  }

  @Test func recvonlyOfferIsAnsweredSendonly() throws {
    let result = answer(try offer("m=audio 4000 RTP/AVP 0", "a=recvonly"))
    #expect(result.description.media[0].direction == .sendonly)
    #expect(result.streams[0].direction == .sendonly)
  }

  @Test func inactiveOfferIsAnsweredInactive() throws {
    let result = answer(try offer("a=inactive", "m=audio 4000 RTP/AVP 0"))  // session level
    #expect(result.description.media[0].direction == .inactive)
    #expect(result.streams[0].direction == .inactive)
  }

  @Test func legacyNullAddressHoldIsSendonly() throws {
    let result = answer(try Fixture.sdp("legacy-hold.sdp"))
    #expect(result.description.media[0].direction == .recvonly)
    #expect(result.streams[0].direction == .recvonly)
    #expect(result.streams[0].direction.sends == false)
    // Our answer still carries our real address.
    #expect(result.description.connection == Connection(address: "192.0.2.99"))
  }

  @Test func legacyNullAddressWithRecvonlyIsInactive() throws {
    let held = try SessionDescription(
      parsing: crlf(
        "v=0", "o=- 1 2 IN IP4 198.51.100.1", "s=-", "c=IN IP4 0.0.0.0", "t=0 0", "m=audio 4000 RTP/AVP 0",
        "a=recvonly"))
    #expect(answer(held).streams[0].direction == .inactive)
    let ipv6 = try SessionDescription(
      parsing: crlf("v=0", "o=- 1 2 IN IP6 ::1", "s=-", "c=IN IP6 ::", "t=0 0", "m=audio 4000 RTP/AVP 0"))
    #expect(answer(ipv6).streams[0].direction == .recvonly)
  }

  @Test func ourHoldLimitsTheAnswer() throws {
    let result = answer(
      try Fixture.sdp("baresip-offer.sdp"), streams: [LocalStream(port: 30000, direction: .sendonly)])
    #expect(result.description.media[0].direction == .sendonly)
    let both = answer(
      try Fixture.sdp("asterisk-hold-reinvite.sdp"), streams: [LocalStream(port: 1, direction: .sendonly)])
    #expect(both.streams[0].direction == .inactive)
  }

  @Test func videoRejectedInPlaceWithPortZero() throws {
    let result = answer(try Fixture.sdp("pjsua-offer.sdp"))
    #expect(result.description.media.count == 2)
    #expect(
      result.description.media[1].field
        == MediaField(media: "video", port: 0, proto: "RTP/AVP", formats: ["97"]))
    #expect(result.streams[1].isActive == false)
    #expect(result.streams[1].media == "video")
    #expect(result.description.media[0].port == 30000)
  }

  @Test func unservedProtocolsRejected() throws {
    let result = answer(
      try offer(
        "m=audio 9 UDP/TLS/RTP/SAVPF 0", "m=audio 5000 RTP/SAVP 0", "m=audio 5002 RTP/AVP 0",
        "m=application 5004 udp wb"))
    #expect(result.description.media.map(\.port) == [0, 0, 30000, 0])
    #expect(result.description.media.map(\.proto) == ["UDP/TLS/RTP/SAVPF", "RTP/SAVP", "RTP/AVP", "udp"])
    #expect(result.description.media.map(\.media) == ["audio", "audio", "audio", "application"])
    #expect(result.streams.map(\.isActive) == [false, false, true, false])
    #expect(result.streams[2].index == 2)
  }

  @Test func streamWithoutCommonCodecRejected() throws {
    let result = answer(try offer("m=audio 4000 RTP/AVP 9 18 101", "a=rtpmap:101 telephone-event/8000"))
    #expect(result.description.media[0].port == 0)
    #expect(result.description.media[0].formats == ["9", "18", "101"])
    #expect(result.streams[0].isActive == false)
  }

  @Test func streamDisabledInOfferStaysDisabled() throws {
    let result = answer(try offer("m=audio 0 RTP/AVP 0", "m=audio 4000 RTP/AVP 0"))
    #expect(result.description.media.map(\.port) == [0, 30000])
  }

  @Test func answerHasAsManyMediaLinesAsOffer() throws {
    // Three servable audio streams, two local streams: the third is rejected, not dropped.
    let result = answer(
      try offer("m=audio 4000 RTP/AVP 0", "m=audio 4002 RTP/AVP 8", "m=audio 4004 RTP/AVP 0"),
      streams: [LocalStream(port: 1000), LocalStream(port: 1002)])
    #expect(result.description.media.map(\.port) == [1000, 1002, 0])
    #expect(result.streams.map(\.localPort) == [1000, 1002, 0])
    for name in Fixture.all {
      let offer = try Fixture.sdp(name)
      #expect(answer(offer).description.media.count == offer.media.count)
    }
  }

  @Test func remoteTransportFromConnectionAndRTCP() throws {
    let result = answer(
      try Fixture.sdp("rtcp-attribute.sdp"), streams: [LocalStream(port: 1000), LocalStream(port: 1002)])
    #expect(result.streams[0].remoteAddress == "198.51.100.20")
    #expect(result.streams[0].remotePort == 49170)
    #expect(result.streams[0].remoteRTCPAddress == "126.16.64.4")
    #expect(result.streams[0].remoteRTCPPort == 53020)
    #expect(result.streams[1].remoteRTCPAddress == "198.51.100.20")
    #expect(result.streams[1].remoteRTCPPort == 53022)
    let baresip = answer(try Fixture.sdp("baresip-offer.sdp"))
    #expect(baresip.streams[0].remoteRTCPPort == 10587)  // RFC 3550 §11: port + 1
    let linphone = answer(try Fixture.sdp("linphone-ipv6-offer.sdp"))
    #expect(linphone.streams[0].remoteAddress == "2001:db8::10")
    #expect(linphone.streams[0].remotePort == 7078)
  }

  @Test func ourRTCPPortIsWritten() throws {
    let result = answer(
      try Fixture.sdp("baresip-offer.sdp"), streams: [LocalStream(port: 30000, rtcpPort: 30011)])
    #expect(result.description.media[0].rtcp == RTCPAttribute(port: 30011))
  }

  @Test func reAnswersVersionOnlyOnChange() throws {
    var session = OfferAnswer(address: "192.0.2.99", sessionID: 77, sessionVersion: 5)
    let first = session.answer(to: try Fixture.sdp("baresip-offer.sdp"), streams: [LocalStream(port: 30000)])
    let same = session.answer(to: try Fixture.sdp("baresip-offer.sdp"), streams: [LocalStream(port: 30000)])
    #expect(first.description.origin?.sessionVersion == "5")
    #expect(same.description == first.description)
    let held = session.answer(
      to: try Fixture.sdp("asterisk-hold-reinvite.sdp"), streams: [LocalStream(port: 30000)])
    #expect(held.description.origin?.sessionVersion == "6")
    #expect(held.description.origin?.sessionID == "77")
    #expect(session.remoteDescription == (try Fixture.sdp("asterisk-hold-reinvite.sdp")))
    #expect(session.streams == held.streams)
  }

  @Test(arguments: Fixture.all) func answersParseAndRoundTrip(name: String) throws {
    let result = answer(try Fixture.sdp(name), streams: [LocalStream(port: 1000), LocalStream(port: 1002)])
    let text = result.description.asString()
    #expect(try SessionDescription(parsing: text).asString() == text)
  }
}
