import SIPCore
import Testing

func message(callID: String, body: String = "") -> [UInt8] {
  sip(
    """
    MESSAGE sip:bob@example.com SIP/2.0
    Via: SIP/2.0/TCP h.example.com;branch=z9hG4bK\(callID)
    To: <sip:bob@example.com>
    From: <sip:alice@example.com>;tag=1
    Call-ID: \(callID)
    CSeq: 1 MESSAGE
    Content-Length: \(body.utf8.count)


    """) + Array(body.utf8)
}

@Suite("Stream framing (TCP)")
struct StreamFramerTests {
  @Test func twoMessagesInOneRead() throws {
    var framer = SIPStreamFramer()
    framer.append(message(callID: "one", body: "hello") + message(callID: "two"))
    #expect(try framer.next()?.callID == "one")
    let second = try #require(try framer.next())
    #expect(second.callID == "two")
    #expect(second.body.isEmpty)
    #expect(try framer.next() == nil)
    #expect(framer.bufferedByteCount == 0)
  }

  @Test func byteByByteFeeding() throws {
    var framer = SIPStreamFramer()
    let bytes = message(callID: "slow", body: "body bytes")
    var received: [SIPMessage] = []
    for b in bytes {
      framer.append([b])
      if let m = try framer.next() { received.append(m) }
    }
    #expect(received.count == 1)
    #expect(received.first?.body == Array("body bytes".utf8))
    #expect(received.first?.serialize() == bytes)
  }

  @Test func headerCompleteBodyPartial() throws {
    var framer = SIPStreamFramer()
    let bytes = message(callID: "partial", body: "0123456789")
    framer.append(bytes.dropLast(4))
    #expect(try framer.next() == nil)
    #expect(try framer.next() == nil)  // asking again changes nothing
    framer.append(bytes.suffix(4))
    #expect(try framer.next()?.body == Array("0123456789".utf8))
  }

  @Test func keepAlivesAreSkipped() throws {
    var framer = SIPStreamFramer()
    framer.append(Array("\r\n\r\n".utf8))
    #expect(try framer.next() == nil)
    framer.append(
      Array("\r\n".utf8) + message(callID: "a") + Array("\r\n\r\n\r\n".utf8) + message(callID: "b"))
    #expect(try framer.next()?.callID == "a")
    #expect(try framer.next()?.callID == "b")
    framer.append(Array("\r\n\r\n".utf8))
    #expect(try framer.next() == nil)
    #expect(framer.bufferedByteCount == 0)
  }

  @Test func manyMessagesInOddChunks() throws {
    var framer = SIPStreamFramer()
    var all: [UInt8] = []
    for i in 0..<500 { all += message(callID: "m\(i)", body: String(repeating: "x", count: i % 37)) }
    var ids: [String] = []
    var offset = 0
    while offset < all.count {
      let end = min(all.count, offset + 997)
      framer.append(all[offset..<end])
      offset = end
      while let m = try framer.next() { ids.append(m.callID ?? "") }
    }
    #expect(ids == (0..<500).map { "m\($0)" })
    #expect(framer.bufferedByteCount == 0)
  }

  @Test func contentLengthIsRequired() throws {
    var framer = SIPStreamFramer()
    framer.append(sip("OPTIONS sip:a@b SIP/2.0\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\n\n"))
    let error = try #require(frameError(&framer))
    #expect(error.reason.contains("Content-Length"))
    // The stream is unusable now: the same error every time, nothing more is buffered.
    #expect(frameError(&framer) == error)
    framer.append(message(callID: "late"))
    #expect(framer.bufferedByteCount == 0)
    #expect(frameError(&framer) == error)
  }

  @Test func headerSectionCap() throws {
    var framer = SIPStreamFramer(maxHeaderBytes: 1024, maxBodyBytes: 1024)
    framer.append(Array("OPTIONS sip:a@b SIP/2.0\r\n".utf8))
    #expect(try framer.next() == nil)
    framer.append(Array(repeating: UInt8(ascii: "a"), count: 1100))
    let error = try #require(frameError(&framer))
    #expect(error.reason.contains("header section"))
  }

  @Test func completeButOversizedHeaderSection() throws {
    var framer = SIPStreamFramer(maxHeaderBytes: 100, maxBodyBytes: 1000)
    framer.append(message(callID: "big"))
    #expect(frameError(&framer)?.reason.contains("header section") == true)
  }

  @Test func bodyCap() throws {
    var framer = SIPStreamFramer(maxHeaderBytes: 4096, maxBodyBytes: 100)
    framer.append(message(callID: "big", body: String(repeating: "b", count: 101)))
    #expect(frameError(&framer)?.header == "Content-Length")
  }

  @Test func appendingBeyondTheCapsFails() throws {
    var framer = SIPStreamFramer(maxHeaderBytes: 100, maxBodyBytes: 100)
    framer.append(Array(repeating: UInt8(ascii: "a"), count: 401))
    #expect(framer.bufferedByteCount == 0)
    #expect(frameError(&framer) != nil)
  }

  @Test func malformedHeaderSection() throws {
    var framer = SIPStreamFramer()
    framer.append(Array("INVITE  sip:a@b SIP/2.0\r\nContent-Length: 0\r\n\r\n".utf8))
    #expect(frameError(&framer)?.line == 1)
  }

  @Test func bareLFFraming() throws {
    var framer = SIPStreamFramer()
    framer.append(Array("OPTIONS sip:a@b SIP/2.0\nCall-ID: lf\nContent-Length: 2\n\nokOPTIONS".utf8))
    let m = try #require(try framer.next())
    #expect(m.callID == "lf")
    #expect(m.body == Array("ok".utf8))
    #expect(try framer.next() == nil)
    #expect(framer.bufferedByteCount == "OPTIONS".utf8.count)
  }

  func frameError(_ framer: inout SIPStreamFramer) -> SIPParseError? {
    do {
      _ = try framer.next()
      return nil
    } catch {
      return error
    }
  }
}
