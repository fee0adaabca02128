// NAPTR (RFC 3403) for RFC 3263 §4.1, with no imports (see DNSAnswers.swift).

/// One NAPTR resource record (RFC 3403 §4.1), as RFC 3263 §4.1 uses it: which SIP transports a
/// domain offers and the SRV name of each.
public struct NAPTRRecord: Sendable, Hashable {
  public var order: Int
  public var preference: Int
  public var flags: String
  public var service: String
  public var regexp: String
  /// The next name to look up (here an SRV name), without the trailing dot; "." for none.
  public var replacement: String

  public init(
    order: Int, preference: Int, flags: String, service: String, regexp: String = "", replacement: String
  ) {
    self.order = order
    self.preference = preference
    self.flags = flags
    self.service = service
    self.regexp = regexp
    self.replacement = replacement
  }
}

extension DNSAnswers {
  /// The NAPTR records (class IN, type 35) in the answer section of a DNS response and their
  /// least TTL. A record cut short or with a bad name is an error, never a crash.
  public static func naptr(inDNSResponse bytes: [UInt8]) throws(DNSResponseError) -> (
    records: [NAPTRRecord], ttl: UInt32
  ) {
    try answers(ofType: 35, inDNSResponse: bytes) {
      (reader: inout DNSReader, length: Int) throws(DNSResponseError) in
      guard length >= 7 else { throw DNSResponseError("a NAPTR record of \(length) bytes") }
      let order = Int(reader.u16(at: reader.offset))
      let preference = Int(reader.u16(at: reader.offset + 2))
      reader.offset += 4
      let flags = try reader.characterString()
      let service = try reader.characterString()
      let regexp = try reader.characterString()
      let replacement = try reader.name()
      return NAPTRRecord(
        order: order, preference: preference, flags: flags, service: service, regexp: regexp,
        replacement: replacement)
    }
  }

  /// RFC 3263 §4.1: the SRV names that `records` (the NAPTR records of the target's domain) lead
  /// to, best first (lowest order, then lowest preference), each with its transport — only
  /// records with the `s` flag and a service of a transport in `transports` ("udp", "tcp"):
  /// `SIP+D2U`, `SIP+D2T`, and for a `sips` URI (`secure`) `SIPS+D2T` alone. Empty when none is usable
  /// (the caller then asks SRV itself, §4.1's last paragraph).
  public static func serviceNames(
    fromNAPTR records: [NAPTRRecord], secure: Bool, transports: [String]
  ) -> [(transport: String, name: String)] {
    let services: [String: String] = secure ? ["SIPS+D2T": "tcp"] : ["SIP+D2U": "udp", "SIP+D2T": "tcp"]
    var names: [(transport: String, name: String)] = []
    let usable = records.filter { record in
      record.flags.lowercased() == "s" && record.replacement != "."
        && services[record.service.uppercased()].map(transports.contains) == true
    }
    for record in usable.sorted(by: { ($0.order, $0.preference) < ($1.order, $1.preference) }) {
      guard let transport = services[record.service.uppercased()] else { continue }
      if !names.contains(where: { $0.name == record.replacement && $0.transport == transport }) {
        names.append((transport, record.replacement))
      }
    }
    return names
  }
}

extension DNSReader {
  /// A <character-string> (RFC 1035 §3.3): a length octet and that many bytes.
  mutating func characterString() throws(DNSResponseError) -> String {
    try need(1)
    let count = Int(bytes[offset])
    offset += 1
    try need(count)
    defer { offset += count }
    return String(decoding: bytes[offset..<(offset + count)], as: UTF8.self)
  }
}
