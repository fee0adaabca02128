// Taking answers to our offers (RFC 3264 §7), their validation, and whole exchanges.

import SDP
import Testing

@Suite struct ProcessAnswerTests {
  func offering(_ streams: [LocalStream] = [LocalStream(port: 40000)]) -> OfferAnswer {
    var session = OfferAnswer(address: "192.0.2.10", sessionID: 4711)
    _ = session.makeOffer(streams)
    return session
  }

  func answer(_ media: String...) throws -> SessionDescription {
    try SessionDescription(
      parsing: (["v=0", "o=peer 9 9 IN IP4 198.51.100.1", "s=-", "c=IN IP4 198.51.100.1", "t=0 0"] + media)
        .map { $0 + "\r\n" }.joined())
  }

  func error(_ session: inout OfferAnswer, _ answer: SessionDescription) -> OfferAnswerError? {
    do {
      _ = try session.processAnswer(answer)
      return nil
    } catch {
      return error
    }
  }

  @Test func negotiatedCodecAddressAndTelephoneEvent() throws {
    var session = offering()
    let streams = try session.processAnswer(
      try answer(
        "m=audio 5000 RTP/AVP 8 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=ptime:20"))
    let stream = try #require(streams.first)
    #expect(stream.isActive)
    #expect(stream.codec?.codec == .pcma)
    #expect(stream.codec?.sendPayloadType == 8)
    #expect(stream.remoteAddress == "198.51.100.1")
    #expect(stream.remotePort == 5000)
    #expect(stream.remoteRTCPPort == 5001)
    #expect(stream.localPort == 40000)
    #expect(stream.telephoneEvent?.sendPayloadType == 101)
    #expect(stream.telephoneEvents == .dtmf)
    #expect(stream.direction == .sendrecv)
    #expect(stream.remotePtime == 20)
    #expect(session.pendingOffer == nil)
    #expect(session.streams == streams)
  }

  @Test func renumberedCodecSendsTheirsReceivesOurs() throws {
    var session = offering()
    let streams = try session.processAnswer(
      try answer("m=audio 5000 RTP/AVP 0 96", "a=rtpmap:96 telephone-event/8000", "a=fmtp:96 0-16"))
    let event = try #require(streams[0].telephoneEvent)
    #expect(event.sendPayloadType == 96)
    #expect(event.receivePayloadType == 101)
    #expect(streams[0].telephoneEvents == .dtmfAndFlash)
  }

  @Test func dynamicNumberWithoutRtpmapMeansWhatWeOffered() throws {
    var session = offering()
    let streams = try session.processAnswer(try answer("m=audio 5000 RTP/AVP 0 101"))
    #expect(streams[0].telephoneEvent?.receivePayloadType == 101)
  }

  @Test func answerDirectionSeenFromOurSide() throws {
    for (answered, ours) in [
      ("a=recvonly", MediaDirection.sendonly), ("a=sendonly", .recvonly), ("a=inactive", .inactive),
      ("a=sendrecv", .sendrecv),
    ] {
      var session = offering()
      let streams = try session.processAnswer(try answer("m=audio 5000 RTP/AVP 0", answered))
      #expect(streams[0].direction == ours)
    }
  }

  @Test func answerNeverExceedsWhatWeOffered() throws {
    var session = offering([LocalStream(port: 40000, direction: .sendonly)])
    let streams = try session.processAnswer(try answer("m=audio 5000 RTP/AVP 0", "a=sendrecv"))
    #expect(streams[0].direction == .sendonly)
  }

  @Test func nullAddressInAnswerStopsOurSending() throws {
    var session = offering()
    let held = try SessionDescription(
      parsing: crlf(
        "v=0", "o=- 1 1 IN IP4 0.0.0.0", "s=-", "c=IN IP4 0.0.0.0", "t=0 0", "m=audio 5000 RTP/AVP 0"))
    #expect(try session.processAnswer(held)[0].direction == .recvonly)
  }

  @Test func rtcpOfAnswer() throws {
    var session = offering()
    let streams = try session.processAnswer(
      try answer("m=audio 5000 RTP/AVP 0", "a=rtcp:6000 IN IP6 2001:db8::9"))
    #expect(streams[0].remoteRTCPPort == 6000)
    #expect(streams[0].remoteRTCPAddress == "2001:db8::9")
  }

  @Test func rejectedStreamInAnswer() throws {
    var session = offering([LocalStream(port: 40000), LocalStream(port: 40002)])
    let streams = try session.processAnswer(try answer("m=audio 5000 RTP/AVP 0", "m=audio 0 RTP/AVP 0"))
    #expect(streams.map(\.isActive) == [true, false])
    #expect(streams[1].direction == .inactive)
  }

  @Test func mediaCountMismatchIsAnErrorAndKeepsTheOffer() throws {
    var session = offering()
    let found = error(&session, try answer("m=audio 5000 RTP/AVP 0", "m=audio 5002 RTP/AVP 0"))
    #expect(found?.kind == .mediaCountMismatch)
    #expect(session.pendingOffer != nil)
    #expect(error(&session, try answer())?.kind == .mediaCountMismatch)
    // A correct answer can still follow.
    #expect(try session.processAnswer(try answer("m=audio 5000 RTP/AVP 0")).count == 1)
  }

  @Test func codecNotInOurOfferIsAnError() throws {
    var session = offering()
    let found = error(&session, try answer("m=audio 5000 RTP/AVP 18"))
    #expect(found?.kind == .codecNotOffered)
    #expect(found?.mediaIndex == 0)
    #expect(error(&session, try answer("m=audio 5000 RTP/AVP 0 110"))?.kind == .codecNotOffered)
    #expect(
      error(&session, try answer("m=audio 5000 RTP/AVP 0 101", "a=rtpmap:101 telephone-event/16000"))?.kind
        == .codecNotOffered)
  }

  @Test func mediaTypeOrProtocolChangeIsAnError() throws {
    var session = offering()
    #expect(error(&session, try answer("m=video 5000 RTP/AVP 0"))?.kind == .mediaTypeMismatch)
    #expect(error(&session, try answer("m=audio 5000 RTP/SAVP 0"))?.kind == .protocolMismatch)
  }

  @Test func acceptingADisabledStreamIsAnError() throws {
    var session = offering([LocalStream(port: 0)])
    #expect(error(&session, try answer("m=audio 5000 RTP/AVP 0"))?.kind == .acceptedDisabledStream)
  }

  @Test func acceptedStreamWithoutAudioCodecIsAnError() throws {
    var session = offering()
    #expect(
      error(&session, try answer("m=audio 5000 RTP/AVP 101", "a=rtpmap:101 telephone-event/8000"))?.kind
        == .noCommonCodec)
  }

  @Test func answerWithoutPendingOfferIsAnError() throws {
    var session = OfferAnswer(address: "192.0.2.10", sessionID: 1)
    #expect(error(&session, try answer("m=audio 5000 RTP/AVP 0"))?.kind == .noPendingOffer)
    _ = session.answer(to: try Fixture.sdp("baresip-offer.sdp"), streams: [LocalStream(port: 1)])
    #expect(error(&session, try answer("m=audio 5000 RTP/AVP 0"))?.kind == .noPendingOffer)
  }

  @Test func errorDescriptionNamesTheStream() throws {
    var session = offering()
    let found = error(&session, try answer("m=audio 5000 RTP/AVP 18"))
    #expect(found?.description == "m= line 1: answer uses a codec we did not offer: format 18")
  }

  @Test func answerToAnOfferMadeElsewhere() throws {
    var session = OfferAnswer(address: "192.0.2.10", sessionID: 1)
    session.useOffer(try Fixture.sdp("baresip-offer.sdp"))
    let streams = try session.processAnswer(try answer("m=audio 5000 RTP/AVP 9", "a=sendonly"))
    #expect(streams[0].codec?.codec.name == "G722")  // not in our capabilities, but in that offer
    #expect(streams[0].localPort == 10586)
    #expect(streams[0].direction == .recvonly)
    session.useOffer(try Fixture.sdp("baresip-offer.sdp"))
    #expect(error(&session, try answer("m=audio 5000 RTP/AVP 18"))?.kind == .codecNotOffered)
  }

  /// INVITE without SDP: we (UAS) put our offer in the 200 OK; the answer arrives in the ACK.
  @Test func lateOfferFlow() throws {
    var uas = OfferAnswer(address: "192.0.2.10", sessionID: 100)
    let offerIn200 = uas.makeOffer([LocalStream(port: 40000)])
    // The caller (here a PJSUA-like agent preferring PCMA, telephone-event on 96) answers in the ACK.
    var caller = OfferAnswer(
      capabilities: MediaCapabilities(
        codecs: [.pcma], telephoneEvent: TelephoneEventCapability(payloadType: 96)),
      address: "198.51.100.1", sessionID: 200)
    let answerInACK = caller.answer(
      to: try SessionDescription(parsing: offerIn200.bytes), streams: [LocalStream(port: 5000)])
    let streams = try uas.processAnswer(try SessionDescription(parsing: answerInACK.description.bytes))
    #expect(streams[0].codec?.codec == .pcma)
    #expect(streams[0].remotePort == 5000)
    #expect(streams[0].remoteAddress == "198.51.100.1")
    // The caller answered with our number for telephone-event; it remembers its own 96.
    #expect(streams[0].telephoneEvent?.sendPayloadType == 101)
    #expect(answerInACK.streams[0].telephoneEvent?.localPayloadType == 96)
    #expect(answerInACK.streams[0].remotePort == 40000)
    #expect(uas.pendingOffer == nil)
  }

  /// Early offer, then we hold the peer and resume, each a re-offer answered by the peer.
  @Test func holdAndResumeBetweenTwoAgents() throws {
    var alice = OfferAnswer(address: "192.0.2.10", sessionID: 1, sessionVersion: 1)
    var bob = OfferAnswer(address: "198.51.100.1", sessionID: 2, sessionVersion: 1)
    func exchange(_ direction: MediaDirection) throws -> (MediaDirection, MediaDirection, String) {
      let offer = alice.makeOffer([LocalStream(port: 40000, direction: direction)])
      let answer = bob.answer(to: offer, streams: [LocalStream(port: 5000)])
      let streams = try alice.processAnswer(answer.description)
      return (streams[0].direction, answer.streams[0].direction, offer.origin?.sessionVersion ?? "")
    }
    #expect(try exchange(.sendrecv) == (.sendrecv, .sendrecv, "1"))
    #expect(try exchange(.sendonly) == (.sendonly, .recvonly, "2"))
    #expect(try exchange(.sendrecv) == (.sendrecv, .sendrecv, "3"))
    #expect(try exchange(.sendrecv) == (.sendrecv, .sendrecv, "3"))
  }
}
