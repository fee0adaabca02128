#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The local address the system would send from to reach a peer: a UDP socket is connected to
/// the peer (no datagram leaves; only the routing table is consulted) and asked its own address.
/// For the legs `sip.register` opens itself, whose Contact must name an address the registrar
/// can reach — a wildcard leg would advertise loopback.
enum LocalRoute {
  /// The source address towards `host` (an IPv4 or IPv6 literal, without brackets), or nil for
  /// a name, an unroutable address or any failure. A loopback peer gives its own loopback
  /// address.
  static func sourceAddress(towards host: String, port: Int) -> String? {
    var storage = sockaddr_storage()
    var length: socklen_t
    let family: Int32
    if host.contains(":") {
      var address = sockaddr_in6()
      guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { return nil }
      address.sin6_family = sa_family_t(AF_INET6)
      address.sin6_port = in_port_t(UInt16(clamping: port)).bigEndian
      withUnsafeBytes(of: address) { bytes in
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) }
      }
      length = socklen_t(MemoryLayout<sockaddr_in6>.size)
      family = AF_INET6
    } else {
      var address = sockaddr_in()
      guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return nil }
      address.sin_family = sa_family_t(AF_INET)
      address.sin_port = in_port_t(UInt16(clamping: port)).bigEndian
      withUnsafeBytes(of: address) { bytes in
        withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: bytes) }
      }
      length = socklen_t(MemoryLayout<sockaddr_in>.size)
      family = AF_INET
    }
    #if canImport(Glibc)
      let descriptor = socket(family, Int32(SOCK_DGRAM.rawValue), 0)
    #else
      let descriptor = socket(family, SOCK_DGRAM, 0)
    #endif
    guard descriptor >= 0 else { return nil }
    defer { close(descriptor) }
    let connected = withUnsafePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, length) }
    }
    guard connected == 0 else { return nil }
    var local = sockaddr_storage()
    length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let named = withUnsafeMutablePointer(to: &local) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard named == 0 else { return nil }
    var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
    let written: UnsafePointer<CChar>? = withUnsafePointer(to: &local) { pointer in
      if family == AF_INET6 {
        return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { address in
          var raw = address.pointee.sin6_addr
          return inet_ntop(AF_INET6, &raw, &text, socklen_t(text.count))
        }
      }
      return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { address in
        var raw = address.pointee.sin_addr
        return inet_ntop(AF_INET, &raw, &text, socklen_t(text.count))
      }
    }
    guard written != nil else { return nil }
    let address = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    // A link-local IPv6 source needs a scope the Contact cannot carry: let the wildcard stand.
    return address.lowercased().hasPrefix("fe80") ? nil : address
  }
}
