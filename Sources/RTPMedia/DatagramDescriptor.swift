import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The engine's own UDP sockets: opened and bound here, then handed to NIO
/// (`DatagramBootstrap.withBoundSocket`), which owns and closes them and reads from them on the
/// media loop. The engine keeps the descriptor to *send* RTP with one `sendto` straight from a
/// reused buffer, without NIO's outbound pipeline, a `ByteBuffer` per packet or a pending-write
/// queue (docs/architecture-media.md, "Packet path").
///
/// Used on the media loop only, and only while the NIO channel that owns the descriptor is active
/// (a closed descriptor's number may already belong to another socket).
enum DatagramDescriptor {
  struct OpenError: Error, CustomStringConvertible {
    let operation: String
    let code: CInt
    var description: String { "\(operation): \(String(cString: strerror(code)))" }
  }

  /// A non-blocking, close-on-exec UDP socket bound to `address`, with SO_RCVBUF asked for.
  static func open(boundTo address: SocketAddress, receiveBufferSize: Int) throws -> CInt {
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
    // Not fatal: Linux caps it at net.core.rmem_max.
    _ = setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<CInt>.size))
    let result = address.withSockAddr { pointer, length in bind(fd, pointer, socklen_t(length)) }
    guard result == 0 else {
      let code = errno
      close(fd)
      throw OpenError(operation: "bind \(address)", code: code)
    }
    return fd
  }
}

/// A peer address in the form `sendto` takes, kept so that every packet does not convert it.
struct PackedAddress {
  private var storage = sockaddr_storage()
  private(set) var length: socklen_t = 0

  init(_ address: SocketAddress) {
    address.withSockAddr { pointer, size in
      withUnsafeMutableBytes(of: &storage) { raw in
        let count = min(size, raw.count)
        raw.copyMemory(from: UnsafeRawBufferPointer(start: pointer, count: count))
        length = socklen_t(count)
      }
    }
  }

  /// Whether the raw socket address at `raw` (`length` octets) is this one.
  func matches(_ raw: UnsafeRawPointer, length: socklen_t) -> Bool {
    guard length == self.length else { return false }
    return withUnsafeBytes(of: storage) { mine in memcmp(mine.baseAddress!, raw, Int(length)) == 0 }
  }

  /// Sends `bytes` as one datagram. Returns 0 on success, else errno.
  func send(_ descriptor: CInt, _ bytes: UnsafeRawBufferPointer) -> CInt {
    // The socket is non-blocking: a full send buffer is EAGAIN, never a wait.
    let sent = withUnsafePointer(to: storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
        sendto(descriptor, bytes.baseAddress, bytes.count, 0, address, length)
      }
    }
    return sent >= 0 ? 0 : errno
  }
}
