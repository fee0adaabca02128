import SIPCore
import Testing

/// Mutated torture messages through every entry point: whatever the bytes, the answer is a
/// message or a SIPParseError, never a trap (the fuzz driver in scripts/ goes much further).
@Suite("Robustness")
struct RobustnessTests {
  static let fixtures = [
    "rfc4475/wsinv", "rfc4475/intmeth", "rfc4475/esc01", "rfc4475/longreq", "rfc4475/mpart01",
    "rfc4475/unreason",
    "rfc4475/badinv01", "rfc4475/quotbal", "rfc5118/ipv6-good", "rfc5118/mult-ip-in-header",
  ]

  /// Touches every accessor, so that lazy parsing runs on the mutated bytes too.
  func exercise(_ m: SIPMessage) -> Int {
    var n = 0
    n &+= m.method?.count ?? 0
    n &+= m.requestURIValue?.description.count ?? 0
    n &+= m.callID?.count ?? 0
    n &+= m.from?.description.count ?? 0
    n &+= m.to?.description.count ?? 0
    n &+= m.cseq?.description.count ?? 0
    n &+= m.vias.count + m.contacts.count + m.routes.count + m.recordRoutes.count
    n &+= (m.maxForwards ?? 0) + (m.contentLength ?? 0) + Int(m.expires ?? 0)
    n &+= m.headerValues("Via").count + m.headers.count + m.require.count + m.allow.count
    n &+= m.header("Contact", 3)?.count ?? 0
    n &+= (try? m.validateAsRequest()) == nil ? 1 : 0
    n &+= (try? m.validateAsResponse(SIPValidationPolicy(role: .proxy))) == nil ? 1 : 0
    n &+= m.serialize().count
    if m.isRequest {
      n &+= m.makeResponse(statusCode: 200, toTag: "t").serialize().count
      n &+= m.makeCANCEL().serialize().count
      n &+= m.makeACK(for: m.makeResponse(statusCode: 486, toTag: "t")).serialize().count
    }
    return n
  }

  @Test func mutatedMessagesNeverTrap() throws {
    var rng = SeededGenerator(state: 2026)
    let interesting: [UInt8] = Array(" \t\r\n:;,<>\"\\%@[]?=/0".utf8) + [0x00, 0xFF, 0x7F]
    var parsed = 0
    var refused = 0
    for name in Self.fixtures {
      let original = try Fixture.bytes(name)
      for _ in 0..<150 {
        var bytes = original
        for _ in 0..<Int(rng.next(upperBound: UInt64(4)) + 1) {
          let at = Int(rng.next(upperBound: UInt64(bytes.count)))
          switch rng.next(upperBound: UInt64(4)) {
          case 0: bytes[at] = interesting[Int(rng.next(upperBound: UInt64(interesting.count)))]
          case 1: bytes.remove(at: at)
          case 2: bytes.insert(interesting[Int(rng.next(upperBound: UInt64(interesting.count)))], at: at)
          default: bytes = Array(bytes.prefix(at))
          }
          if bytes.isEmpty { bytes = [0x0A] }
        }
        do {
          let m = try SIPMessage.parse(bytes)
          parsed += 1
          _ = exercise(m)
          let again = try SIPMessage.parse(m.serialize())
          #expect(again.serialize() == m.serialize())
        } catch {
          refused += 1
          #expect((400...505).contains(error.statusCode))
        }
        var framer = SIPStreamFramer(maxHeaderBytes: 8192, maxBodyBytes: 8192)
        framer.append(bytes)
        framer.append(bytes)
        while true {
          do {
            guard let m = try framer.next() else { break }
            _ = exercise(m)
          } catch { break }
        }
      }
    }
    #expect(parsed > 0)
    #expect(refused > 0)
  }

  @Test func randomBytesNeverTrap() {
    var rng = SeededGenerator(state: 99)
    for _ in 0..<2000 {
      let count = Int(rng.next(upperBound: UInt64(200)))
      let bytes = (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      if let m = try? SIPMessage.parse(bytes) { _ = exercise(m) }
      let text = String(decoding: bytes, as: UTF8.self)
      _ = try? SIPURI.parse(text)
      _ = try? SIPNameAddress.parse(text)
      _ = try? SIPVia.parse(text)
      _ = try? SIPCSeq.parse(text)
    }
  }

  @Test func pathologicalInputsStayBounded() throws {
    // Deep nesting and long runs of separators are linear work.
    let commas = "OPTIONS sip:a@b SIP/2.0\r\nVia: " + String(repeating: ",", count: 10_000) + "\r\n\r\n"
    let m = try SIPMessage.parse(Array(commas.utf8))
    #expect(m.headerValues("Via").isEmpty)
    #expect(m.requestError() != nil)
    let quotes = "SIP/2.0 200 OK\r\nContact: " + String(repeating: "\"", count: 10_001) + "\r\n\r\n"
    #expect(try SIPMessage.parse(Array(quotes.utf8)).contacts.isEmpty)
    let folds =
      "OPTIONS sip:a@b SIP/2.0\r\nSubject: a" + String(repeating: "\r\n b", count: 5000) + "\r\n\r\n"
    #expect(try SIPMessage.parse(Array(folds.utf8)).header("Subject")?.count == 1 + 2 * 5000)
  }
}
