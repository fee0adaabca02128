import Testing

@testable import SIPCore

/// `replaceTopVia(with:)` writes the stamped Via (RFC 3261 §18.2.1, RFC 3581 §4) as bytes in
/// place when it can; the message must be exactly what the String path made: the Via's
/// `description` through `removeFirstValue` and `prependHeader`.
@Suite struct ViaStampTests {
  /// The top Via replaced the way `replaceTopVia` did before it wrote bytes.
  static func reference(_ message: SIPMessage, _ via: SIPVia) -> SIPMessage {
    var message = message
    let text = "\(via.protocolName)/\(via.protocolVersion)/\(via.transport) \(via.sentBy)\(via.parameters)"
    message.removeFirstValue("Via")
    message.prependHeader("Via", text)
    return message
  }

  /// The stamp of the transport: rport filled in and received added.
  static func stamped(_ via: SIPVia) -> SIPVia {
    var via = via
    via.rport = .port(40000)
    via.received = "198.51.100.7"
    return via
  }

  static let layouts: [String] = [
    // Via first, alone.
    "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1;rport\r\nTo: <sip:a@b>\r\n"
      + "From: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
    // Via not first, alone: the String path moves it to the top.
    "OPTIONS sip:a@b SIP/2.0\r\nMax-Forwards: 70\r\nv: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1\r\n"
      + "To: <sip:a@b>\r\nFrom: <sip:c@d>;tag=1\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\n\r\n",
    // Two Via lines next to each other, not first.
    "OPTIONS sip:a@b SIP/2.0\r\nMax-Forwards: 70\r\nVia: SIP/2.0/UDP 192.0.2.1;rport;branch=z9hG4bKa1\r\n"
      + "Via: SIP/2.0/TCP p.example.com;branch=z9hG4bKb2\r\nTo: <sip:a@b>\r\nCall-ID: x\r\n\r\n",
    // Two Via lines apart: the String path puts the new one before the second.
    "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1\r\nTo: <sip:a@b>\r\n"
      + "Via: SIP/2.0/TCP p.example.com;branch=z9hG4bKb2\r\nCall-ID: x\r\n\r\n",
    // Two values on one line, and a folded line.
    "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.1;branch=z9hG4bKa1, SIP/2.0/UDP p;branch=z9hG4bKb\r\n"
      + "To: <sip:a@b>\r\nCall-ID: x\r\n\r\n",
    "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP\r\n 192.0.2.1 ; branch = z9hG4bKa1 ;received=192.0.2.9\r\n"
      + "To: <sip:a@b>\r\nCall-ID: x\r\n\r\n",
    // IPv6 sent-by, received already present, a trailing comment.
    "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::1]:5070;received=2001:db8::9;branch=z9hG4bKa1 (c)\r\n"
      + "To: <sip:a@b>\r\nCall-ID: x\r\n\r\n",
  ]

  @Test(arguments: layouts)
  func stampIsTheStringPathsMessage(_ text: String) throws {
    let message = try SIPMessage.parse(Array(text.utf8))
    for cache in [false, true] {
      var m = message
      if cache { m.cacheTransactionHeaders() }
      let via = Self.stamped(try #require(m.topVia))
      let expected = Self.reference(m, via)
      let written = m.replaceTopVia(with: via)
      #expect(m.serialize() == expected.serialize(), "\(text)")
      #expect(written == expected.header("Via"))
      #expect(m.topVia == via)
      #expect(m.hasCachedTransactionHeaders == cache)
    }
  }

  @Test(arguments: ParsedHeaderCacheTests.fixtures)
  func stampOfEveryTortureMessage(_ name: String) throws {
    guard var m = try? Fixture.message(name), m.isRequest, let top = m.topVia else { return }
    m.cacheTransactionHeaders()
    let via = Self.stamped(top)
    let expected = Self.reference(m, via)
    let written = m.replaceTopVia(with: via)
    #expect(m.serialize() == expected.serialize(), "\(name)")
    #expect(written == expected.header("Via"), "\(name)")
    #expect(m.to == expected.to && m.from == expected.from && m.cseq == expected.cseq, "\(name)")
  }

  @Test func descriptionIsTheInterpolatedText() throws {
    for text in [
      "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKa1;rport", "SIP/2.0/TCP [::1];received=::1;maddr=x",
      "SIP/2.0/UDP h", "sip/2.0/udp h:0;rport=65535;ttl=1",
    ] {
      let via = try SIPVia.parse(text)
      #expect(
        via.description
          == "\(via.protocolName)/\(via.protocolVersion)/\(via.transport) \(via.sentBy)\(via.parameters)")
    }
    var bytes: [UInt8] = []
    for n in [0, 7, 10, 5060, 65535, Int.max, Int.min, -42] {
      bytes.removeAll()
      SIPGrammar.appendDecimal(n, to: &bytes)
      #expect(String(decoding: bytes, as: UTF8.self) == String(n))
    }
  }

  /// `stampTopVia` (round 6: the received bytes with the values written in) against the setters
  /// and `replaceTopVia`: the same parsed top Via, a text that parses to it, the same other
  /// lines, the cache kept; the same text when the received Via is written as serialized.
  static func checkStamp(_ message: SIPMessage, _ label: String) {
    guard message.topVia != nil else { return }
    for cache in [false, true] {
      for rport in [nil, 40000] as [Int?] {
        for received in ["198.51.100.7", "2001:db8::9"] {
          var m = message
          if cache { m.cacheTransactionHeaders() }
          var via = m.topVia
          if let rport { via?.rport = .port(rport) }
          via?.received = received
          guard let via else { continue }
          var expected = m
          let expectedText = expected.replaceTopVia(with: via)
          let written = m.stampTopVia(received: received, rport: rport)
          let what = "\(label) \(cache) \(rport ?? -1) \(received)"
          #expect(m.topVia == via, "\(what)")
          #expect(written == m.header("Via"), "\(what)")
          if let written {
            #expect((try? SIPVia.parse(written)) == via, "\(what): \(written)")
          }
          if let first = message.header("Via"), (try? SIPVia.parse(first))?.description == first {
            #expect(written == expectedText, "\(what)")
          }
          #expect(m.hasCachedTransactionHeaders == cache, "\(what)")
          #expect(m.headerValues("Via").dropFirst() == expected.headerValues("Via").dropFirst(), "\(what)")
          var rest = m
          var expectedRest = expected
          rest.removeFirstValue("Via")
          expectedRest.removeFirstValue("Via")
          #expect(rest.serialize() == expectedRest.serialize(), "\(what)")
          #expect(m.to == expected.to && m.cseq == expected.cseq && m.callID == expected.callID, "\(what)")
        }
      }
    }
  }

  /// A cache held by the stamped message alone has its top Via changed in place (round 7); the
  /// result is the message a shared cache gives (stamped through a new cache object), and a copy
  /// that shared the cache keeps the Via it had.
  static func checkOwnedStamp(_ message: SIPMessage, _ label: String) {
    guard message.topVia != nil else { return }
    for rport in [nil, 40000] as [Int?] {
      let what = "\(label) \(rport ?? -1)"
      var shared = message
      shared.cacheTransactionHeaders()
      let before = shared.topVia
      var reference = shared
      var owned = message
      owned.cacheTransactionHeaders()
      let expected = reference.stampTopVia(received: "198.51.100.7", rport: rport)
      let written = owned.stampTopVia(received: "198.51.100.7", rport: rport)
      #expect(written == expected, "\(what)")
      #expect(owned.topVia == reference.topVia, "\(what)")
      #expect(shared.topVia == before, "\(what)")
      #expect(shared.header("Via") == message.header("Via"), "\(what)")
      #expect(owned.hasCachedTransactionHeaders == reference.hasCachedTransactionHeaders, "\(what)")
      #expect(owned.serialize() == reference.serialize(), "\(what)")
      #expect(owned.to == reference.to && owned.from == reference.from, "\(what)")
      #expect(owned.cseq == reference.cseq && owned.callID == reference.callID, "\(what)")
      #expect(owned.toTag == reference.toTag && owned.requestURIValue == reference.requestURIValue, "\(what)")
      let firstVia = owned.topVia
      // Stamped again: the cache is the message's own again.
      let second = owned.stampTopVia(received: "203.0.113.1", rport: rport.map { $0 + 1 })
      let secondExpected = reference.stampTopVia(received: "203.0.113.1", rport: rport.map { $0 + 1 })
      #expect(second == secondExpected, "\(what)")
      #expect(owned.topVia == reference.topVia, "\(what)")
      #expect(owned.serialize() == reference.serialize(), "\(what)")
      // Without a cache.
      var plain = message
      #expect(plain.stampTopVia(received: "198.51.100.7", rport: rport) == expected, "\(what)")
      #expect(!plain.hasCachedTransactionHeaders, "\(what)")
      #expect(plain.topVia == firstVia, "\(what)")
    }
  }

  @Test(arguments: stampLayouts)
  func stampOfAnOwnedCache(_ text: String) throws {
    Self.checkOwnedStamp(try SIPMessage.parse(Array(text.utf8)), text)
  }

  @Test(arguments: ParsedHeaderCacheTests.fixtures)
  func stampOfAnOwnedCacheOnEveryTortureMessage(_ name: String) throws {
    guard let m = try? Fixture.message(name), m.isRequest else { return }
    Self.checkOwnedStamp(m, name)
  }

  static let stampLayouts: [String] =
    layouts + [
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;RPORT;Received=1.2.3.4;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;received;rport=9;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;x=\"a;b\";rport\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h:5060  ;  rport  ;branch=z9hG4bK1  \r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;rport;rport=4;received=1.1.1.1;received\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;;x\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;x=\r\nCall-ID: x\r\n\r\n",
      // What the plan finds with memchr (sendpath): white space, quotes, commas, comments and
      // non-ASCII bytes before and after the first ';'.
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;rport;x=\"a b\"\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;rport\t;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP\th:5060;rport;branch=z9hG4bK1\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;rport;branch=z9hG4bK1 (a comment)\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h (a comment);rport\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;rport, SIP/2.0/UDP g;branch=z9hG4bK2\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;x=\"\u{e9}\";rport\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP [2001:db8::1]:5060;rport;received=2001:db8::2\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;\"\r\nCall-ID: x\r\n\r\n",
      "OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP h;rport;x=\"a\"\r\nCall-ID: x\r\n\r\n",
    ]

  @Test(arguments: stampLayouts)
  func stampWritesTheValuesIntoTheReceivedText(_ text: String) throws {
    Self.checkStamp(try SIPMessage.parse(Array(text.utf8)), text)
  }

  @Test(arguments: ParsedHeaderCacheTests.fixtures)
  func stampOfEveryTortureMessageAsBytes(_ name: String) throws {
    guard let m = try? Fixture.message(name), m.isRequest else { return }
    Self.checkStamp(m, name)
  }

  /// The Via parse checks the first `received`, `rport`, `ttl` and `branch` (any case), in that
  /// order, as `parameters[name]` finds them (round 6 finds all four in one pass).
  @Test(
    arguments: [
      ("SIP/2.0/UDP h;branch=z9hG4bK1;BRANCH=\"a b\"", nil),
      ("SIP/2.0/UDP h;Branch=\"a b\";branch=z9hG4bK1", "Via branch must be a token (RFC 3261 §20.42)"),
      ("SIP/2.0/UDP h;rport=1;RPORT=x", nil),
      ("SIP/2.0/UDP h;RPORT=x;rport=1", "Via rport must be empty or a port number (RFC 3581 §3)"),
      ("SIP/2.0/UDP h;received;received=1.2.3.4", "Via received needs an address (RFC 3261 §20.42)"),
      ("SIP/2.0/UDP h;ttl=256", "Via ttl must be 0-255 (RFC 3261 §25.1)"),
      ("SIP/2.0/UDP h;TTL=255;ttl=999", nil),
      ("SIP/2.0/UDP h;branch=\"x y\";received", "Via received needs an address (RFC 3261 §20.42)"),
      ("SIP/2.0/UDP h;ttl=x;rport=y", "Via rport must be empty or a port number (RFC 3581 §3)"),
      ("SIP/2.0/UDP h;received=[::1];rport;ttl=0;branch=z9hG4bK-1", nil),
    ] as [(String, String?)])
  func viaParameterChecksUseTheFirstOfEach(_ text: String, _ reason: String?) {
    do {
      _ = try SIPVia.parse(text)
      #expect(reason == nil, "\(text)")
    } catch {
      #expect(error.reason == reason, "\(text)")
    }
  }

  /// `sentBy` written into the String's storage (round 7) against the interpolation it replaces.
  @Test(arguments: [
    "127.0.0.1", "host.invalid", "[2001:db8::1]", "", "école.fr", "a-very-long-host-name.example.com",
  ])
  func sentByIsTheInterpolation(_ host: String) {
    for port in [nil, 0, 1, 9, 10, 5060, 65535, 99999, -1, -5060, Int.max, Int.min] as [Int?] {
      let via = SIPVia(transport: "UDP", host: host, port: port)
      let expected = port.map { "\(host):\($0)" } ?? host
      #expect(via.sentBy == expected, "\(host) \(port ?? -1)")
    }
  }
}
