// MediaDescription keeps its m= line parsed once: the typed accessors must still read what the
// line says after every way of changing it.

import Testing

@testable import SDP

@Suite struct MediaFieldCacheTests {
  static let offer = """
    v=0\r
    o=- 1 1 IN IP4 192.0.2.4\r
    s=-\r
    c=IN IP4 192.0.2.4\r
    t=0 0\r
    m=audio 49170/2 RTP/AVP 0 8 101\r
    a=rtpmap:101 telephone-event/8000\r\n
    """

  @Test func parsedLineReadsAsWritten() throws {
    let media = try #require(try SessionDescription(parsing: Self.offer).media.first)
    #expect(
      media.field
        == MediaField(
          media: "audio", port: 49170, portCount: 2, proto: "RTP/AVP", formats: ["0", "8", "101"]))
    #expect(media.codecs.map(\.name) == ["PCMU", "PCMA", "telephone-event"])
  }

  @Test func settingPortAndFormatsRewritesLineAndAccessors() throws {
    var description = try SessionDescription(parsing: Self.offer)
    description.media[0].port = 0
    description.media[0].formats = ["8"]
    #expect(description.media[0].port == 0)
    #expect(description.media[0].formats == ["8"])
    #expect(description.media[0].codecs.map(\.name) == ["PCMA"])
    #expect(description.description.contains("m=audio 0/2 RTP/AVP 8\r\n"))
    // Parsing the rewritten text gives the same value as the edited one.
    #expect(try SessionDescription(parsing: description.description).media[0] == description.media[0])
  }

  @Test func handMadeFieldThatDoesNotParseReadsEmpty() {
    // A media type that is not a token cannot be read back: the getter gives the empty field, as
    // it did when every read parsed the line.
    let media = MediaDescription(MediaField(media: "a b", port: 5, proto: "RTP/AVP", formats: ["0"]))
    #expect(media.field == MediaField(media: "", port: 0, proto: "", formats: []))
    #expect(media.codecs.isEmpty)
  }

  @Test func equalityFollowsTheText() throws {
    let parsed = try #require(try SessionDescription(parsing: Self.offer).media.first)
    var rebuilt = MediaDescription(parsed.field, lines: parsed.lines)
    #expect(rebuilt == parsed)
    #expect(rebuilt.hashValue == parsed.hashValue)
    rebuilt.port = 49172
    #expect(rebuilt != parsed)
  }

  @Test func codecsResolvedByTheParserFollowEveryChangeOfTheLines() throws {
    var description = try SessionDescription(parsing: Self.offer)
    // Replacing the rtpmap renames payload type 101; removing it leaves it unresolved.
    description.media[0].lines = [.attribute("rtpmap", "101 opus/48000/2")]
    #expect(description.media[0].codecs.map(\.name) == ["PCMU", "PCMA", "opus"])
    description.media[0].lines.removeAll()
    #expect(description.media[0].codecs.map(\.name) == ["PCMU", "PCMA"])
    description.media[0].lines.append(.attribute("rtpmap", "101 telephone-event/8000"))
    #expect(description.media[0].codecs.map(\.name) == ["PCMU", "PCMA", "telephone-event"])
    // Equality and hashing ignore what was resolved: a parsed value equals the same text built by hand.
    let parsed = try SessionDescription(parsing: Self.offer).media[0]
    let handMade = MediaDescription(parsed.field, lines: parsed.lines)
    #expect(parsed == handMade)
    #expect(parsed.codecs == handMade.codecs)
  }
}
