// CodecResolver keeps a section's rtpmaps and fmtps in small arrays (it had dictionaries): the
// first of a payload type or format wins, formats are compared as written ("0101" is not "101"),
// and an fmtp whose format is no payload type number is not kept (nothing reads it). What the
// parser resolves must equal what the accessors resolve from the lines.

import Testing

@testable import SDP

@Suite struct CodecResolverTests {
  static func sdp(_ mediaLines: [String]) -> String {
    (["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0"] + mediaLines)
      .joined(separator: "\r\n") + "\r\n"
  }

  /// The section's codecs as the parser kept them and as the lines give them.
  static func bothPaths(_ text: String) throws -> (parsed: [Codec], fromLines: [Codec]) {
    let parsed = try SessionDescription(parsing: text)
    return (parsed.media[0].codecs, SectionSummaryTests.general(parsed).media[0].codecs)
  }

  @Test func theFirstOfEachWinsAndFormatsCompareAsWritten() throws {
    let text = Self.sdp([
      "m=audio 5000 RTP/AVP 0101 101 97 8", "a=rtpmap:101 telephone-event/8000", "a=rtpmap:0101 other/16000",
      "a=fmtp:0101 first-padded", "a=fmtp:101 0-15", "a=fmtp:101 0-16", "a=fmtp:0101 second-padded",
      "a=rtpmap:97 iLBC/8000", "a=rtpmap:97 dropped/8000", "a=fmtp:97 mode=30", "a=fmtp:foo bar",
      "a=fmtp:8 annexb=no",
    ])
    let (parsed, fromLines) = try Self.bothPaths(text)
    #expect(parsed == fromLines)
    // 0101 and 101 are payload type 101: the first rtpmap of 101 names both; each has its own fmtp.
    #expect(parsed.map(\.name) == ["telephone-event", "telephone-event", "iLBC", "PCMA"])
    #expect(parsed.map(\.payloadType) == [101, 101, 97, 8])
    #expect(parsed.map(\.formatParameters) == ["first-padded", "0-15", "mode=30", "annexb=no"])
    let media = try SessionDescription(parsing: text).media[0]
    #expect(media.codec(forPayloadType: "0101")?.formatParameters == "first-padded")
    #expect(media.codec(forPayloadType: "101")?.formatParameters == "0-15")
    #expect(media.codec(forPayloadType: "foo") == nil)
  }

  @Test func fmtpsOfOtherFormatsChangeNothing() throws {
    // 97 has no rtpmap and is no static type: it resolves to nothing, its fmtp included.
    let text = Self.sdp([
      "m=audio 5000 RTP/AVP 0 97", "a=fmtp:x y=1", "a=fmtp:128 z=2", "a=fmtp:97 q=1", "a=fmtp:0 p=0",
    ])
    let (parsed, fromLines) = try Self.bothPaths(text)
    #expect(parsed == fromLines)
    #expect(parsed.map(\.name) == ["PCMU"])
    #expect(parsed.map(\.formatParameters) == ["p=0"])
  }

  @Test func manyLinesResolveAsFewDo() throws {
    // Every payload type mapped twice, thousands of fmtps of other formats: the arrays stay
    // bounded (128 maps; fmtps of payload type numbers only) and the answer is the same.
    var lines = ["m=audio 5000 RTP/AVP " + (0...127).reversed().map(String.init).joined(separator: " ")]
    for payloadType in 0...127 { lines.append("a=rtpmap:\(payloadType) c\(payloadType)/8000") }
    for payloadType in 0...127 { lines.append("a=rtpmap:\(payloadType) late\(payloadType)/8000") }
    for n in 0..<3000 { lines.append("a=fmtp:f\(n) n=\(n)") }
    for payloadType in stride(from: 0, through: 127, by: 3) {
      lines.append("a=fmtp:\(payloadType) pt=\(payloadType)")
    }
    let (parsed, fromLines) = try Self.bothPaths(Self.sdp(lines))
    #expect(parsed == fromLines)
    #expect(parsed.count == 128)
    #expect(parsed.map(\.name) == (0...127).reversed().map { "c\($0)" })
    #expect(
      parsed.map(\.formatParameters) == (0...127).reversed().map { $0 % 3 == 0 ? "pt=\($0)" : nil })
  }
}
