internal import CResolv
import NIOCore
import NIOPosix
import SIPProtocol

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Host names to addresses through the system resolver (getaddrinfo: /etc/hosts, A and AAAA),
/// and SRV records through its `res_nquery` (RFC 3263 §4.2; NAPTR is not asked). The lookups
/// block, so they run on NIO's blocking thread pool and the result comes back on the caller's loop.
enum SIPResolver {
  struct Failure: Error, CustomStringConvertible {
    let description: String
  }

  /// Every address of `host` (IPv4 and IPv6, in the resolver's order), each with `port`.
  static func resolve(host: String, port: Int, on eventLoop: any EventLoop) -> EventLoopFuture<
    [SocketAddress]
  > {
    NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) { try lookup(host: host, port: port) }
  }

  /// The SRV records of `name` (`_sip._udp.example.com`); empty when it has none or the
  /// resolver gives no answer, an error when the answer cannot be read.
  static func lookupSRV(name: String) throws -> [SRVRecord] {
    try lookupSRVAnswer(name: name).records
  }

  /// The NAPTR records of `name` and their TTL; none when it has none (with the SOA's negative
  /// TTL, RFC 2308, or 0) or the query failed (TTL 0).
  static func lookupNAPTRAnswer(name: String) throws -> (records: [NAPTRRecord], ttl: UInt32) {
    guard let response = query(name, type: 35) else { return ([], 0) }
    return try DNSAnswers.naptr(inDNSResponse: response)
  }

  /// The SRV records of `name` and their TTL; none when the name has none (with the SOA's
  /// negative TTL, RFC 2308, or 0) or the query failed (TTL 0).
  static func lookupSRVAnswer(name: String) throws -> (records: [SRVRecord], ttl: UInt32) {
    guard let response = query(name, type: 33) else { return ([], 0) }
    return try DNSAnswers.srv(inDNSResponse: response)
  }

  /// The system resolver's response to a class-IN query of `type` for `name`, whatever its rcode;
  /// nil when no server answered.
  private static func query(_ name: String, type: Int32) -> [UInt8]? {
    var answer = [UInt8](repeating: 0, count: 4096)
    let count = answer.withUnsafeMutableBufferPointer { buffer in
      sipscript_dns_query(name, type, buffer.baseAddress, Int32(buffer.count))
    }
    guard count > 0 else { return nil }
    return Array(answer.prefix(min(Int(count), answer.count)))
  }

  /// ``lookup(host:port:)``, and how long its addresses may be kept: the TTL DNS gives the
  /// name's A records (AAAA when it has only IPv6 addresses; getaddrinfo does not tell it), or
  /// `localSeconds` when DNS does not know the name (an /etc/hosts entry, `localhost`, which is
  /// never asked, RFC 6761) or no DNS server answers.
  static func lookupWithTTL(host: String, port: Int, localSeconds: UInt32) throws -> (
    addresses: [SocketAddress], ttl: UInt32
  ) {
    let addresses = try lookup(host: host, port: port)
    guard !ServerLocation.isLocalhost(host) else { return (addresses, localSeconds) }
    let type: UInt16 = addresses.contains { !$0.isIPv6 } ? 1 : 28
    guard let response = query(host, type: Int32(type)),
      let answer = try? DNSAnswers.count(ofType: type, inDNSResponse: response), answer.count > 0
    else { return (addresses, localSeconds) }
    return (addresses, answer.ttl)
  }

  static func lookup(host: String, port: Int) throws -> [SocketAddress] {
    var hints = addrinfo()
    hints.ai_family = AF_UNSPEC
    #if canImport(Glibc)
      hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
    #else
      hints.ai_socktype = SOCK_DGRAM
    #endif
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(host, String(port), &hints, &list)
    guard status == 0, let first = list else {
      throw Failure(description: String(cString: gai_strerror(status)))
    }
    defer { freeaddrinfo(first) }
    var out: [SocketAddress] = []
    var next: UnsafeMutablePointer<addrinfo>? = first
    while let info = next {
      if let raw = info.pointee.ai_addr {
        switch info.pointee.ai_family {
        case AF_INET:
          let v4 = raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee }
          out.append(SocketAddress(v4, host: host))
        case AF_INET6:
          let v6 = raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee }
          out.append(SocketAddress(v6, host: host))
        default:
          break
        }
      }
      next = info.pointee.ai_next
    }
    guard !out.isEmpty else { throw Failure(description: "no address for \(host)") }
    return out
  }
}

extension SocketAddress {
  /// Whether this is an IPv6 address.
  var isIPv6: Bool {
    if case .v6 = self { return true }
    return false
  }
}
