// The parser reads ASCII values from their bytes (SDPBytes) and everything else through the
// general path; both must give the same description, the same typed values and the same errors.

import Testing

@testable import SDP

@Suite struct SDPBytePathTests {
  /// Both paths on one text: the same description and parsed values, or the same error.
  func expectSamePaths(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let bytes = Array(text.utf8)
    let byteResult = Result { () throws(SDPParseError) in try SessionDescription(parsing: bytes) }
    let generalResult = Result { () throws(SDPParseError) in try SessionDescription(parsingGeneral: bytes) }
    switch (byteResult, generalResult) {
    case (.success(let fast), .success(let general)):
      #expect(fast.parseDifference(from: general) == nil, "\(text)", sourceLocation: sourceLocation)
    case (.failure(let fast), .failure(let general)):
      #expect(fast == general, "\(text)", sourceLocation: sourceLocation)
    default:
      Issue.record("one path parses, the other does not: \(text)", sourceLocation: sourceLocation)
    }
  }

  /// The samples, the fixtures (the interop peers' offers) and the benchmark generator's offer.
  @Test func samplesAndFixturesParseTheSameBothWays() throws {
    var texts = SectionSummaryTests.samples
    for name in Fixture.all { texts.append(String(decoding: try Fixture.bytes(name), as: UTF8.self)) }
    texts.append(
      crlf(
        "v=0", "o=sipcallgen 7 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
        "m=audio 16384 RTP/AVP 0 101", "a=rtpmap:0 PCMU/8000", "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16", "a=ptime:20", "a=sendrecv"))
    for text in texts { expectSamePaths(text) }
    // The byte path is what the usual offer takes: its values are the general path's.
    let offer = try SessionDescription(parsing: texts[texts.count - 1])
    #expect(offer.connection == Connection(address: "127.0.0.1"))
    #expect(offer.media[0].codecs.map(\.name) == ["PCMU", "telephone-event"])
    #expect(offer.media[0].codecs[1].formatParameters == "0-16")
    #expect(offer.media[0].ptime == 20)
    #expect(offer.media[0].direction == .sendrecv)
  }

  /// Each line type the byte path reads, valid and broken in the ways the grammar cares about,
  /// at session or media level of an otherwise valid description.
  @Test func eachValueParsesTheSameBothWays() {
    let session: [String] = [
      "o=- 1 1 IN IP4 192.0.2.1", "o=-  1 1 IN IP4 192.0.2.1", "o=- 1 1 IN IP4", "o=- x 1 IN IP4 a",
      "o=- 1 y IN IP4 a", "o=- 1 1 I\"N IP4 a", "o=- 1 1 IN IP4 a b", "o=", "o=- 1 1 IN IP4 caf\u{E9}",
      "c=IN IP4 192.0.2.1", "c=IN ip4 host.example", "c=IN IP4 1host", "c=IN IP4 1.2.3.256",
      "c=IN IP4 224.2.1.1/127",
      "c=IN IP4 224.2.1.1/127/3", "c=IN IP4 224.2.1.1/127/0", "c=IN IP4 224.2.1.1/256", "c=IN IP4 a/1/2/3",
      "c=IN IP4 /1", "c=IN IP4 a//", "c=IN IP4", "c=IN IP4 a b", "c=IN  IP4   a", "c=IN IP6 ::1",
      "c=IN IP6 2001:db8::1/2", "c=IN IP6 host/1/2", "c=IN X25 whatever/1", "c=I@N IP4 a", "c=IN IP4 a_b",
      "b=AS:64", "b=AS:", "b=:64", "b=AS64", "b=AS:6:4", "b=A S:64",
    ]
    let media: [String] = [
      "a=rtpmap:0 PCMU/8000", "a=rtpmap:96 opus/48000/2", "a=rtpmap:96 opus/48000/0", "a=rtpmap:128 x/8000",
      "a=rtpmap:96 x/0", "a=rtpmap:96 x", "a=rtpmap:96 x/8000/1/1", "a=rtpmap:96  x/8000",
      "a=rtpmap:96 x/8000 y",
      "a=rtpmap:96 x y/8000", "a=rtpmap:96 /8000", "a=rtpmap:96 x/", "a=rtpmap", "a=rtpmap:",
      "a=RTPMAP:8 PCMA/8000",
      "a=fmtp:101 0-16", "a=fmtp:101", "a=fmtp:", "a=fmtp:   ", "a=fmtp: 101  0-15", "a=fmtp:101 a b",
      "a=fmtp",
      "a=ptime:20", "a=ptime:0", "a=ptime:0.5", "a=ptime:20.", "a=ptime:1234567890", "a=ptime:", "a=ptime",
      "a=ptime:x", "a=MaxPTime:60", "a=maxptime:60.25", "a=rtcp:5000", "a=rtcp:70000", "a=rtcp:5000 IN IP4 a",
      "a=rtcp:", "a=rtcp:5000 IN", "a=rtcp", "a=sendonly", "a=RECVONLY", "a=inactive", "a=sendrecvx",
      "a=x-flag", "a=x:y:z", "a=:x", "a=b@d", "a=", "c=IN IP4 192.0.2.9", "b=TIAS:64000",
    ]
    let time = ["t=0 0", "t=0", "t=0 0 0", "t=a 0", "t=  0   0 ", "r=7d 1h 0 25h", "r=", "r=   ", "z=0 -1h"]
    let mediaLines = [
      "m=audio 4000 RTP/AVP 0 101", "m=audio 4000/2 RTP/AVP 0", "m=audio 4000/0 RTP/AVP 0",
      "m=audio 4000/2/2 RTP/AVP 0",
      "m=audio 70000 RTP/AVP 0", "m=audio 0 RTP/AVP", "m=audio 4000 RTP/AVP", "m=audio 4000 RTP/AVP 128",
      "m=audio 4000 RTP/AVP x", "m=audio 4000 RTP//AVP 0", "m=audio 4000 /AVP 0", "m=audio 4000 rtp/savp 0",
      "m=application 9 UDP/BFCP *", "m=audio 4000", "m=aud@io 4000 RTP/AVP 0", "m=audio  4000  RTP/AVP  0  8",
      "m=audio x RTP/AVP 0", "m=audio /2 RTP/AVP 0",
    ]
    let head = ["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-"]
    let connection = "c=IN IP4 192.0.2.1"
    let audio = "m=audio 4000 RTP/AVP 0 101"
    for line in session {
      let lines =
        line.hasPrefix("o=") ? ["v=0", line, "s=-"] : head + (line.hasPrefix("c=") ? [] : [connection])
      expectSamePaths(
        (lines + [line.hasPrefix("o=") ? connection : line, "t=0 0", audio]).map { $0 + "\r\n" }.joined())
    }
    for line in media {
      expectSamePaths(
        crlf(head[0], head[1], head[2], connection, "t=0 0", audio, line, "a=rtpmap:101 telephone-event/8000")
      )
      // At session level, where rtpmap and fmtp resolve nothing but are still checked.
      expectSamePaths(crlf(head[0], head[1], head[2], connection, "t=0 0", line, audio))
    }
    for line in time {
      expectSamePaths(crlf(head[0], head[1], head[2], connection, "t=0 0", line, audio))
      expectSamePaths(crlf(head[0], head[1], head[2], connection, line, audio))
    }
    for line in mediaLines {
      expectSamePaths(crlf(head[0], head[1], head[2], connection, "t=0 0", line, "a=rtpmap:0 PCMU/8000"))
      expectSamePaths(crlf(head[0], head[1], head[2], "t=0 0", line, "a=sendonly"))
    }
  }
}
