public import SIPCore

/// RFC 3263 §4 server location without I/O: whether a URI goes through SRV, the SRV names to
/// ask, reading the SRV records out of a DNS response (RFC 1035 §4, name compression included),
/// and the order to try the targets in (RFC 2782). NAPTR (§4.1's first step) is in
/// ServerLocation+NAPTR.swift: with no `transport` parameter, the domain's NAPTR records choose
/// the transports and SRV names; without usable ones, SRV is asked for UDP, then TCP.
public enum ServerLocation {
  /// Whether a request to `uri` looks up SRV records: the host is a name, not an IP literal,
  /// and the URI names no port (RFC 3263 §4.2).
  public static func usesSRV(_ uri: SIPURI) -> Bool {
    guard uri.isSIP, uri.port == nil, uri.parameters.value("maddr") == nil else { return false }
    // RFC 6761 §6.3: `localhost` names are loopback and never asked of DNS (a UA without a
    // reachable DNS server would otherwise wait for the resolver's timeouts first).
    guard !isLocalhost(uri.host) else { return false }
    return !isIPLiteral(uri.host)
  }

  /// Whether `host` is `localhost` or a name under it (RFC 6761 §6.3: loopback, never asked of DNS).
  public static func isLocalhost(_ host: String) -> Bool {
    let name = host.lowercased()
    return name == "localhost" || name == "localhost." || name.hasSuffix(".localhost")
      || name.hasSuffix(".localhost.")
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

  /// The SRV records (class IN, type 33) in the answer section of a DNS response
  /// (``DNSAnswers/srv(inDNSResponse:)``).
  public static func srvRecords(inDNSResponse bytes: [UInt8]) throws(DNSResponseError) -> [SRVRecord] {
    try DNSAnswers.srv(inDNSResponse: bytes).records
  }

  /// The SRV records and their least TTL (``DNSAnswers/srv(inDNSResponse:)``).
  public static func srvAnswer(inDNSResponse bytes: [UInt8]) throws(DNSResponseError) -> (
    records: [SRVRecord], ttl: UInt32
  ) {
    try DNSAnswers.srv(inDNSResponse: bytes)
  }

  /// The order to try `records` in (RFC 2782, ``DNSAnswers/order(_:random:)``).
  public static func order(_ records: [SRVRecord], random: (Int) -> Int) -> [SRVRecord] {
    DNSAnswers.order(records, random: random)
  }
}

extension Character {
  fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
