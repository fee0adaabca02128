public import SIPCore

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

/// RFC 3263 §4 server location without I/O: whether a URI goes through SRV, the SRV names to
/// ask, reading the SRV records out of a DNS response (RFC 1035 §4, name compression included),
/// and the order to try the targets in (RFC 2782). NAPTR (§4.1's first step) is not used: the
/// transport comes from the URI's `transport` parameter, else SRV is asked for UDP, then TCP.
public enum ServerLocation {
  /// Whether a request to `uri` looks up SRV records: the host is a name, not an IP literal,
  /// and the URI names no port (RFC 3263 §4.2).
  public static func usesSRV(_ uri: SIPURI) -> Bool {
    guard uri.isSIP, uri.port == nil, uri.parameters.value("maddr") == nil else { return false }
    return !isIPLiteral(uri.host)
  }

  /// The SRV names to ask, in order, each with the transport it stands for (lowercase, as in
  /// the URI parameter): the URI's transport alone when it names one, else each of
  /// `transports` (the ones a leg exists for). `sips` asks `_sips._tcp`.
  public static func serviceNames(for uri: SIPURI, transports: [String]) -> [(
    transport: String, name: String
  )] {
    let host = uri.hostWithoutBrackets
    let service = uri.scheme == .sips ? "_sips" : "_sip"
    let wanted: [String]
    if let transport = uri.transport {
      wanted = [transport]
    } else if uri.scheme == .sips {
      wanted = ["tcp"]
    } else {
      wanted = transports
    }
    return wanted.map { ($0, "\(service)._\($0).\(host)") }
  }

  /// Whether `host` is an IPv4 address or an IPv6 reference (with or without brackets).
  public static func isIPLiteral(_ host: String) -> Bool {
    if host.contains(":") { return true }
    let parts = host.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return false }
    return parts.allSatisfy { part in
      !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isASCIIDigit) && Int(part)! <= 255
    }
  }

  /// The SRV records (class IN, type 33) in the answer section of a DNS response. Other records
  /// (a CNAME, the A records some servers add) are skipped. A response that is cut short, has a
  /// name longer than 255 bytes or a compression loop is an error, never a crash.
  public static func srvRecords(inDNSResponse bytes: [UInt8]) throws(DNSResponseError) -> [SRVRecord] {
    try srvAnswer(inDNSResponse: bytes).records
  }

  /// ``srvRecords(inDNSResponse:)`` with the answer's time to live: the least TTL of the SRV
  /// records read (RFC 2181 §5.2: the records of one set share it), 0 when there are none.
  public static func srvAnswer(inDNSResponse bytes: [UInt8]) throws(DNSResponseError) -> (
    records: [SRVRecord], ttl: UInt32
  ) {
    var ttl: UInt32?
    var reader = DNSReader(bytes: bytes)
    guard bytes.count >= 12 else {
      throw DNSResponseError("a DNS header is 12 bytes, this response has \(bytes.count)")
    }
    let flags = reader.u16(at: 2)
    guard flags & 0x8000 != 0 else { throw DNSResponseError("not a response (QR is 0)") }
    let rcode = flags & 0x000F
    guard rcode == 0 else { throw DNSResponseError("the server answered rcode \(rcode)") }
    let questions = Int(reader.u16(at: 4))
    let answers = Int(reader.u16(at: 6))
    reader.offset = 12
    for _ in 0..<questions {
      _ = try reader.name()
      try reader.skip(4)
    }
    var records: [SRVRecord] = []
    for _ in 0..<answers {
      _ = try reader.name()
      try reader.need(10)
      let type = reader.u16(at: reader.offset)
      let recordClass = reader.u16(at: reader.offset + 2)
      let length = Int(reader.u16(at: reader.offset + 8))
      reader.offset += 10
      try reader.need(length)
      let end = reader.offset + length
      if type == 33, recordClass == 1 {
        guard length >= 7 else { throw DNSResponseError("an SRV record of \(length) bytes") }
        let recordTTL =
          UInt32(reader.u16(at: reader.offset - 6)) << 16 | UInt32(reader.u16(at: reader.offset - 4))
        ttl = min(ttl ?? recordTTL, recordTTL)
        let priority = Int(reader.u16(at: reader.offset))
        let weight = Int(reader.u16(at: reader.offset + 2))
        let port = Int(reader.u16(at: reader.offset + 4))
        reader.offset += 6
        let target = try reader.name()
        guard reader.offset <= end else { throw DNSResponseError("an SRV target runs past its record") }
        records.append(SRVRecord(priority: priority, weight: weight, port: port, target: target))
      }
      reader.offset = end
    }
    return (records, ttl ?? 0)
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
private struct DNSReader {
  let bytes: [UInt8]
  var offset = 0

  func u16(at index: Int) -> UInt16 { UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]) }

  func need(_ count: Int) throws(DNSResponseError) {
    guard count >= 0, offset + count <= bytes.count else {
      throw DNSResponseError("the response ends at byte \(bytes.count), inside a record")
    }
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

extension Character {
  fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
