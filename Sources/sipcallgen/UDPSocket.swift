#if canImport(Glibc)
  import Glibc
#endif

/// One non-blocking IPv4 UDP socket bound to an ephemeral port, sending to one peer.
/// Not thread-safe: the generator runs on one thread.
final class UDPSocket {
  struct SocketError: Error, CustomStringConvertible {
    var description: String
  }

  let descriptor: Int32
  let localPort: UInt16
  private var peer = sockaddr_in()

  init(localHost: String, peerHost: String, peerPort: UInt16, bufferBytes: Int32) throws(SocketError) {
    var local = sockaddr_in()
    local.sin_family = sa_family_t(AF_INET)
    peer.sin_family = sa_family_t(AF_INET)
    peer.sin_port = peerPort.bigEndian
    guard inet_pton(AF_INET, peerHost, &peer.sin_addr) == 1,
      inet_pton(AF_INET, localHost, &local.sin_addr) == 1
    else { throw SocketError(description: "not an IPv4 address: \(peerHost)") }
    let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw SocketError(description: "socket: \(String(cString: strerror(errno)))") }
    descriptor = fd
    // Large buffers (DESIGN §8): bursts of thousands of calls/s overflow the kernel default and
    // start retransmission storms. The FORCE variants pass net.core.*mem_max when privileged.
    var size = bufferBytes
    let length = socklen_t(MemoryLayout<Int32>.size)
    if setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, length) != 0 {
      setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, length)
    }
    if setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, length) != 0 {
      setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, length)
    }
    let bound = withUnsafePointer(to: &local) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
      }
    }
    guard bound == 0 else {
      close(fd)
      throw SocketError(description: "bind: \(String(cString: strerror(errno)))")
    }
    var address = sockaddr_in()
    var addressLength = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &addressLength) }
    }
    localPort = UInt16(bigEndian: address.sin_port)
    _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
  }

  deinit { close(descriptor) }

  /// Sends one datagram to the peer; false when the kernel refused it (the caller's retransmission
  /// timer covers that like a lost datagram).
  @discardableResult
  func send(_ bytes: [UInt8]) -> Bool {
    let sent = bytes.withUnsafeBytes { raw in
      withUnsafePointer(to: &peer) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          sendto(descriptor, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
    return sent == bytes.count
  }

  /// Receives one datagram into `buffer`; its length, or nil when none is waiting.
  func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
    let count = recv(descriptor, buffer.baseAddress, buffer.count, 0)
    return count > 0 ? count : nil
  }

  /// Waits until a datagram arrives or `seconds` pass (rounded up to whole milliseconds, at most 1 s:
  /// calls due in between start together, the rate stays exact on average).
  func wait(seconds: Double) {
    var pfd = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    let milliseconds = Int32(max(0, min(seconds, 1)) * 1000 + 0.999)
    _ = poll(&pfd, 1, milliseconds)
  }
}

/// Seconds on the monotonic clock.
func monotonicSeconds() -> Double {
  var time = timespec()
  clock_gettime(CLOCK_MONOTONIC, &time)
  return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}
