import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The UDP legs' own sockets: opened and bound here, then handed to NIO
/// (`DatagramBootstrap.withBoundSocket`), which owns them, reads them on the transport's loop
/// and closes them with the channel. The transport keeps the descriptor to *send* with one
/// `sendto` (or `sendmmsg` for a burst) from its ``SIPDatagramOutbox``, without NIO's outbound
/// pipeline, a `ByteBuffer`, a pending-write queue and a flush per datagram
/// (docs/architecture-transport.md, "Sending"). The media engine does the same for RTP
/// (RTPMedia's `DatagramDescriptor`); SIPTransport does not import RTPMedia, so this is its own.
///
/// Used on the transport's loop only, and only while the NIO channel that owns the descriptor is
/// active (``SIPLeg/descriptor`` goes to -1 when it closes: the number may be reused).
enum SIPDatagramSocket {
  struct OpenError: Error, CustomStringConvertible {
    let operation: String
    let code: CInt
    var description: String { "\(operation): \(String(cString: strerror(code)))" }
  }

  /// A non-blocking, close-on-exec UDP socket bound to `address`, with SO_RCVBUF and SO_SNDBUF
  /// asked for (not fatal when refused: Linux caps them at rmem_max/wmem_max).
  static func open(boundTo address: SocketAddress, bufferSize: Int) throws -> CInt {
    let family: CInt
    switch address {
    case .v4: family = AF_INET
    case .v6: family = AF_INET6
    default: throw OpenError(operation: "socket", code: EAFNOSUPPORT)
    }
    #if canImport(Darwin)
      let fd = socket(family, SOCK_DGRAM, 0)
    #else
      let fd = socket(
        family, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_NONBLOCK.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
    #endif
    guard fd >= 0 else { throw OpenError(operation: "socket", code: errno) }
    #if canImport(Darwin)
      _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    #endif
    var size = CInt(clamping: bufferSize)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
    _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<CInt>.size))
    if family == AF_INET6 {
      // As NIO's own sockets: dual-stack (IPV6_V6ONLY off), so a `::` leg also hears IPv4.
      var off: CInt = 0
      _ = setsockopt(fd, CInt(IPPROTO_IPV6), IPV6_V6ONLY, &off, socklen_t(MemoryLayout<CInt>.size))
    }
    let result = address.withSockAddr { pointer, length in bind(fd, pointer, socklen_t(length)) }
    guard result == 0 else {
      let code = errno
      close(fd)
      throw OpenError(operation: "bind \(address)", code: code)
    }
    return fd
  }

  /// The address `host:port` binds: `host` numeric, or a name resolved here (as NIO's
  /// `bind(host:port:)` did).
  static func bindAddress(host: String, port: Int) throws -> SocketAddress {
    if let numeric = try? SocketAddress(ipAddress: host, port: port) { return numeric }
    return try SocketAddress.makeAddressResolvingHost(host, port: port)
  }

  /// Whether a send error means "the socket cannot take it now" (the datagram is then queued in
  /// NIO, which waits for the socket to become writable), not "this datagram cannot be sent".
  static func isTransient(_ code: CInt) -> Bool {
    code == EAGAIN || code == EWOULDBLOCK || code == ENOBUFS || code == EINTR
  }
}
