// The Net::SIP::SDP object model: get_media, as_string, replace_media_listen, name2int, new{...}.

import SDP
import Testing

@Suite struct NetSIPModelTests {
  @Test func getMediaGivesEffectiveAddressRangeAndLines() throws {
    let media = try Fixture.sdp("rfc8866-multicast.sdp").getMedia()
    #expect(media.count == 2)
    #expect(media[0].address == "233.252.0.1")
    #expect(media[0].port == 49170)
    #expect(media[0].range == 2)
    #expect(media[0].proto == "RTP/AVP")
    #expect(media[0].media == "audio")
    #expect(media[0].formats == ["0"])
    #expect(media[0].lines == [SDPLine("i", "the audio"), SDPLine("b", "AS:64")])
    #expect(media[1].address == "FF15::101")
    #expect(media[1].range == 1)
  }

  @Test func contentTypeAndAsString() throws {
    #expect(SessionDescription.contentType == "application/sdp")
    let bytes = try Fixture.bytes("baresip-offer.sdp")
    #expect(Array(try SessionDescription(parsing: bytes).asString().utf8) == bytes)
  }

  @Test func name2intByNameClockAndChannels() throws {
    let pjsua = try Fixture.sdp("pjsua-offer.sdp")
    #expect(pjsua.name2int("telephone-event/8000", mediaIndex: 0) == 101)
    #expect(pjsua.name2int("telephone-event/16000", mediaIndex: 0) == 120)
    #expect(pjsua.name2int("telephone-event", mediaIndex: 0) == 120)  // first in m= order
    #expect(pjsua.name2int("pcmu") == 0)
    #expect(pjsua.name2int("PCMA/8000") == 8)
    #expect(pjsua.name2int("speex/32000") == 98)
    #expect(pjsua.name2int("H264/90000", mediaIndex: 1) == 97)
    #expect(pjsua.name2int("G729") == nil)
    #expect(pjsua.name2int("PCMU", mediaIndex: 5) == nil)
    #expect(pjsua.name2int("PCMU/x") == nil)
    let linphone = try Fixture.sdp("linphone-ipv6-offer.sdp")
    #expect(linphone.name2int("opus/48000/2") == 96)
    #expect(linphone.name2int("opus/48000/1") == nil)
    #expect(linphone.name2int("G729/8000") == 18)  // static type, no rtpmap
  }

  @Test func replaceMediaListenSetsAddressesPortsAndVersion() throws {
    var sdp = try Fixture.sdp("pjsua-offer.sdp")
    try sdp.replaceMediaListen(
      address: "10.1.1.1",
      [
        MediaListen(address: "10.1.1.1", port: 30000),
        MediaListen(address: "2001:db8::5", port: 30002, range: 2),
      ])
    let reparsed = try SessionDescription(parsing: sdp.asString())
    let media = reparsed.getMedia()
    #expect(media.map(\.address) == ["10.1.1.1", "2001:db8::5"])
    #expect(media.map(\.port) == [30000, 30002])
    #expect(media.map(\.range) == [1, 2])
    #expect(reparsed.connection == Connection(address: "10.1.1.1"))
    #expect(reparsed.media[0].connection == nil)  // same as the session's: no own c=
    #expect(reparsed.media[1].connection == Connection(addressType: "IP6", address: "2001:db8::5"))
    #expect(reparsed.origin?.address == "10.1.1.1")
    #expect(reparsed.origin?.sessionVersion == "3912345679")
    #expect(reparsed.origin?.sessionID == "3912345678")
    // Everything else stays.
    #expect(reparsed.media[0].formats == ["96", "9", "8", "0", "97", "98", "3", "120", "101"])
  }

  @Test func replaceMediaListenWithoutGlobalAddress() throws {
    var sdp = try Fixture.sdp("baresip-offer.sdp")
    try sdp.replaceMediaListen([MediaListen(address: "192.0.2.77", port: 7000)])
    #expect(sdp.connection?.address == "10.0.0.5")
    #expect(sdp.getMedia()[0].address == "192.0.2.77")
    #expect(try SessionDescription(parsing: sdp.asString()).media[0].port == 7000)
  }

  @Test func replaceMediaListenRefusesWrongCountOrPort() throws {
    var sdp = try Fixture.sdp("pjsua-offer.sdp")
    #expect(throws: SDPUsageError.self) {
      try sdp.replaceMediaListen([MediaListen(address: "10.1.1.1", port: 1)])
    }
    #expect(throws: SDPUsageError.self) {
      try sdp.replaceMediaListen([
        MediaListen(address: "10.1.1.1", port: 70000), MediaListen(address: "10.1.1.1", port: 1),
      ])
    }
    #expect(sdp == (try Fixture.sdp("pjsua-offer.sdp")))
  }

  @Test func builderFromGlobalAndMedia() throws {
    let sdp = try SessionDescription(
      global: SDPGlobal(address: "192.0.2.1", sessionID: "42", lines: [.attribute("sendrecv")]),
      media: [
        SDPMediaData(
          port: 4000, formats: ["0", "101"],
          lines: [.attribute("rtpmap", "0 PCMU/8000"), .attribute("rtpmap", "101 telephone-event/8000")]),
        SDPMediaData(media: "video", port: 4002, range: 2, formats: ["31"], address: "2001:db8::1"),
      ])
    #expect(
      sdp.asString()
        == crlf(
          "v=0", "o=- 42 0 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "a=sendrecv",
          "m=audio 4000 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
          "m=video 4002/2 RTP/AVP 31", "c=IN IP6 2001:db8::1"))
    #expect(sdp.name2int("telephone-event/8000") == 101)
    #expect(sdp.getMedia()[1].range == 2)
  }

  @Test func builderRefusesWhatWouldNotParse() {
    #expect(throws: SDPParseError.self) {
      try SessionDescription(global: SDPGlobal(), media: [SDPMediaData(port: 4000, formats: ["0"])])
    }
    #expect(throws: SDPParseError.self) {
      try SessionDescription(
        global: SDPGlobal(address: "192.0.2.1"), media: [SDPMediaData(port: 4000, formats: ["x"])])
    }
  }
}
