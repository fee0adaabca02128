public import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// UDP sockets that sipscript opens and binds itself before handing them to NIO
/// (`DatagramBootstrap.withBoundSocket`), so that the caller keeps the descriptor and can send
/// with one `sendto`/`sendmmsg` without NIO's outbound pipeline. Used by the media engine for
/// RTP (RTPMedia's `RawRTPSocket`, docs/architecture-media.md, "Packet path") and by the SIP
/// transport's UDP legs (SIPTransport's `SIPDatagramOutbox`, docs/architecture-transport.md,
/// "Sending"); one module so that neither has to import the other.
public enum BoundDatagramSocket {
  /// Why a socket could not be opened or bound: the failing operation and its errno.
  public struct OpenError: Error, CustomStringConvertible {
    public let operation: String
    public let code: CInt
    public var description: String { "\(operation): \(String(cString: strerror(code)))" }
  }

  /// A non-blocking, close-on-exec UDP socket bound to `address`. SO_RCVBUF (and SO_SNDBUF when
  /// given) are asked for, not fatal when refused: Linux caps them at rmem_max/wmem_max.
  /// `dualStack`: an IPv6 socket also hears IPv4 (IPV6_V6ONLY off, as NIO's own sockets).
  public static func open(
    boundTo address: SocketAddress, receiveBufferSize: Int, sendBufferSize: Int? = nil,
    dualStack: Bool = false
  ) throws -> CInt {
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
    var size = CInt(clamping: receiveBufferSize)
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
    if let sendBufferSize {
      size = CInt(clamping: sendBufferSize)
      _ = setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<CInt>.size))
    }
    if family == AF_INET6 && dualStack {
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
  /// `bind(host:port:)` does).
  public static func bindAddress(host: String, port: Int) throws -> SocketAddress {
    if let numeric = try? SocketAddress(ipAddress: host, port: port) { return numeric }
    return try SocketAddress.makeAddressResolvingHost(host, port: port)
  }
}
