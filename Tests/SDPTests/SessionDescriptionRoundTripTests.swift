// An unmodified description re-serializes byte for byte; modified ones stay well-formed.

import SDP
import Testing

@Suite struct SessionDescriptionRoundTripTests {
  @Test(arguments: Fixture.all) func byteExact(name: String) throws {
    let bytes = try Fixture.bytes(name)
    let sdp = try SessionDescription(parsing: bytes)
    #expect(sdp.bytes == bytes)
    #expect(try SessionDescription(parsing: sdp.asString()) == sdp)
  }

  @Test func trailingBlankLinesAndMixedEndingsKept() throws {
    let text =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\ns=- \t\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n\r\n  \n"
    let sdp = try SessionDescription(parsing: text)
    #expect(sdp.asString() == text)
    #expect(sdp.sessionName == "-")
  }

  @Test func editedLastLineWithoutTerminatorGetsOne() throws {
    var sdp = try Fixture.sdp("lf-only.sdp")
    sdp.media[0].appendAttribute("ptime", "20")
    let text = sdp.asString()
    #expect(text.hasSuffix("a=fmtp:101 0-11,16\na=ptime:20\n"))
    #expect(try SessionDescription(parsing: text).media[0].ptime == 20)
  }

  @Test func editsKeepOtherLinesInPlace() throws {
    var sdp = try Fixture.sdp("pjsua-offer.sdp")
    sdp.media[0].direction = .sendonly
    sdp.media[0].port = 5000
    let reparsed = try SessionDescription(parsing: sdp.asString())
    #expect(reparsed.media[0].port == 5000)
    #expect(reparsed.media[0].direction == .sendonly)
    #expect(reparsed.media[0].lines.map(\.value)[3] == "sendonly")  // where a=sendrecv was
    #expect(reparsed.media[0].lines.count == sdp.media[0].lines.count)
  }

  @Test func settersInsertLinesInGrammarOrder() throws {
    var sdp = try SessionDescription(
      parsing: crlf(
        "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "t=0 0", "a=tool:x", "m=audio 4000 RTP/AVP 0",
        "c=IN IP4 192.0.2.1", "a=rtpmap:0 PCMU/8000"))
    sdp.connection = Connection(address: "192.0.2.9")
    sdp.media[0].connection = nil
    sdp.direction = .recvonly
    let text = sdp.asString()
    #expect(text.contains("s=-\r\nc=IN IP4 192.0.2.9\r\nt=0 0\r\n"))
    #expect(try SessionDescription(parsing: text).direction(forMedia: 0) == .recvonly)
  }

  @Test func originVersionIncrementsAsDecimalText() {
    #expect(Origin.increment("0") == "1")
    #expect(Origin.increment("1999") == "2000")
    #expect(Origin.increment("99999999999999999999999") == "100000000000000000000000")
  }
}
