// The DNS side of RFC 3263 location, with no imports: the records an answer carries (SRV,
// NAPTR), reading them out of RFC 1035 wire format, and RFC 2782's order. Kept free of SIPCore so
// that the fuzz harness Fuzz/DNS compiles it alone. ServerLocation (SIP URIs) builds on it.

/// One SRV resource record (RFC 2782).
public struct SRVRecord: Sendable, Hashable, CustomStringConvertible {
  public var priority: Int
  public var weight: Int
  public var port: Int
  /// The target host, without the trailing dot; `"."` means "no such service here".
  public var target: String

  public init(priority: Int, weight: Int, port: Int, target: String) {
    self.priority = priority
    self.weight = weight
    self.port = port
    self.target = target
  }

  public var description: String { "\(priority) \(weight) \(port) \(target)" }
}

/// Why a DNS response could not be read.
public struct DNSResponseError: Error, Sendable, Equatable, CustomStringConvertible {
  public let description: String
  init(_ description: String) { self.description = description }
}

/// Reading DNS answers (RFC 1035 §4, name compression included) and ordering SRV targets.
public enum DNSAnswers {
  /// The SRV records (class IN, type 33) in the answer section of a DNS response. Other records
  /// (a CNAME, the A records some servers add) are skipped. A response that is cut short, has a
  /// name longer than 255 bytes or a compression loop is an error, never a crash.
  /// ``srvRecords(inDNSResponse:)`` with the answer's time to live: the least TTL of the SRV
  /// records read (RFC 2181 §5.2: the records of one set share it); with none, how long the
  /// negative answer may be kept (RFC 2308: the SOA's, 0 without one; see `answers`).
  public static func srv(inDNSResponse bytes: [UInt8]) throws(DNSResponseError) -> (
    records: [SRVRecord], ttl: UInt32
  ) {
    try answers(ofType: 33, inDNSResponse: bytes) {
      (reader: inout DNSReader, length: Int) throws(DNSResponseError) in
      guard length >= 7 else { throw DNSResponseError("an SRV record of \(length) bytes") }
      let priority = Int(reader.u16(at: reader.offset))
      let weight = Int(reader.u16(at: reader.offset + 2))
      let port = Int(reader.u16(at: reader.offset + 4))
      reader.offset += 6
      let target = try reader.name()
      return SRVRecord(priority: priority, weight: weight, port: port, target: target)
    }
  }

  /// How many records of `type` (class IN: 1 for A, 28 for AAAA) the answer section of a DNS
  /// response holds and their least TTL (the negative TTL when none, as for SRV). For address
  /// lookups made elsewhere (getaddrinfo), whose TTL this response tells.
  public static func count(
    ofType type: UInt16, inDNSResponse bytes: [UInt8]
  ) throws(DNSResponseError) -> (count: Int, ttl: UInt32) {
    let found = try answers(ofType: type, inDNSResponse: bytes) {
      (_: inout DNSReader, _: Int) throws(DNSResponseError) in ()
    }
    return (found.records.count, found.ttl)
  }

  /// The records of `type` (class IN) in the answer section of a DNS response, each read by
  /// `read` from its RDATA (the reader at its start, its length given), and their least TTL.
  /// Other records are skipped; a record read past its RDATA, a cut response or a bad name is an
  /// error. With none of them — NOERROR without records or NXDOMAIN — the TTL is how long that
  /// negative answer may be kept (RFC 2308 §5): the least of the authority section's SOA TTL and
  /// its MINIMUM field, 0 without an SOA. A server that failed (SERVFAIL, REFUSED, any other
  /// rcode) gave no answer: no records, TTL 0.
  static func answers<Record>(
    ofType wanted: UInt16, inDNSResponse bytes: [UInt8],
    _ read: (inout DNSReader, Int) throws(DNSResponseError) -> Record
  ) throws(DNSResponseError) -> (records: [Record], ttl: UInt32) {
    var reader = DNSReader(bytes: bytes)
    guard bytes.count >= 12 else {
      throw DNSResponseError("a DNS header is 12 bytes, this response has \(bytes.count)")
    }
    let flags = reader.u16(at: 2)
    guard flags & 0x8000 != 0 else { throw DNSResponseError("not a response (QR is 0)") }
    let rcode = flags & 0x000F
    guard rcode == 0 || rcode == 3 else { return ([], 0) }
    let questions = Int(reader.u16(at: 4))
    let answers = Int(reader.u16(at: 6))
    let authorities = Int(reader.u16(at: 8))
    reader.offset = 12
    for _ in 0..<questions {
      _ = try reader.name()
      try reader.skip(4)
    }
    var records: [Record] = []
    var ttl: UInt32?
    for _ in 0..<answers {
      let header = try reader.recordHeader()
      if header.type == wanted, header.recordClass == 1, rcode == 0 {
        records.append(try read(&reader, header.length))
        guard reader.offset <= header.end else {
          throw DNSResponseError("a record's data runs past its length")
        }
        ttl = min(ttl ?? header.ttl, header.ttl)
      }
      reader.offset = header.end
    }
    if let ttl, !records.isEmpty { return (records, ttl) }
    return ([], try negativeTTL(&reader, authorities: authorities))
  }

  /// RFC 2308 §5: the least of the SOA record's TTL and its MINIMUM in the authority section
  /// (the reader at its start), 0 when it has no SOA.
  static func negativeTTL(_ reader: inout DNSReader, authorities: Int) throws(DNSResponseError) -> UInt32 {
    for _ in 0..<authorities {
      let header = try reader.recordHeader()
      if header.type == 6, header.recordClass == 1 {
        _ = try reader.name()  // MNAME
        _ = try reader.name()  // RNAME
        guard reader.offset + 20 <= header.end else {
          throw DNSResponseError("an SOA record of \(header.length) bytes")
        }
        let minimum = reader.u32(at: reader.offset + 16)  // after SERIAL, REFRESH, RETRY, EXPIRE
        return min(header.ttl, minimum)
      }
      reader.offset = header.end
    }
    return 0
  }

  /// The order to try `records` in (RFC 2782): lower priority first; within one priority, a
  /// weighted random draw repeated until none is left, records of weight 0 having a small
  /// chance. `random(n)` returns a number in `0...n`. A lone record with target "." (the
  /// service is decidedly not there) gives no target.
  public static func order(_ records: [SRVRecord], random: (Int) -> Int) -> [SRVRecord] {
    if records.count == 1, records[0].target == "." { return [] }
    var ordered: [SRVRecord] = []
    let priorities = Set(records.map(\.priority)).sorted()
    for priority in priorities {
      // Weight-0 records first in the list, as RFC 2782 says, so they are drawn only at a sum of 0.
      let same = records.filter { $0.priority == priority && $0.target != "." }
      var pool = same.filter { $0.weight == 0 } + same.filter { $0.weight != 0 }
      while !pool.isEmpty {
        let total = pool.reduce(0) { $0 + $1.weight }
        let draw = random(total)
        var running = 0
        var chosen = pool.count - 1
        for (index, record) in pool.enumerated() {
          running += record.weight
          if running >= draw {
            chosen = index
            break
          }
        }
        ordered.append(pool.remove(at: chosen))
      }
    }
    return ordered
  }
}

/// Reads RFC 1035 wire format: big-endian numbers and names with compression pointers.
struct DNSReader {
  let bytes: [UInt8]
  var offset = 0

  func u16(at index: Int) -> UInt16 { UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]) }

  func u32(at index: Int) -> UInt32 { UInt32(u16(at: index)) << 16 | UInt32(u16(at: index + 2)) }

  func need(_ count: Int) throws(DNSResponseError) {
    guard count >= 0, offset + count <= bytes.count else {
      throw DNSResponseError("the response ends at byte \(bytes.count), inside a record")
    }
  }

  /// A resource record's owner name and fixed fields (RFC 1035 §4.1.3) at `offset`, which moves to
  /// the start of its RDATA; the RDATA is checked to lie inside the response.
  mutating func recordHeader() throws(DNSResponseError) -> DNSRecordHeader {
    _ = try name()
    try need(10)
    let header = DNSRecordHeader(
      type: u16(at: offset), recordClass: u16(at: offset + 2), ttl: u32(at: offset + 4),
      length: Int(u16(at: offset + 8)), end: offset + 10 + Int(u16(at: offset + 8)))
    offset += 10
    try need(header.length)
    return header
  }

  mutating func skip(_ count: Int) throws(DNSResponseError) {
    try need(count)
    offset += count
  }

  /// A domain name at `offset`, which moves past it (past the first pointer when compressed).
  mutating func name() throws(DNSResponseError) -> String {
    var labels: [String] = []
    var position = offset
    var jumped = false
    var jumps = 0
    var length = 0
    while true {
      guard position < bytes.count else { throw DNSResponseError("a name runs past the end of the response") }
      let byte = bytes[position]
      switch byte & 0xC0 {
      case 0xC0:
        guard position + 1 < bytes.count else { throw DNSResponseError("a name pointer is cut short") }
        jumps += 1
        guard jumps <= 64 else { throw DNSResponseError("a name's compression pointers loop") }
        if !jumped { offset = position + 2 }
        jumped = true
        position = Int(UInt16(byte & 0x3F) << 8 | UInt16(bytes[position + 1]))
      case 0x00:
        if byte == 0 {
          if !jumped { offset = position + 1 }
          return labels.isEmpty ? "." : labels.joined(separator: ".")
        }
        let count = Int(byte)
        guard position + 1 + count <= bytes.count else { throw DNSResponseError("a label runs past the end") }
        length += count + 1
        guard length <= 255 else { throw DNSResponseError("a name longer than 255 bytes") }
        labels.append(String(decoding: bytes[(position + 1)..<(position + 1 + count)], as: UTF8.self))
        position += 1 + count
      default:
        throw DNSResponseError("a label type \(byte >> 6) that RFC 1035 does not define")
      }
    }
  }
}

/// The fixed fields of a resource record; `end` is the offset just past its RDATA.
struct DNSRecordHeader {
  let type: UInt16
  let recordClass: UInt16
  let ttl: UInt32
  let length: Int
  let end: Int
}
