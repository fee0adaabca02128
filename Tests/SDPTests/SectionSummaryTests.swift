// The parser keeps c=, direction, ptime, maxptime, rtcp and the codecs typed (SectionSummary,
// CodecResolver); the accessors read that while the lines are unchanged and read the lines
// otherwise. The two paths must agree on every description, and so must what offer/answer and
// serialization make of them.

import Testing

@testable import SDP

@Suite struct SectionSummaryTests {
  /// Offers and answers of several shapes: RFC 4317-style audio and video, session-level and
  /// media-level c=, IPv6, RFC 2543 hold, attributes in mixed case, repeated attributes, unknown
  /// lines and attributes, a rejected stream, LF-only line ends.
  static let samples: [String] = [
    crlf(
      "v=0", "o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com", "s=",
      "c=IN IP4 host.atlanta.example.com", "t=0 0", "m=audio 49170 RTP/AVP 0 8 97", "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:8 PCMA/8000", "a=rtpmap:97 iLBC/8000", "m=video 51372 RTP/AVP 31 32",
      "a=rtpmap:31 H261/90000",
      "a=rtpmap:32 MPV/90000"),
    crlf(
      "v=0", "o=bob 2808844564 2808844564 IN IP4 host.biloxi.example.com", "s=",
      "c=IN IP4 host.biloxi.example.com", "t=0 0", "m=audio 49174 RTP/AVP 0", "a=rtpmap:0 PCMU/8000",
      "m=video 0 RTP/AVP 32", "a=rtpmap:32 MPV/90000"),
    crlf(
      "v=0", "o=alice 1 2 IN IP4 192.0.2.10", "s=-", "t=0 0", "a=sendonly", "m=audio 49170 RTP/AVP 0 97 101",
      "c=IN IP4 192.0.2.10", "a=rtpmap:97 iLBC/8000", "a=fmtp:97 mode=30",
      "a=rtpmap:101 telephone-event/8000",
      "a=fmtp:101 0-11", "a=ptime:30", "a=maxptime:60"),
    crlf(
      "v=0", "o=- 7 7 IN IP6 2001:db8::10", "s=-", "c=IN IP6 2001:db8::10", "t=0 0",
      "m=audio 5004 RTP/AVP 8 0 100", "c=IN IP6 2001:db8::20", "a=rtpmap:100 telephone-event/8000",
      "a=RecvOnly", "a=PTime:40", "a=ptime:20", "a=rtcp:5010 IN IP6 2001:db8::30", "a=rtcp:6000"),
    crlf(
      "v=0", "o=gw 4400 4401 IN IP4 198.51.100.7", "s=SIP Call", "c=IN IP4 0.0.0.0", "t=0 0",
      "m=audio 18756 RTP/AVP 0 101", "c=IN IP4 0.0.0.0", "a=rtpmap:0 PCMU/8000",
      "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15", "a=ptime:20"),
    crlf(
      "v=0", "o=x 1 1 IN IP4 203.0.113.5", "s=-", "i=unknown lines stay", "c=IN IP4 203.0.113.5", "b=AS:64",
      "t=0 0", "x=vendor line", "a=tool:something", "m=audio 7000/2 RTP/AVP 0 18", "i=audio", "b=TIAS:64000",
      "a=rtpmap:18 G729/8000", "a=fmtp:18 annexb=no", "a=x-vendor:value:with:colons", "a=inactive",
      "a=sendrecv", "a=rtcp-mux", "y=unknown", "m=audio 7002 RTP/SAVP 0",
      "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:x",
      "m=application 9 UDP/BFCP *", "a=setup:actpass"),
    "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN IP4 192.0.2.1\nt=0 0\nm=audio 4000 RTP/AVP 0 101\n"
      + "a=rtpmap:101 telephone-event/8000\na=SENDONLY\n\n",
    crlf(
      "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "m=audio 4000 rtp/avp 0 8 101", "c=IN IP4 192.0.2.1",
      "c=IN IP4 192.0.2.2", "a=RTPMAP:101 Telephone-Event/8000", "a=rtpmap:101 ignored/8000",
      "a=FMTP:101 0-16",
      "a=fmtp:101 0-3", "a=fmtp:0", "a=MaxPTime:20", "m=audio 0 RTP/AVP 0"),
  ]

  static func descriptions() throws -> [SessionDescription] {
    try samples.map { try SessionDescription(parsing: $0) } + Fixture.all.map { try Fixture.sdp($0) }
  }

  /// The same description with every section's lines set again, so that nothing the parser kept
  /// is used and every accessor reads the lines.
  static func general(_ description: SessionDescription) -> SessionDescription {
    var copy = description
    copy.lines = description.lines
    for index in copy.media.indices { copy.media[index].lines = description.media[index].lines }
    return copy
  }

  @Test func parserKeepsWhatTheLinesSay() throws {
    for parsed in try Self.descriptions() {
      #expect(parsed.summary != nil)
      #expect(parsed.media.allSatisfy { $0.summary != nil })
      let general = Self.general(parsed)
      #expect(general.summary == nil)
      #expect(general.media.allSatisfy { $0.summary == nil })
      #expect(parsed == general)
      #expect(parsed.connection == general.connection)
      #expect(parsed.direction == general.direction)
      for index in parsed.media.indices {
        let fast = parsed.media[index]
        let slow = general.media[index]
        #expect(fast.connection == slow.connection)
        #expect(fast.direction == slow.direction)
        #expect(fast.ptime == slow.ptime)
        #expect(fast.maxptime == slow.maxptime)
        #expect(fast.rtcp == slow.rtcp)
        #expect(fast.codecs == slow.codecs)
        #expect(parsed.connection(forMedia: index) == general.connection(forMedia: index))
        #expect(parsed.direction(forMedia: index) == general.direction(forMedia: index))
        #expect(
          OfferAnswer.effectiveDirection(of: parsed, media: index)
            == OfferAnswer.effectiveDirection(of: general, media: index))
        let fastRemote = OfferAnswer.remoteTransport(of: parsed, media: index)
        let slowRemote = OfferAnswer.remoteTransport(of: general, media: index)
        #expect(fastRemote.address == slowRemote.address && fastRemote.port == slowRemote.port)
        #expect(
          fastRemote.rtcpAddress == slowRemote.rtcpAddress && fastRemote.rtcpPort == slowRemote.rtcpPort)
      }
    }
  }

  @Test func summariesReadWhatTheSamplesSay() throws {
    let samples = try Self.samples.map { try SessionDescription(parsing: $0) }
    // Session-level direction and c= (RFC 3264 §5.1, RFC 8866 §5.7).
    #expect(samples[2].direction == .sendonly)
    #expect(samples[2].direction(forMedia: 0) == .sendonly)
    #expect(samples[2].media[0].ptime == 30)
    #expect(samples[2].media[0].maxptime == 60)
    // Media-level c= overrides the session's; the first ptime and rtcp win; names in any case.
    #expect(samples[3].connection(forMedia: 0)?.address == "2001:db8::20")
    #expect(samples[3].media[0].direction == .recvonly)
    #expect(samples[3].media[0].ptime == 40)
    #expect(
      samples[3].media[0].rtcp == RTCPAttribute(port: 5010, connection: Connection(address: "2001:db8::30")))
    // RFC 2543 hold.
    #expect(OfferAnswer.effectiveDirection(of: samples[4], media: 0) == .sendonly)
    // The first direction flag wins; the first rtpmap and fmtp of a number win.
    #expect(samples[5].media[0].direction == .inactive)
    #expect(samples[7].media[0].connection?.address == "192.0.2.1")
    #expect(samples[7].media[0].codecs.map(\.name) == ["PCMU", "PCMA", "Telephone-Event"])
    #expect(samples[7].media[0].codecs.map(\.formatParameters) == ["", nil, "0-16"])
    #expect(samples[7].media[0].maxptime == 20)
    #expect(samples[6].media[0].direction == .sendonly)
  }

  @Test func answersAreTheSameFromBothPaths() throws {
    var capabilities = MediaCapabilities.standard
    capabilities.answerWithSingleCodec = false
    for parsed in try Self.descriptions() {
      for capabilities in [MediaCapabilities.standard, capabilities] {
        let streams = [
          LocalStream(port: 30000), LocalStream(port: 30002, direction: .sendonly, rtcpPort: 30010),
        ]
        var fastSession = OfferAnswer(capabilities: capabilities, address: "192.0.2.99", sessionID: 5)
        var slowSession = fastSession
        let fast = fastSession.answer(to: parsed, streams: streams)
        let slow = slowSession.answer(to: Self.general(parsed), streams: streams)
        #expect(fast == slow)
        #expect(fast.description.asString() == slow.description.asString())
        // A second answer to the same offer keeps the version (RFC 3264 §8).
        let again = fastSession.answer(to: parsed, streams: streams)
        #expect(again.description.asString() == fast.description.asString())
      }
    }
  }

  @Test func changingLinesDropsTheSummary() throws {
    var description = try SessionDescription(parsing: Self.samples[3])
    description.media[0].direction = .sendonly
    #expect(description.media[0].summary == nil)
    #expect(description.media[0].direction == .sendonly)
    description.media[0].removeAttributes("ptime")
    #expect(description.media[0].ptime == nil)
    description.media[0].connection = Connection(address: "192.0.2.55")
    #expect(description.connection(forMedia: 0)?.address == "192.0.2.55")
    description.connection = nil
    #expect(description.summary == nil)
    #expect(description.connection == nil)
    description.direction = .inactive
    #expect(description.direction == .inactive)
    // The edited description reads back the same after a round trip through text.
    let reparsed = try SessionDescription(parsing: description.asString())
    #expect(reparsed == description)
    #expect(reparsed.media[0].direction == .sendonly)
    #expect(reparsed.direction == .inactive)
  }

  @Test func serializationMatchesLineByLineWriting() throws {
    for parsed in try Self.descriptions() {
      var edited = parsed
      edited.media.append(
        MediaDescription(MediaField(media: "audio", port: 0, proto: "RTP/AVP", formats: ["0"])))
      for description in [parsed, edited] {
        // The reference: every line with its own terminator, the description's for lines built
        // in code, and one added after a last line that had none but is no longer last.
        let all = description.lines + description.media.flatMap { [$0.mediaLine] + $0.lines }
        var expected = ""
        for (index, line) in all.enumerated() {
          expected += "\(line.type)=\(line.value)\(line.trailingWhitespace)"
          let terminator = line.terminator ?? description.lineEnding
          expected += terminator.isEmpty && index < all.count - 1 ? description.lineEnding : terminator
        }
        #expect(description.asString() == expected + description.trailer)
        #expect(description.bytes == Array((expected + description.trailer).utf8))
      }
      #expect(parsed.asString().utf8.count > 0)
    }
  }
}

/// The byte-level shortcuts against the general String operations they stand for.
@Suite struct SDPByteShortcutTests {
  static let words = [
    "ptime", "PTIME", "pTime", "ptim", "ptimes", "", "rtpmap", "RTPMAP", "sendrecv", "SendRecv",
    "\u{212A}", "k", "K", "stra\u{DF}e", "STRASSE", "\u{130}", "i", "caf\u{E9}", "CAF\u{C9}", "rtp/avp",
    "RTP/AVP",
  ]

  @Test func caseInsensitiveComparisonsMatchLowercasingAndUppercasing() {
    for a in Self.words {
      for b in Self.words {
        #expect(SDPSyntax.equalLowercased(a, b) == (a.lowercased() == b.lowercased()), "\(a) \(b)")
        #expect(SDPSyntax.equalLowercased(a[...], b) == (a.lowercased() == b.lowercased()), "\(a) \(b)")
        #expect(SDPSyntax.equalUppercased(a, b) == (a.uppercased() == b.uppercased()), "\(a) \(b)")
      }
    }
  }

  @Test func attributeSplitsAtTheFirstColonCharacter() {
    let values = [
      "rtpmap:0 PCMU/8000", "sendrecv", "x:", ":x", "a:b:c", "x:\u{301}y", "x:\u{301}y:z", "\u{E9}t\u{E9}:v",
      "\u{600}:v", "a\u{200D}:b", "", ":",
    ]
    for value in values {
      let line = SDPLine("a", value)
      let expected: (String, String?) =
        if let colon = value.firstIndex(of: ":") {
          (String(value[..<colon]), String(value[value.index(after: colon)...]))
        } else {
          (value, nil)
        }
      let attribute = line.attribute
      #expect(attribute.map { String($0.name) } == expected.0, "\(value)")
      #expect(attribute?.value.map(String.init) == expected.1, "\(value)")
    }
    #expect(SDPLine("c", "IN IP4 x:y").attribute == nil)
  }

  @Test func isRTPMatchesUppercasedSearch() {
    for proto in [
      "RTP/AVP", "rtp/avp", "UDP/TLS/RTP/SAVPF", "RTP", "RTPRTP/", "RRTP/", "udp", "RT/P", "rtp\u{E9}/",
    ] {
      let field = MediaField(media: "audio", port: 1, proto: proto, formats: ["0"])
      #expect(field.isRTP == proto.uppercased().contains("RTP/"), "\(proto)")
    }
  }

  @Test func numbersAsBeforeOnBytes() {
    let cases: [(String, Int, Int?)] = [
      ("0", 127, 0), ("127", 127, 127), ("128", 127, nil), ("", 127, nil), ("-1", 127, nil), ("+1", 127, nil),
      ("007", 127, 7), ("123456789012345678", Int.max, 123_456_789_012_345_678),
      ("1234567890123456789", Int.max, nil), ("1a", 127, nil), ("\u{661}", 127, nil),
    ]
    for (text, limit, expected) in cases {
      #expect(SDPSyntax.number(Substring(text), max: limit) == expected, "\(text)")
    }
  }

  @Test func byteSplitMatchesCharacterSplit() {
    let texts = [
      "", " ", "a", "a b", " a  b ", "0 PCMU/8000", "a//b/", "/", "//", "x:y:z", "::", "101 0-16",
      "caf\u{E9} a", "a \u{301}b c", "a\r\n b", "1,2,,3-4",
    ]
    for text in texts {
      for separator in [" ", "/", ":", ",", "-"] {
        let byte = separator.utf8.first ?? 0
        for omitting in [true, false] {
          for maxSplits in [0, 1, 2, Int.max] {
            let expected = text[...].split(
              separator: Character(separator), maxSplits: maxSplits, omittingEmptySubsequences: omitting)
            let found = SDPSyntax.split(
              text[...], at: byte, maxSplits: maxSplits, omittingEmptySubsequences: omitting)
            #expect(found == expected, "\(text) \(separator) \(omitting) \(maxSplits)")
          }
        }
      }
    }
  }

  @Test func telephoneEventsAsASet() {
    // The reference: the codes as a set, written as sorted ranges.
    func reference(_ codes: Set<Int>) -> String {
      var parts: [String] = []
      var sorted = codes.sorted()[...]
      while let low = sorted.first {
        var high = low
        sorted = sorted.dropFirst()
        while let next = sorted.first, next == high + 1 {
          high = next
          sorted = sorted.dropFirst()
        }
        parts.append(low == high ? "\(low)" : "\(low)-\(high)")
      }
      return parts.joined(separator: ",")
    }
    let sets: [Set<Int>] = [
      [], [0], [255], Set(0...15), Set(0...16), [0, 2, 4, 63, 64, 65, 127, 128, 200, 254, 255],
    ]
    for codes in sets {
      let events = TelephoneEvents(codes.union([-1, 256, 1000]))
      #expect(events.codes == codes)
      #expect(events.description == reference(codes))
      #expect(events.isEmpty == codes.isEmpty)
      #expect(TelephoneEvents(parsing: events.description) == (codes.isEmpty ? nil : events))
      #expect(events.intersection(.dtmf).codes == codes.intersection(0...15))
      #expect((0...300).allSatisfy { events.contains($0) == codes.contains($0) })
    }
    #expect(TelephoneEvents(parsing: " 0 - 3 ,7")?.codes == [0, 1, 2, 3, 7])
    #expect(TelephoneEvents(parsing: "3-1") == nil)
    #expect(TelephoneEvents(parsing: "0-256") == nil)
    #expect(TelephoneEvents(parsing: "0,,1") == nil)
  }

  @Test func ipv4AsBefore() {
    func reference(_ text: Substring) -> Bool {
      let parts = text.split(separator: ".", omittingEmptySubsequences: false)
      return parts.count == 4
        && parts.allSatisfy { $0.utf8.count <= 3 && SDPSyntax.number($0, max: 255) != nil }
    }
    let cases = [
      "192.0.2.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "1.2.3.4.", ".1.2.3", "1..2.3",
      "01.002.3.4", "0001.2.3.4", "1.2.3.a", "", "1.2.3.4.5", "1.2.3.999", "1.2.3.-1", "host.example.com",
    ]
    for text in cases { #expect(SDPSyntax.isIPv4(Substring(text)) == reference(Substring(text)), "\(text)") }
  }

  @Test func fieldsThatRoundTripNeedNoParse() {
    let fields = [
      MediaField(media: "audio", port: 4000, proto: "RTP/AVP", formats: ["0", "101"]),
      MediaField(media: "audio", port: 0, proto: "RTP/AVP", formats: []),
      MediaField(media: "audio", port: 4000, portCount: 2, proto: "RTP/AVP", formats: ["0"]),
      MediaField(media: "video", port: 9, proto: "UDP/BFCP", formats: ["*"]),
      MediaField(media: "audio", port: 70000, proto: "RTP/AVP", formats: ["0"]),
      MediaField(media: "audio", port: -1, proto: "RTP/AVP", formats: ["0"]),
      MediaField(media: "audio", port: 4000, portCount: 0, proto: "RTP/AVP", formats: ["0"]),
      MediaField(media: "audio", port: 4000, proto: "RTP/AVP", formats: ["200"]),
      MediaField(media: "audio", port: 4000, proto: "RTP/AVP", formats: ["0 8"]),
      MediaField(media: "audio", port: 4000, proto: "RTP/AVP", formats: [""]),
      MediaField(media: "audio", port: 4000, proto: "RTP//AVP", formats: ["0"]),
      MediaField(media: "au dio", port: 4000, proto: "RTP/AVP", formats: ["0"]),
      MediaField(media: "audio", port: 4000, proto: "", formats: ["0"]),
      MediaField(media: "audio", port: 4000, proto: "TCP", formats: []),
    ]
    for field in fields {
      let parsed = MediaDescription.parseField(field.description)
      if field.roundTrips { #expect(parsed == field, "\(field)") }
      // Either way the section reads what its m= line says.
      #expect(MediaDescription(field).field == parsed, "\(field)")
      var edited = MediaDescription(MediaField(media: "audio", port: 1, proto: "RTP/AVP", formats: ["0"]))
      edited.field = field
      #expect(edited.field == parsed, "\(field)")
    }
    #expect(fields.filter(\.roundTrips).count == 4)
  }
}
