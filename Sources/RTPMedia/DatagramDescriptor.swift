import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

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
