// Every way the parser refuses a description, each naming the line and the reason.

import SDP
import Testing

@Suite struct SessionDescriptionErrorTests {
  /// A valid description to break one line of.
  static let base = [
    "v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4 192.0.2.1", "t=0 0", "m=audio 4000 RTP/AVP 0 101",
    "a=rtpmap:101 telephone-event/8000",
  ]

  func error(_ text: String) -> SDPParseError? {
    do {
      _ = try SessionDescription(parsing: text)
      return nil
    } catch {
      return error
    }
  }

  func expectError(
    _ lines: [String], _ kind: SDPParseError.Kind, line: Int,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    let found = error(lines.map { $0 + "\r\n" }.joined())
    #expect(found?.kind == kind, sourceLocation: sourceLocation)
    #expect(found?.lineNumber == line, sourceLocation: sourceLocation)
    if let found, lines.indices.contains(line - 1) {
      #expect(found.line == lines[line - 1], sourceLocation: sourceLocation)
    }
  }

  func replacing(_ index: Int, with line: String) -> [String] {
    var lines = Self.base
    lines[index] = line
    return lines
  }

  @Test func baseIsValid() {
    #expect(error(Self.base.map { $0 + "\r\n" }.joined()) == nil)
  }

  @Test func emptyInput() {
    #expect(error("")?.kind == .empty)
    #expect(error("\r\n  \r\n")?.kind == .empty)
  }

  @Test func malformedLines() {
    expectError(replacing(2, with: "s"), .malformedLine, line: 3)
    expectError(replacing(2, with: "s-"), .malformedLine, line: 3)
    expectError(replacing(2, with: " s=-"), .malformedLine, line: 3)
    expectError(replacing(2, with: "1=-"), .malformedLine, line: 3)
    expectError(replacing(2, with: "ss=-"), .malformedLine, line: 3)
  }

  @Test func invalidText() {
    expectError(replacing(2, with: "s=a\u{0}b"), .invalidText, line: 3)
    expectError(replacing(2, with: "s=a\rb"), .invalidText, line: 3)
    var bytes = Array("v=0\r\ns=".utf8)
    bytes += [0xC3, 0x28, 0x0D, 0x0A]
    let notUTF8 = #expect(throws: SDPParseError.self) { try SessionDescription(parsing: bytes) }
    #expect(notUTF8?.kind == .invalidText)
    #expect(notUTF8?.lineNumber == 2)
  }

  @Test func blankLineInside() {
    var lines = Self.base
    lines.insert("", at: 3)
    expectError(lines, .emptyLine, line: 4)
  }

  @Test func versionFirstAndSupported() {
    expectError(Array(Self.base.dropFirst()), .versionNotFirst, line: 1)
    expectError(replacing(0, with: "v=1"), .unsupportedVersion, line: 1)
    var twice = Self.base
    twice.insert("v=0", at: 2)
    expectError(twice, .duplicate, line: 3)
  }

  @Test func outOfOrder() {
    var lines = Self.base
    lines.swapAt(3, 4)  // t= before c=
    expectError(lines, .outOfOrder, line: 5)
    var mediaLevel = Self.base
    mediaLevel.append("c=IN IP4 192.0.2.2")  // c= after a= in the media section
    expectError(mediaLevel, .outOfOrder, line: 8)
    var sessionLineInMedia = Self.base
    sessionLineInMedia.append("t=0 0")
    expectError(sessionLineInMedia, .outOfOrder, line: 8)
    var repeatTime = Self.base
    repeatTime.insert("r=604800 3600 0", at: 3)  // r= without t=
    expectError(repeatTime, .outOfOrder, line: 4)
  }

  @Test func duplicates() {
    var lines = Self.base
    lines.insert("s=again", at: 3)
    expectError(lines, .duplicate, line: 4)
    var origin = Self.base
    origin.insert("o=- 2 2 IN IP4 192.0.2.1", at: 2)
    expectError(origin, .duplicate, line: 3)
    var media = Self.base
    media.insert("i=one", at: 6)
    media.insert("i=two", at: 7)
    expectError(media, .duplicate, line: 8)
  }

  @Test func missingRequiredLines() {
    expectError(Self.base.filter { !$0.hasPrefix("o=") }, .missingLine, line: 5)
    expectError(Self.base.filter { !$0.hasPrefix("s=") }, .missingLine, line: 5)
    expectError(Self.base.filter { !$0.hasPrefix("t=") }, .missingLine, line: 5)
    // Without media the check runs at the last line.
    expectError(["v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-"], .missingLine, line: 3)
  }

  @Test func invalidOrigin() {
    expectError(replacing(1, with: "o=- 1 1 IN IP4"), .invalidOrigin, line: 2)
    expectError(replacing(1, with: "o=- x 1 IN IP4 192.0.2.1"), .invalidOrigin, line: 2)
    expectError(replacing(1, with: "o=- 1 -1 IN IP4 192.0.2.1"), .invalidOrigin, line: 2)
    expectError(replacing(1, with: "o=- 1 1 I\"N IP4 192.0.2.1"), .invalidOrigin, line: 2)
  }

  @Test func invalidConnection() {
    for bad in [
      "c=IN IP4", "c=IN IP4 192.0.2.300", "c=IN IP4 1.2.3", "c=IN IP4 233.252.0.1/256",
      "c=IN IP4 233.252.0.1/127/0", "c=IN IP4 233.252.0.1/1/2/3", "c=IN IP6 2001:db8:::1",
      "c=IN IP6 FF15::1/3/2",
      "c=IN IP6 1:2:3:4:5:6:7:8:9", "c=IN IP4 /127", "c=IN IP6 ff15::1/x",
    ] {
      expectError(replacing(3, with: bad), .invalidConnection, line: 4)
    }
  }

  @Test func missingConnection() {
    expectError(Self.base.filter { !$0.hasPrefix("c=") }, .missingConnection, line: 5)
    var second = Self.base.filter { !$0.hasPrefix("c=") }
    second.insert("c=IN IP4 192.0.2.1", at: 5)
    second.append("m=audio 4002 RTP/AVP 0")
    expectError(second, .missingConnection, line: 8)
  }

  @Test func invalidBandwidthAndTiming() {
    var lines = Self.base
    lines.insert("b=AS", at: 4)
    expectError(lines, .invalidBandwidth, line: 5)
    lines[4] = "b=AS:x"
    expectError(lines, .invalidBandwidth, line: 5)
    expectError(replacing(4, with: "t=0"), .invalidTiming, line: 5)
    expectError(replacing(4, with: "t=now 0"), .invalidTiming, line: 5)
    var repeatEmpty = Self.base
    repeatEmpty.insert("r=", at: 5)
    expectError(repeatEmpty, .invalidTiming, line: 6)
  }

  @Test func invalidMedia() {
    for bad in [
      "m=audio", "m=audio x RTP/AVP 0", "m=audio 70000 RTP/AVP 0", "m=audio 4000/0 RTP/AVP 0",
      "m=audio 4000 RTP/AVP", "m=audio 4000 RTP/AVP 128", "m=audio 4000 RTP/AVP PCMU", "m=audio 4000 RTP// 0",
      "m=audio 4000/2/3 RTP/AVP 0",
    ] {
      expectError(replacing(5, with: bad), .invalidMedia, line: 6)
    }
  }

  @Test func invalidAttributes() {
    for bad in [
      "a=rtpmap", "a=rtpmap:101", "a=rtpmap:x telephone-event/8000", "a=rtpmap:200 telephone-event/8000",
      "a=rtpmap:101 telephone-event", "a=rtpmap:101 telephone-event/0", "a=rtpmap:101 telephone-event/8000/0",
      "a=fmtp:", "a=ptime:0", "a=ptime:abc", "a=maxptime:-5", "a=rtcp:port", "a=rtcp:5000 IN IP4",
      "a=rtcp:5000 IN IP4 300.1.1.1", "a=:x", "a=na\"me",
    ] {
      expectError(replacing(6, with: bad), .invalidAttribute, line: 7)
    }
  }

  @Test func errorDescriptionNamesLineAndReason() {
    let found = error(crlf("v=0", "o=- 1 1 IN IP4 192.0.2.1", "s=-", "c=IN IP4", "t=0 0"))
    #expect(found?.description.hasPrefix("line 4 \"c=IN IP4\": invalid connection (c=): ") == true)
  }

  @Test func longLineIsCutInTheError() {
    let found = error("v=0\r\ns" + String(repeating: "x", count: 1000))
    #expect(found?.kind == .malformedLine)
    #expect((found?.line.count ?? 0) < 210)
  }
}
