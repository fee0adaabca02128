import SIPCore
import SIPProtocol
import Testing

@testable import SIPTransport

/// `stampVia` reads rport once (round 4 of docs/benchmarks-transactions.md) and writes the received
/// Via with the values put in (round 6); its decision, parsed top Via and "answer to the source"
/// must be what the code that serialized the whole Via again gave, its text the same when the
/// received Via was already written as its serialization.
@Suite struct ViaStampDecisionTests {
  static func reference(_ message: inout SIPMessage, sourceIP: String, sourcePort: Int) -> (String, Bool)? {
    guard var via = message.topVia else { return nil }
    var host = via.host
    if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
    if via.rport == .requested {
      via.rport = .port(sourcePort)
      via.received = sourceIP
    } else if host.lowercased() != sourceIP.lowercased() {
      via.received = sourceIP
    } else {
      return nil
    }
    let text = message.replaceTopVia(with: via)
    return (text, via.rport == .port(sourcePort))
  }

  static let vias: [String] = [
    "SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1;rport", "SIP/2.0/UDP 127.0.0.1:5061;branch=z9hG4bK1",
    "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1;rport=5061", "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1;rport=7",
    "SIP/2.0/UDP host.example.com;branch=z9hG4bK1;RPORT",
    "SIP/2.0/UDP HOST.invalid;branch=z9hG4bK1;rport=5061",
    "SIP/2.0/UDP [::1]:5061;branch=z9hG4bK1", "SIP/2.0/UDP [2001:db8::1];branch=z9hG4bK1;rport",
    "SIP/2.0/TCP 192.0.2.1 ; branch = z9hG4bK1 ; rport ; received=192.0.2.9",
    "SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1;rport, SIP/2.0/UDP p;branch=z9hG4bK2",
  ]
  static let sources: [(String, Int)] = [
    ("127.0.0.1", 5061), ("127.0.0.1", 7), ("::1", 5061), ("2001:db8::1", 0), ("192.0.2.1", 65535),
    ("host.example.com", 5060), ("127.0.0.1", 70000), ("127.0.0.1", -1),
  ]

  @Test(arguments: vias)
  func decisionIsTheOldOnes(_ via: String) throws {
    let text =
      "OPTIONS sip:a@b SIP/2.0\r\nVia: \(via)\r\nTo: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\n"
      + "CSeq: 1 OPTIONS\r\n\r\n"
    for cached in [false, true] {
      var base = try SIPMessage.parse(Array(text.utf8))
      if cached { base.cacheTransactionHeaders() }
      for (ip, port) in Self.sources {
        var mine = base
        var old = base
        let got = SIPTransport.stampVia(&mine, sourceIP: ip, sourcePort: port)
        let want = Self.reference(&old, sourceIP: ip, sourcePort: port)
        let label = "\(via) \(ip) \(port)"
        #expect((got == nil) == (want == nil), "\(label)")
        #expect(got?.answersToSource == want?.1, "\(label)")
        #expect(mine.topVia == old.topVia, "\(label)")
        if let got, let want {
          #expect((try? SIPVia.parse(got.text)) == (try? SIPVia.parse(want.0)), "\(label)")
          #expect(mine.header("Via") == got.text, "\(label)")
          if let first = base.header("Via"), (try? SIPVia.parse(first))?.description == first {
            #expect(got.text == want.0, "\(label)")
          }
        }
        // Everything but the top Via value is the same message.
        var mineRest = mine
        var oldRest = old
        mineRest.removeFirstValue("Via")
        oldRest.removeFirstValue("Via")
        #expect(mineRest.serialize() == oldRest.serialize(), "\(label)")
      }
    }
  }
}
