// A first answer is written straight as bytes (OfferAnswer.writeAudioSection and friends);
// later ones are built as lines and stamped. Both must give the same answer: bytes, streams,
// description and the offer/answer state after it.

import Testing

@testable import SDP

@Suite struct AnswerBytesTests {
  static func offers() throws -> [SessionDescription] {
    var texts = SectionSummaryTests.samples
    texts.append(
      crlf(
        "v=0", "o=sipcallgen 7 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
        "m=audio 16384 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv"))
    texts.append(
      crlf(
        "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0",
        "m=audio 5000 RTP/AVP 96 97 8 0", "a=rtpmap:96 opus/48000/2", "a=fmtp:96 useinbandfec=1",
        "a=rtpmap:97 telephone-event/48000", "a=rtpmap:98 telephone-event/8000", "m=audio 5002 RTP/AVP 0",
        "a=sendonly"))
    return try texts.map { try SessionDescription(parsing: $0) } + Fixture.all.map { try Fixture.sdp($0) }
  }

  static let sessions: [OfferAnswer] = [
    OfferAnswer(address: "192.0.2.10", sessionID: 4711),
    OfferAnswer(
      capabilities: MediaCapabilities(
        codecs: [
          Codec(name: "opus", clockRate: 48000, channels: 2, payloadType: 111, formatParameters: "stereo=1"),
          .pcma, .pcmu,
        ],
        telephoneEvent: TelephoneEventCapability(payloadType: 100, events: .dtmf), ptime: 30, maxptime: 150,
        protocols: ["RTP/AVP", "RTP/SAVP"], answerWithSingleCodec: false),
      address: "2001:db8::7", sessionID: 12_345_678_901, sessionVersion: 41, username: "sip-script"),
    OfferAnswer(
      capabilities: MediaCapabilities(telephoneEvent: nil, ptime: nil), address: "media.example.org",
      sessionID: 0),
  ]

  static let streamSets: [[LocalStream]] = [
    [LocalStream(port: 40000)],
    [
      LocalStream(port: 40002, direction: .sendonly, rtcpPort: 40009),
      LocalStream(port: 40010, direction: .inactive),
    ],
    [],
  ]

  @Test func firstAnswerWrittenAsBytesIsTheBuiltOne() throws {
    for offer in try Self.offers() {
      for session in Self.sessions {
        for streams in Self.streamSets {
          var direct = session
          var built = session
          let fast = direct.answer(to: offer, streams: streams)
          let general = built.answer(to: offer, streams: streams, writingBytes: false)
          #expect(fast.bytes == general.bytes, "\(offer)")
          #expect(fast.streams == general.streams)
          #expect(fast.description == general.description)
          #expect(fast == general)
          #expect(direct.localDescription == built.localDescription)
          #expect(direct.remoteDescription == built.remoteDescription)
          #expect(direct.sessionVersion == built.sessionVersion)
          #expect(direct.streams == built.streams)
          #expect(direct.pendingOffer == nil && built.pendingOffer == nil)
          // A re-answer goes through stamping on both: unchanged keeps the version, a change
          // (hold) increments it.
          let again = (direct.answer(to: offer, streams: streams), built.answer(to: offer, streams: streams))
          #expect(again.0.bytes == again.1.bytes)
          #expect(again.0.bytes == fast.bytes)
          let held = streams.map { LocalStream(port: $0.port, direction: .sendonly, rtcpPort: $0.rtcpPort) }
          let third = (direct.answer(to: offer, streams: held), built.answer(to: offer, streams: held))
          #expect(third.0.bytes == third.1.bytes)
          #expect(direct.sessionVersion == built.sessionVersion)
        }
      }
    }
  }

  @Test func writtenAnswerReadsBackAsItsLines() throws {
    var session = OfferAnswer(address: "192.0.2.10", sessionID: 4711, sessionVersion: 3)
    let offer = try Self.offers()[0]
    let answer = session.answer(to: offer, streams: [LocalStream(port: 40000)])
    let text = String(decoding: answer.bytes, as: UTF8.self)
    #expect(
      text.hasPrefix("v=0\r\no=- 4711 3 IN IP4 192.0.2.10\r\ns=sipscript\r\nc=IN IP4 192.0.2.10\r\nt=0 0\r\n")
    )
    #expect(answer.description.origin?.sessionVersion == "3")
    #expect(answer.description.media.count == offer.media.count)
    #expect(answer.description.asString() == text)
    // Setting the description replaces the bytes.
    var changed = answer
    changed.description.sessionName = "changed"
    #expect(String(decoding: changed.bytes, as: UTF8.self).contains("s=changed\r\n"))
  }

  @Test func telephoneEventsOnBytesAsCharacterSplit() {
    // The general reading: Character splits on "," and "-", spaces trimmed, numbers 0-255.
    func reference(_ text: String) -> Set<Int>? {
      var codes = Set<Int>()
      for item in text.split(separator: ",", omittingEmptySubsequences: false) {
        let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count <= 2, let low = SDPSyntax.number(bounds[0].trimmingSpaces, max: 255) else {
          return nil
        }
        let high = bounds.count == 2 ? SDPSyntax.number(bounds[1].trimmingSpaces, max: 255) : low
        guard let high, low <= high else { return nil }
        codes.formUnion(low...high)
      }
      return codes
    }
    let texts = [
      "0-16", "0-15", "0-11,16", " 0 - 3 ,7", "3-1", "0-256", "0,,1", "", ",", "-", "0-", "-5", "1-2-3",
      "255", "0-255", "7,7,7", "  12  ", "0 1", "1a", "0-16,", "\u{661}", "0-1\u{301}", "000-016",
    ]
    for text in texts { #expect(TelephoneEvents(parsing: text)?.codes == reference(text), "\(text)") }
  }

  @Test func writerNumbersAreStringsDigits() {
    for number in [0, 7, 10, 99, 101, 65535, 9_999_999_999, 10_000_000_000, Int.max, -1, -40, Int.min] {
      var writer = SDPWriter(capacity: 0)
      writer.append(number)
      #expect(String(decoding: writer.bytes, as: UTF8.self) == String(number))
    }
  }

  @Test func writerTextIsTheStringsUTF8() {
    // Small (inline) and large Strings, ASCII and not, substrings' copies, empty.
    let long = String(repeating: "sipscript ", count: 20)
    for text in ["", "0", "IN IP4 ", "telephone-event/8000", "späte Grüße", long, String(long.dropFirst(3))] {
      var writer = SDPWriter(capacity: 0)
      writer.append(byte: UInt8(ascii: "<"))
      writer.append(text)
      writer.append(text)
      #expect(writer.bytes == [UInt8(ascii: "<")] + Array(text.utf8) + Array(text.utf8))
    }
  }

  @Test func contentTypeOnBytesAsSplitFilteredLowercased() {
    func reference(_ value: String) -> Bool {
      let type = value.split(separator: ";", maxSplits: 1).first ?? ""
      return String(type.filter { !$0.isWhitespace }).lowercased() == SessionDescription.contentType
    }
    let values = [
      "application/sdp", "Application/SDP", "application/sdp;charset=utf-8", " application / sdp ; x",
      "\tapplication/sdp", "application/sdpx", "application/sd", "", ";", "application/sdp\r\n",
      "applicatio\u{301}n/sdp", "text/plain", "application/sdp\u{A0}", "APPLICATION/SDP;", "multipart/mixed",
    ]
    for value in values {
      // The byte check may say no where the general reading says yes (the caller reads it then),
      // never the reverse.
      if SessionDescription.isContentType(value) { #expect(reference(value), "\(value)") }
    }
    for value in values.prefix(5) + ["APPLICATION/SDP;"] { #expect(SessionDescription.isContentType(value)) }
  }
}
