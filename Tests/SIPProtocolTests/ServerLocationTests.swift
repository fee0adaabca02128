import SIPCore
import Testing

@testable import SIPProtocol

/// RFC 3263 §4 without I/O: which URIs go through SRV, the names asked, reading SRV records
/// out of DNS responses (RFC 1035, with compression), and RFC 2782's order.
@Suite struct ServerLocationTests {
  /// A DNS response for `question` (type SRV) with `answers`; each SRV target after the first
  /// whose name ends like the question's is written with a compression pointer to it.
  static func response(
    question: String, answers: [SRVRecord], rcode: UInt8 = 0, extra: [UInt8] = [], compress: Bool = true,
    soa: (ttl: UInt32, minimum: UInt32)? = nil
  ) -> [UInt8] {
    func name(_ text: String) -> [UInt8] {
      var out: [UInt8] = []
      for label in text.split(separator: ".") {
        out.append(UInt8(label.utf8.count))
        out.append(contentsOf: label.utf8)
      }
      out.append(0)
      return out
    }
    func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    func u32(_ v: UInt32) -> [UInt8] { u16(Int(v >> 16)) + u16(Int(v & 0xFFFF)) }
    var out: [UInt8] =
      [0x12, 0x34, 0x81, 0x80 | rcode] + u16(1) + u16(answers.count) + u16(soa == nil ? 0 : 1) + u16(0)
    out += name(question) + u16(33) + u16(1)
    for record in answers {
      out += compress ? [0xC0, 12] : name(question)  // the owner: a pointer to the question's name
      let target = record.target == "." ? [UInt8(0)] : name(record.target)
      let rdata = u16(record.priority) + u16(record.weight) + u16(record.port) + target
      out += u16(33) + u16(1) + [0, 0, 0x0E, 0x10] + u16(rdata.count) + rdata
    }
    if let soa {
      // The zone's SOA in the authority section (RFC 2308 §3): serial, refresh, retry, expire, minimum.
      let rdata =
        name("ns.example") + name("hostmaster.example") + u32(7) + u32(3600) + u32(600) + u32(86_400)
        + u32(soa.minimum)
      out += name("example") + u16(6) + u16(1) + u32(soa.ttl) + u16(rdata.count) + rdata
    }
    return out + extra
  }

  @Test func whichURIsUseSRV() throws {
    #expect(ServerLocation.usesSRV(try SIPURI.parse("sip:bob@example.com")))
    #expect(ServerLocation.usesSRV(try SIPURI.parse("sip:bob@example.com;transport=tcp")))
    #expect(!ServerLocation.usesSRV(try SIPURI.parse("sip:bob@example.com:5070")))
    #expect(!ServerLocation.usesSRV(try SIPURI.parse("sip:bob@192.0.2.1")))
    #expect(!ServerLocation.usesSRV(try SIPURI.parse("sip:bob@[2001:db8::1]")))
    #expect(!ServerLocation.usesSRV(try SIPURI.parse("sip:bob@example.com;maddr=192.0.2.1")))
    #expect(ServerLocation.usesSRV(try SIPURI.parse("sip:bob@1.2.3.4.example.com")))
    #expect(ServerLocation.usesSRV(try SIPURI.parse("sip:bob@300.1.1.1")))  // not an IPv4 address
    #expect(!ServerLocation.usesSRV(try SIPURI.parse("tel:+15551234")))
    #expect(!ServerLocation.usesSRV(try SIPURI.parse("sip:bob@localhost")))
    #expect(!ServerLocation.usesSRV(try SIPURI.parse("sip:bob@LocalHost")))
    #expect(!ServerLocation.usesSRV(try SIPURI.parse("sip:bob@pbx.localhost")))
    #expect(ServerLocation.usesSRV(try SIPURI.parse("sip:bob@localhost.example.com")))
  }

  @Test func serviceNamesFollowTheTransport() throws {
    let plain = ServerLocation.serviceNames(
      for: try SIPURI.parse("sip:bob@example.com"), transports: ["udp", "tcp"])
    #expect(plain.map(\.name) == ["_sip._udp.example.com", "_sip._tcp.example.com"])
    #expect(plain.map(\.transport) == ["udp", "tcp"])
    let tcp = ServerLocation.serviceNames(
      for: try SIPURI.parse("sip:bob@example.com;transport=TCP"), transports: ["udp", "tcp"])
    #expect(tcp.map(\.name) == ["_sip._tcp.example.com"])
    let sips = ServerLocation.serviceNames(for: try SIPURI.parse("sips:bob@example.com"), transports: ["udp"])
    #expect(sips.map(\.name) == ["_sips._tcp.example.com"])
    #expect(ServerLocation.serviceNames(for: try SIPURI.parse("sip:bob@example.com"), transports: []).isEmpty)
  }

  @Test func readsSRVRecordsWithAndWithoutCompression() throws {
    let records = [
      SRVRecord(priority: 10, weight: 60, port: 5060, target: "sip1.example.com"),
      SRVRecord(priority: 20, weight: 0, port: 5070, target: "sip2.example.com"),
    ]
    for compress in [true, false] {
      let bytes = Self.response(question: "_sip._udp.example.com", answers: records, compress: compress)
      #expect(try ServerLocation.srvRecords(inDNSResponse: bytes) == records)
    }
    // A target compressed against the question's name: "sip3" + pointer to "example.com" (offset 22).
    var bytes = Self.response(question: "_sip._udp.example.com", answers: [])
    bytes[7] = 1
    let rdata: [UInt8] = [0, 5, 0, 1, 0x13, 0xC4, 4] + Array("sip3".utf8) + [0xC0, 22]
    bytes += [0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 60, 0, UInt8(rdata.count)] + rdata
    #expect(
      try ServerLocation.srvRecords(inDNSResponse: bytes) == [
        SRVRecord(priority: 5, weight: 1, port: 5060, target: "sip3.example.com")
      ])
  }

  @Test func skipsOtherRecordTypes() throws {
    var bytes = Self.response(
      question: "_sip._udp.example.com",
      answers: [SRVRecord(priority: 1, weight: 1, port: 5060, target: "a.b")])
    // A CNAME-like record (type 5) before the SRV: answer count 2.
    bytes[7] = 2
    let other: [UInt8] = [0xC0, 12, 0, 5, 0, 1, 0, 0, 0, 1, 0, 3, 1, 0x61, 0]
    bytes.insert(contentsOf: other, at: 12 + 23 + 4)
    #expect(try ServerLocation.srvRecords(inDNSResponse: bytes).map(\.target) == ["a.b"])
  }

  @Test func badResponsesAreErrorsNotCrashes() throws {
    let good = Self.response(
      question: "_sip._udp.example.com",
      answers: [SRVRecord(priority: 1, weight: 1, port: 5060, target: "a.example")])
    // Every truncation of a good response is either a clean error or (for none here) a result.
    for length in 0..<good.count {
      #expect(throws: DNSResponseError.self) {
        try ServerLocation.srvRecords(inDNSResponse: Array(good.prefix(length)))
      }
    }
    // A pointer to itself.
    var loop = Self.response(question: "_sip._udp.example.com", answers: [])
    loop[7] = 1
    loop += [0xC0, UInt8(loop.count)]
    #expect(throws: DNSResponseError("a name's compression pointers loop")) {
      try ServerLocation.srvRecords(inDNSResponse: loop)
    }
    // A query instead of a response.
    var query = good
    query[2] = 0x01
    #expect(throws: DNSResponseError("not a response (QR is 0)")) {
      try ServerLocation.srvRecords(inDNSResponse: query)
    }
    // An SRV record too short for its fixed fields.
    var short = Self.response(question: "a.b", answers: [])
    short[7] = 1
    short += [0xC0, 12, 0, 33, 0, 1, 0, 0, 0, 1, 0, 3, 0, 1, 0]
    #expect(throws: DNSResponseError("an SRV record of 3 bytes")) {
      try ServerLocation.srvRecords(inDNSResponse: short)
    }
    // Random bytes never crash.
    var generator = SplitMix(seed: 7)
    for _ in 0..<2_000 {
      var bytes = good
      for _ in 0..<3 {
        bytes[Int(generator.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: generator.next())
      }
      _ = try? ServerLocation.srvRecords(inDNSResponse: bytes)
    }
  }

  @Test func orderIsByPriorityThenWeight() {
    let a = SRVRecord(priority: 10, weight: 60, port: 1, target: "a")
    let b = SRVRecord(priority: 10, weight: 20, port: 2, target: "b")
    let c = SRVRecord(priority: 10, weight: 0, port: 3, target: "c")
    let d = SRVRecord(priority: 5, weight: 0, port: 4, target: "d")
    // random(n) = n: the last running sum is chosen each time, so weight 0 (listed first) comes last.
    #expect(ServerLocation.order([a, b, c, d]) { $0 }.map(\.target) == ["d", "b", "a", "c"])
    // random(n) = 0: the first listed is chosen, weight 0 first.
    #expect(ServerLocation.order([a, b, c, d]) { _ in 0 }.map(\.target) == ["d", "c", "a", "b"])
    // Over many draws, weight 60 comes first about three times as often as weight 20.
    var generator = SplitMix(seed: 1)
    var firstA = 0
    for _ in 0..<4_000 {
      let order = ServerLocation.order([a, b]) { Int(generator.next() % UInt64($0 + 1)) }
      #expect(Set(order.map(\.target)) == ["a", "b"])
      if order.first?.target == "a" { firstA += 1 }
    }
    #expect((2_700...3_300).contains(firstA))
  }

  @Test func aLoneDotTargetMeansNoService() {
    #expect(ServerLocation.order([SRVRecord(priority: 0, weight: 0, port: 0, target: ".")]) { $0 }.isEmpty)
  }
}

/// A small deterministic generator for the tests.
private struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// The SRV cache: answers for their TTL, "no records" briefly, bounded in names.
@Suite struct SRVCacheTests {
  static let second: UInt64 = 1_000_000_000
  static let records = [SRVRecord(priority: 10, weight: 0, port: 5060, target: "sip1.example.com")]

  @Test func keepsAnAnswerForItsTTL() {
    var cache = SRVCache()
    #expect(cache.records(for: "_sip._udp.example.com", now: 0) == nil)
    cache.store(Self.records, ttl: 60, for: "_sip._udp.Example.com", now: 5 * Self.second)
    #expect(cache.records(for: "_sip._udp.example.com", now: 5 * Self.second) == Self.records)
    #expect(cache.records(for: "_SIP._udp.EXAMPLE.com", now: 64 * Self.second) == Self.records)
    #expect(cache.records(for: "_sip._udp.example.com", now: 65 * Self.second) == nil)
    #expect(cache.count == 0)  // the expired entry was dropped when read
  }

  @Test func noRecordsIsCachedBrieflyAndTTLZeroNotAtAll() {
    var cache = SRVCache(negativeSeconds: 10, maximumSeconds: 100)
    // No SOA said how long: the short default.
    cache.store([], ttl: 0, for: "_sip._udp.plain.com", now: 0)
    #expect(cache.records(for: "_sip._udp.plain.com", now: 9 * Self.second) == [])
    #expect(cache.records(for: "_sip._udp.plain.com", now: 10 * Self.second) == nil)
    // The SOA's negative TTL (RFC 2308), within the cap.
    cache.store([], ttl: 30, for: "_sip._udp.soa.com", now: 0)
    #expect(cache.records(for: "_sip._udp.soa.com", now: 29 * Self.second) == [])
    #expect(cache.records(for: "_sip._udp.soa.com", now: 30 * Self.second) == nil)
    cache.store([], ttl: 3600, for: "_sip._udp.capped.com", now: 0)
    #expect(cache.records(for: "_sip._udp.capped.com", now: 99 * Self.second) == [])
    #expect(cache.records(for: "_sip._udp.capped.com", now: 100 * Self.second) == nil)
    cache.store(Self.records, ttl: 0, for: "_sip._udp.zero.com", now: 0)
    #expect(cache.records(for: "_sip._udp.zero.com", now: 0) == nil)
    // A TTL past the cap is cut to it.
    cache.store(Self.records, ttl: 86_400, for: "_sip._udp.long.com", now: 0)
    #expect(cache.records(for: "_sip._udp.long.com", now: 99 * Self.second) == Self.records)
    #expect(cache.records(for: "_sip._udp.long.com", now: 100 * Self.second) == nil)
  }

  @Test func staysWithinItsCapacity() {
    var cache = SRVCache(capacity: 3)
    for (index, ttl) in [UInt32(30), 10, 20].enumerated() {
      cache.store(Self.records, ttl: ttl, for: "name\(index)", now: 0)
    }
    // Full: the new name takes the place of the one expiring soonest (name1, 10 s).
    cache.store(Self.records, ttl: 40, for: "name3", now: Self.second)
    #expect(cache.count == 3)
    #expect(cache.records(for: "name1", now: Self.second) == nil)
    #expect(cache.records(for: "name0", now: Self.second) != nil)
    // Expired names go first: at 25 s name2 (20 s) has expired and makes room.
    cache.store(Self.records, ttl: 40, for: "name4", now: 25 * Self.second)
    #expect(cache.count == 3)
    #expect(cache.records(for: "name0", now: 25 * Self.second) != nil)
    #expect(cache.records(for: "name3", now: 25 * Self.second) != nil)
    #expect(cache.records(for: "name4", now: 25 * Self.second) != nil)
  }

  /// RFC 2308 §5: a negative answer (NXDOMAIN, or NOERROR without the records) lasts the least of
  /// its SOA's TTL and MINIMUM; without an SOA, or from a server that failed, nothing says.
  @Test func readsTheNegativeTTLFromTheSOA() throws {
    let question = "_sip._udp.example.com"
    for rcode: UInt8 in [0, 3] {
      let minimum = try DNSAnswers.srv(
        inDNSResponse: ServerLocationTests.response(
          question: question, answers: [], rcode: rcode, soa: (ttl: 900, minimum: 300)))
      #expect(minimum.records.isEmpty && minimum.ttl == 300)
      let ttl = try DNSAnswers.srv(
        inDNSResponse: ServerLocationTests.response(
          question: question, answers: [], rcode: rcode, soa: (ttl: 120, minimum: 300)))
      #expect(ttl.records.isEmpty && ttl.ttl == 120)
      let none = try DNSAnswers.srv(
        inDNSResponse: ServerLocationTests.response(question: question, answers: [], rcode: rcode))
      #expect(none.records.isEmpty && none.ttl == 0)
    }
    // NAPTR reads it the same way.
    let naptr = try DNSAnswers.naptr(
      inDNSResponse: ServerLocationTests.response(
        question: "example.com", answers: [], rcode: 3, soa: (ttl: 900, minimum: 60)))
    #expect(naptr.records.isEmpty && naptr.ttl == 60)
    // Records present: their TTL, the SOA (if any) is not read.
    let positive = try DNSAnswers.srv(
      inDNSResponse: ServerLocationTests.response(
        question: question, answers: Self.records, soa: (ttl: 5, minimum: 5)))
    #expect(positive.records == Self.records && positive.ttl == 3600)
    // SERVFAIL and REFUSED are no answer at all, whatever they carry.
    for rcode: UInt8 in [2, 5] {
      let failed = try DNSAnswers.srv(
        inDNSResponse: ServerLocationTests.response(
          question: question, answers: [], rcode: rcode, soa: (ttl: 900, minimum: 300)))
      #expect(failed.records.isEmpty && failed.ttl == 0)
    }
    // An SOA cut anywhere is an error, never a crash.
    let whole = ServerLocationTests.response(
      question: question, answers: [], rcode: 3, soa: (ttl: 9, minimum: 9))
    let questionEnd = 12 + question.utf8.count + 2 + 4
    for length in questionEnd..<whole.count {
      #expect(throws: DNSResponseError.self) {
        try DNSAnswers.srv(inDNSResponse: Array(whole.prefix(length)))
      }
    }
  }

  /// The TTL of records the resolver's getaddrinfo found (A, AAAA), read from a response of
  /// our own query: counted by type, other types skipped.
  @Test func countsRecordsOfAType() throws {
    let bytes = ServerLocationTests.response(
      question: "_sip._udp.example.com", answers: Self.records + Self.records)
    let srv = try DNSAnswers.count(ofType: 33, inDNSResponse: bytes)
    #expect(srv.count == 2 && srv.ttl == 3600)
    let none = try DNSAnswers.count(ofType: 1, inDNSResponse: bytes)
    #expect(none.count == 0 && none.ttl == 0)
    let negative = try DNSAnswers.count(
      ofType: 1,
      inDNSResponse: ServerLocationTests.response(
        question: "a.example", answers: [], rcode: 3, soa: (ttl: 50, minimum: 70)))
    #expect(negative.count == 0 && negative.ttl == 50)
  }

  @Test func localhostNamesAreRecognized() {
    for name in ["localhost", "LOCALHOST", "localhost.", "pbx.localhost", "a.b.Localhost."] {
      #expect(ServerLocation.isLocalhost(name), "\(name)")
    }
    for name in ["localhost.example.com", "mylocalhost", "example.com", "127.0.0.1"] {
      #expect(!ServerLocation.isLocalhost(name), "\(name)")
    }
  }

  @Test func readsTheAnswersTTL() throws {
    // The helper writes every record with TTL 0x0E10 = 3600 s.
    let bytes = ServerLocationTests.response(question: "_sip._udp.example.com", answers: Self.records)
    let answer = try ServerLocation.srvAnswer(inDNSResponse: bytes)
    #expect(answer.records == Self.records)
    #expect(answer.ttl == 3600)
    #expect(
      try ServerLocation.srvAnswer(inDNSResponse: ServerLocationTests.response(question: "x.y", answers: []))
        .ttl == 0)
  }
}

/// RFC 3263 §4.1: NAPTR records read from the wire and turned into SRV names.
@Suite struct NAPTRLocationTests {
  static func response(question: String, records: [NAPTRRecord], ttl: UInt32 = 300) -> [UInt8] {
    func name(_ text: String) -> [UInt8] {
      var out: [UInt8] = []
      for label in text.split(separator: ".") {
        out.append(UInt8(label.utf8.count))
        out.append(contentsOf: label.utf8)
      }
      return out + [0]
    }
    func u16(_ v: Int) -> [UInt8] { [UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    func text(_ s: String) -> [UInt8] { [UInt8(s.utf8.count)] + Array(s.utf8) }
    var out: [UInt8] = [0x12, 0x34, 0x81, 0x80] + u16(1) + u16(records.count) + u16(0) + u16(0)
    out += name(question) + u16(35) + u16(1)
    for record in records {
      let rdata =
        u16(record.order) + u16(record.preference) + text(record.flags) + text(record.service)
        + text(record.regexp) + (record.replacement == "." ? [0] : name(record.replacement))
      let ttlBytes = [
        UInt8(ttl >> 24 & 0xFF), UInt8(ttl >> 16 & 0xFF), UInt8(ttl >> 8 & 0xFF), UInt8(ttl & 0xFF),
      ]
      out += [0xC0, 12] + u16(35) + u16(1) + ttlBytes + u16(rdata.count) + rdata
    }
    return out
  }

  static let records = [
    NAPTRRecord(
      order: 20, preference: 10, flags: "S", service: "SIP+D2U", replacement: "_sip._udp.example.com"),
    NAPTRRecord(
      order: 10, preference: 20, flags: "s", service: "SIP+D2T", replacement: "_sip._tcp.example.com"),
    NAPTRRecord(
      order: 10, preference: 10, flags: "s", service: "SIPS+D2T", replacement: "_sips._tcp.example.com"),
    NAPTRRecord(
      order: 5, preference: 10, flags: "u", service: "E2U+sip", regexp: "!^.*$!sip:x@y!", replacement: "."),
  ]

  @Test func readsNAPTRRecordsAndTheirTTL() throws {
    let answer = try ServerLocation.naptrAnswer(
      inDNSResponse: Self.response(question: "example.com", records: Self.records, ttl: 120))
    #expect(answer.records == Self.records)
    #expect(answer.ttl == 120)
    // Cut anywhere inside the records: an error, never a crash.
    let good = Self.response(question: "example.com", records: Self.records)
    for length in 12..<good.count {
      _ = try? ServerLocation.naptrAnswer(inDNSResponse: Array(good.prefix(length)))
    }
    #expect(throws: DNSResponseError.self) {
      try ServerLocation.naptrAnswer(inDNSResponse: Array(good.prefix(good.count - 3)))
    }
  }

  @Test func serviceNamesFollowOrderPreferenceAndTransports() throws {
    let sip = try SIPURI.parse("sip:bob@example.com")
    // Order 10 (TCP) before order 20 (UDP); SIPS+D2T is not for a sip URI; the "u" record is not SIP's.
    let both = ServerLocation.serviceNames(fromNAPTR: Self.records, for: sip, transports: ["udp", "tcp"])
    #expect(both.map(\.name) == ["_sip._tcp.example.com", "_sip._udp.example.com"])
    #expect(both.map(\.transport) == ["tcp", "udp"])
    // Only a UDP leg: the TCP record is left out.
    let udp = ServerLocation.serviceNames(fromNAPTR: Self.records, for: sip, transports: ["udp"])
    #expect(udp.map(\.name) == ["_sip._udp.example.com"])
    let sips = ServerLocation.serviceNames(
      fromNAPTR: Self.records, for: try SIPURI.parse("sips:bob@example.com"), transports: ["udp", "tcp"])
    #expect(sips.map(\.name) == ["_sips._tcp.example.com"])
    #expect(ServerLocation.serviceNames(fromNAPTR: [], for: sip, transports: ["udp"]).isEmpty)
  }
}
