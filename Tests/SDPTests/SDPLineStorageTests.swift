// What a description costs a call that keeps it: compact lines, arrays of their size, and the
// peer's description stored without the parser's caches — with the same text and the same reads.

import Testing

@testable import SDP

@Suite struct SDPLineStorageTests {
  @Test func lineIsTheValueAndOnePointer() {
    #expect(MemoryLayout<SDPLine>.size <= MemoryLayout<String>.size + 2 * MemoryLayout<Int>.size)
    #expect(MemoryLayout<SDPLine>.size > MemoryLayout<String>.size)
  }

  @Test func typeLettersAndOtherCharacters() {
    var line = SDPLine("a", "sendrecv")
    #expect(line.type == "a" && line.asciiType == UInt8(ascii: "a"))
    #expect(line.description == "a=sendrecv")
    // A type built in code that is not one ASCII character is kept as it is.
    line.type = "é"
    #expect(line.type == "é" && line.asciiType == 0)
    #expect(line.description == "é=sendrecv")
    #expect(line != SDPLine("a", "sendrecv"))
    #expect(line == SDPLine("é", "sendrecv"))
    line.trailingWhitespace = " \t"
    #expect(line.type == "é" && line.trailingWhitespace == " \t")
    line.type = "x"
    #expect(line.type == "x" && line.trailingWhitespace == " \t")
    line.trailingWhitespace = ""
    #expect(line == SDPLine("x", "sendrecv"))
    #expect(SDPLine("\u{0}", "v").type == "\u{0}")
    #expect(SDPLine("\u{0}", "v") != SDPLine("v", "v"))
  }

  @Test func equalityAndHashLeaveWhitespaceAndTerminatorOut() throws {
    let parsed = try SessionDescription(parsing: "v=0 \t\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\nt=0 0")
    let built = SessionDescription(
      lines: [
        SDPLine("v", "0"), SDPLine("o", "- 1 1 IN IP4 192.0.2.1"), SDPLine("s", "-"), SDPLine("t", "0 0"),
      ],
      media: [])
    #expect(parsed.lines == built.lines)
    #expect(parsed.lines.map(\.hashValue) == built.lines.map(\.hashValue))
    #expect(parsed.lines.map(\.trailingWhitespace) == [" \t", "", "", ""])
    #expect(parsed.lines.map(\.terminator) == ["\n", "\r\n", "\n", ""])
    #expect(built.lines.allSatisfy { $0.terminator == nil })
    #expect(parsed.asString() == "v=0 \t\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\nt=0 0")
  }

  @Test func parsedAndAnsweredSectionsHoldNoSpareRoom() throws {
    for description in try SectionSummaryTests.descriptions() {
      #expect(description.lines.capacity <= description.lines.count + 1)
      for media in description.media { #expect(media.lines.capacity <= media.lines.count + 1) }
    }
    var session = OfferAnswer(address: "192.0.2.20", sessionID: 7)
    let offer = try Fixture.sdp("pjsua-offer.sdp")
    let answer = session.answer(to: offer, streams: [LocalStream(port: 40000, rtcpPort: 40001)])
    for media in answer.description.media { #expect(media.lines.capacity <= media.lines.count + 1) }
  }

  @Test func parsedDescriptionKeepsItsSourceUntilChanged() throws {
    let text =
      "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n\r\n"
    let parsed = try SessionDescription(parsing: text)
    #expect(parsed.source == Array(text.utf8))
    var changed = parsed
    changed.media[0].port = 4002
    #expect(changed.source == nil)
    changed = parsed
    changed.lines.append(SDPLine("a", "recvonly"))
    #expect(changed.source == nil)
    changed = parsed
    changed.lineEnding = "\n"
    #expect(changed.source == nil)
    #expect(SessionDescription(lines: parsed.lines, media: parsed.media).source == nil)
  }

  @Test func storedPeerDescriptionReadsAsWhatWasStored() throws {
    for offer in try SectionSummaryTests.descriptions() where offer.media.contains(where: { $0.port != 0 }) {
      // Parsed: kept as its bytes. Built (every line set again): kept without the caches.
      for (given, keptAsBytes) in [(offer, true), (SectionSummaryTests.general(offer), false)] {
        var session = OfferAnswer(address: "192.0.2.20", sessionID: 7)
        _ = session.answer(to: given, streams: [LocalStream(port: 40000)])
        #expect(session.hasRemoteDescription)
        switch session.storedRemote {
        case .text(let bytes)?: #expect(keptAsBytes && bytes == given.bytes)
        case .built(let description)?:
          #expect(!keptAsBytes)
          #expect(description.summary == nil && description.media.allSatisfy { $0.summary == nil })
        case nil: Issue.record("no remote description stored")
        }
        let stored = try #require(session.remoteDescription)
        #expect(stored == offer)
        #expect(stored.asString() == offer.asString())
        #expect(stored.connection == offer.connection)
        for index in offer.media.indices {
          #expect(stored.media[index].codecs == offer.media[index].codecs)
          #expect(stored.media[index].ptime == offer.media[index].ptime)
          #expect(stored.media[index].rtcp == offer.media[index].rtcp)
          #expect(stored.direction(forMedia: index) == offer.direction(forMedia: index))
          #expect(stored.connection(forMedia: index) == offer.connection(forMedia: index))
        }
        #expect(stored.getMedia() == offer.getMedia())
      }
    }
  }

  @Test func storedAnswerOfThePeerIsItsBytes() throws {
    var alice = OfferAnswer(address: "192.0.2.10", sessionID: 1)
    var bob = OfferAnswer(address: "192.0.2.20", sessionID: 2)
    #expect(!alice.hasRemoteDescription)
    let offer = alice.makeOffer([LocalStream(port: 40000)])
    let answer = bob.answer(
      to: try SessionDescription(parsing: offer.bytes), streams: [LocalStream(port: 50000)])
    let streams = try alice.processAnswer(try SessionDescription(parsing: answer.description.bytes))
    guard case .text(let bytes)? = alice.storedRemote else {
      Issue.record("the parsed answer is not kept as its bytes")
      return
    }
    #expect(bytes == answer.description.bytes)
    #expect(alice.remoteDescription?.asString() == answer.description.asString())
    #expect(streams.count == 1)
    #expect(streams.first?.isActive == true && streams.first?.remotePort == 50000)
    #expect(streams.first?.remoteAddress == "192.0.2.20")
  }

  @Test func ourAnswerIsKeptAsTheBytesSent() throws {
    var session = OfferAnswer(address: "192.0.2.20", sessionID: 7)
    let offer = try Fixture.sdp("pjsua-offer.sdp")
    let answer = session.answer(to: offer, streams: [LocalStream(port: 40000)])
    #expect(answer.bytes == answer.description.bytes)
    guard case .text(let bytes)? = session.storedLocal else {
      Issue.record("our answer is not kept as text")
      return
    }
    #expect(bytes == answer.bytes)
    let local = try #require(session.localDescription)
    #expect(local == answer.description)
    #expect(local.asString() == answer.description.asString())
    // The same offer again: the same answer, its o= version unchanged (RFC 3264 §8).
    let again = session.answer(to: offer, streams: [LocalStream(port: 40000)])
    #expect(again.bytes == answer.bytes)
    // A changed description gives its own bytes.
    var changed = answer
    changed.description.media[0].port = 40002
    #expect(changed.bytes == changed.description.bytes && changed.bytes != answer.bytes)
    #expect(changed != answer)
  }

  @Test func textTheParserRefusesIsSplitIntoItsLines() throws {
    let built = SessionDescription(
      lines: [
        SDPLine("v", "0"), SDPLine("o", "- 1 1 IN IP4 192.0.2.1"), SDPLine("s", "-"),
        SDPLine("c", "IN IP4 192.0.2.1"), SDPLine("t", "0 0"),
      ],
      media: [
        MediaDescription(
          MediaField(media: "audio", port: 4000, proto: "RTP/AVP", formats: ["0"]),
          lines: [SDPLine("a", "ptime:not a number"), SDPLine("a", "sendrecv")])
      ])
    #expect(throws: SDPParseError.self) { try SessionDescription(parsing: built.bytes) }
    let kept = OfferAnswer.StoredDescription.text(built.bytes).description
    #expect(kept == built)
    #expect(kept?.asString() == built.asString())
    #expect(SessionDescription(linesOf: Array("v=0\nm=audio 0 RTP/AVP 0\na=x\n".utf8)).lineEnding == "\n")
  }
}
