// Parsing real-world SDPs into the model.

import SDP
import Testing

@Suite struct SessionDescriptionParsingTests {
  @Test(arguments: Fixture.all) func everyFixtureParses(name: String) throws {
    let sdp = try Fixture.sdp(name)
    #expect(sdp.origin != nil)
    #expect(!sdp.media.isEmpty)
  }

  @Test func pjsuaOfferWithVideo() throws {
    let sdp = try Fixture.sdp("pjsua-offer.sdp")
    #expect(
      sdp.origin == Origin(sessionID: "3912345678", sessionVersion: "3912345678", address: "192.168.1.20"))
    #expect(sdp.sessionName == "pjmedia")
    #expect(sdp.media.count == 2)
    let audio = sdp.media[0]
    #expect(audio.media == "audio")
    #expect(audio.port == 4000)
    #expect(audio.proto == "RTP/AVP")
    #expect(audio.formats == ["96", "9", "8", "0", "97", "98", "3", "120", "101"])
    #expect(
      audio.codec(forPayloadType: "101")
        == Codec(
          name: "telephone-event", clockRate: 8000, payloadType: 101, formatParameters: "0-16"))
    #expect(audio.codec(forPayloadType: "3")?.name == "GSM")
    #expect(audio.rtcp == RTCPAttribute(port: 4001, connection: Connection(address: "192.168.1.20")))
    #expect(audio.direction == .sendrecv)
    #expect(sdp.media[1].media == "video")
    #expect(sdp.media[1].formatParameters("97") == "profile-level-id=42e01e; packetization-mode=1")
    #expect(sdp.attribute("X-nat") == "0")
  }

  @Test func baresipOffer() throws {
    let sdp = try Fixture.sdp("baresip-offer.sdp")
    #expect(sdp.connection == Connection(address: "10.0.0.5"))
    #expect(sdp.connection(forMedia: 0)?.address == "10.0.0.5")
    #expect(sdp.media[0].ptime == 20)
    #expect(sdp.media[0].codecs.map(\.name) == ["G722", "PCMU", "PCMA", "telephone-event"])
    #expect(sdp.media[0].attribute("rtcp-rsize") == "")
    #expect(sdp.attribute("tool") == "baresip 1.0.0")
  }

  @Test func linphoneIPv6Offer() throws {
    let sdp = try Fixture.sdp("linphone-ipv6-offer.sdp")
    #expect(sdp.origin?.addressType == "IP6")
    #expect(sdp.connection == Connection(addressType: "IP6", address: "2001:db8::10"))
    let audio = sdp.media[0]
    #expect(
      audio.codec(forPayloadType: "96")
        == Codec(
          name: "opus", clockRate: 48000, channels: 2, payloadType: 96, formatParameters: "useinbandfec=1"))
    // pt 18 has an fmtp but no rtpmap: the static table gives G729.
    #expect(
      audio.codec(forPayloadType: "18")
        == Codec(
          name: "G729", clockRate: 8000, payloadType: 18, formatParameters: "annexb=yes"))
    #expect(audio.codecs.filter(\.isTelephoneEvent).map(\.clockRate) == [48000, 16000, 8000])
    #expect(sdp.direction(forMedia: 0) == .sendrecv)
  }

  @Test func asteriskHoldIsSendOnly() throws {
    let sdp = try Fixture.sdp("asterisk-hold-reinvite.sdp")
    #expect(sdp.direction(forMedia: 0) == .sendonly)
    #expect(sdp.media[0].maxptime == 150)
    #expect(sdp.origin?.sessionVersion == "1693406152")
  }

  @Test func legacyHoldAddress() throws {
    let sdp = try Fixture.sdp("legacy-hold.sdp")
    #expect(sdp.connection?.isNullAddress == true)
    #expect(sdp.media[0].connection?.isNullAddress == true)
    #expect(sdp.direction(forMedia: 0) == .sendrecv)
  }

  @Test func rtcpAttributeForms() throws {
    let sdp = try Fixture.sdp("rtcp-attribute.sdp")
    #expect(sdp.media[0].rtcp == RTCPAttribute(port: 53020, connection: Connection(address: "126.16.64.4")))
    #expect(sdp.media[1].rtcp == RTCPAttribute(port: 53022))
    #expect(sdp.media[1].attributeValues("rtcp") == ["53022", "53023 IN IP6 2001:db8::7"])
  }

  @Test func multicastAndEveryLineType() throws {
    let sdp = try Fixture.sdp("rfc8866-multicast.sdp")
    #expect(sdp.connection == Connection(address: "233.252.0.1", ttl: 127, count: 3))
    #expect(sdp.media[0].field.portCount == 2)
    #expect(sdp.media[0].field.port == 49170)
    #expect(sdp.media[1].connection == Connection(addressType: "IP6", address: "FF15::101", count: 3))
    #expect(sdp.direction == .recvonly)
    #expect(sdp.direction(forMedia: 0) == .recvonly)
    #expect(sdp.lines.map(\.type) == ["v", "o", "s", "i", "u", "e", "p", "c", "t", "r", "z", "k", "a", "y"])
    #expect(sdp.media[0].lines.map(\.type) == ["i", "b"])
    #expect(sdp.media[1].lines.last == SDPLine("x", "unknown media-level line"))
  }

  @Test func lfOnlyWithTrailingWhitespace() throws {
    let sdp = try Fixture.sdp("lf-only.sdp")
    #expect(sdp.lineEnding == "\n")
    #expect(sdp.origin?.address == "192.0.2.33")
    #expect(sdp.sessionName == "-")
    #expect(sdp.media[0].formats == ["8", "0", "101"])
    #expect(sdp.media[0].formatParameters("101") == "0-11,16")
  }

  @Test func mediaDirectionOverridesSession() throws {
    let sdp = try SessionDescription(
      parsing: crlf(
        "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "a=sendonly",
        "m=audio 4000 RTP/AVP 0", "a=inactive", "m=audio 4002 RTP/AVP 0"))
    #expect(sdp.direction(forMedia: 0) == .inactive)
    #expect(sdp.direction(forMedia: 1) == .sendonly)
    #expect(sdp.direction(forMedia: 2) == .sendrecv)
  }

  @Test func protocolsAndRejectedStreamWithoutFormats() throws {
    let sdp = try SessionDescription(
      parsing: crlf(
        "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111", "m=audio 5000 RTP/SAVP 0", "m=video 0 RTP/AVP",
        "m=application 5004 udp wb"))
    #expect(sdp.media.map(\.proto) == ["UDP/TLS/RTP/SAVPF", "RTP/SAVP", "RTP/AVP", "udp"])
    #expect(sdp.media[2].formats.isEmpty)
    #expect(sdp.media[3].formats == ["wb"])
    #expect(sdp.media[3].field.isRTP == false)
  }

  @Test func rejectedStreamNeedsNoConnection() throws {
    let sdp = try SessionDescription(
      parsing: crlf(
        "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 4000 RTP/AVP 0", "c=IN IP4 192.0.2.1",
        "m=video 0 RTP/AVP 31"))
    #expect(sdp.connection == nil)
    #expect(sdp.connection(forMedia: 1) == nil)
  }

  @Test func byteInputAndIPv6Forms() throws {
    for address in [
      "::1", "2001:db8::10", "fe80::1:2:3:4", "::ffff:192.0.2.1", "1:2:3:4:5:6:7:8", "host.example",
    ] {
      let text = crlf(
        "v=0", "o=- 1 1 IN IP6 ::1", "s=-", "c=IN IP6 \(address)", "t=0 0", "m=audio 4000 RTP/AVP 0")
      #expect(try SessionDescription(parsing: Array(text.utf8)).connection?.address == address)
    }
  }

  @Test func longFormatListResolvesInOnePass() throws {
    // 128 formats with 128 rtpmaps repeated: resolving must not rescan the lines per format.
    var lines = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"]
    lines.append("m=audio 4000 RTP/AVP " + (0..<128).map(String.init).joined(separator: " "))
    for _ in 0..<20 { lines += (96..<128).map { "a=rtpmap:\($0) x\($0)/8000" } }
    let sdp = try SessionDescription(parsing: lines.map { $0 + "\r\n" }.joined())
    let codecs = sdp.media[0].codecs
    #expect(codecs.count == 24 + 32)  // static types known to RFC 3551 plus the 32 mapped
    #expect(sdp.name2int("x127/8000") == 127)
  }
}
