import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A stream's RTCP socket (RFC 3550 §11: the RTP port + 1 on the same host) as a bare UDP
/// descriptor the engine opened and owns, with no NIO channel: a report every few seconds does not
/// need a pipeline, a pending-write queue and a selector registration per call, which cost about
/// 3 KiB a call (docs/benchmarks-calls.md, "callmem"). The engine watches the descriptors in a
/// ``ReadinessSet`` and reads them on its tick; reports go out with one `sendto`.
///
/// Used on the media loop only. ``close()`` closes the descriptor once; `deinit` closes it if
/// nobody did.
final class RTCPSocket {
  let descriptor: CInt
  /// The host and port it is bound to.
  let host: String
  let port: Int
  private(set) var isOpen = true
  /// The engine's RTCP readiness set it is in: it stays there while it rests in the socket pool and
  /// leaves it in ``close()``.
  weak var watchedBy: ReadinessSet?
  /// The kernel stamps what it receives (``DatagramArrival``).
  private(set) var stampsArrivals = false
  /// Taken from the pool at this wall-clock time (``MediaSocketPool``): until a datagram that
  /// arrived later is read (or nothing waits), what arrived before it is an old call's and is
  /// dropped unread by the stream. Nil: nothing to drop.
  var staleBefore: UInt64?

  private init(descriptor: CInt, host: String, port: Int) {
    self.descriptor = descriptor
    self.host = host
    self.port = port
  }

  // Not `close()`: the last reference may go on any thread, and the readiness set is the loop's.
  // Closing the descriptor takes it out of the kernel's set anyway (no other copy is open).
  deinit { if isOpen { closeDescriptor(descriptor) } }

  /// A socket bound to `host:port` (a numeric address or a name resolved here).
  static func open(host: String, port: Int, receiveBufferSize: Int) throws -> RTCPSocket {
    let descriptor = try MediaEngine.openDescriptor(
      host: host, port: port, receiveBufferSize: receiveBufferSize)
    let socket = RTCPSocket(descriptor: descriptor, host: host, port: port)
    socket.stampsArrivals = DatagramArrival.enable(descriptor)
    return socket
  }

  var localAddress: SocketAddress? { try? SocketAddress(ipAddress: host, port: port) }

  /// Sends one datagram to `address`; false when the kernel refused it (a full buffer, an ICMP
  /// error reported on the socket: RTCP is best effort, like NIO's dropped writes).
  @discardableResult
  func send(_ bytes: [UInt8], to address: SocketAddress) -> Bool {
    guard isOpen, !bytes.isEmpty else { return false }
    let packed = PackedAddress(address)
    return bytes.withUnsafeBytes { packed.send(descriptor, $0) } == 0
  }

  /// One datagram read by ``receive(into:)``.
  struct Received {
    var count: Int
    var source: SocketAddress?
    /// When the kernel received it, wall clock (nanoseconds since 1970), where the kernel says.
    var arrival: UInt64?
  }

  /// Reads one waiting datagram into `buffer` without waiting; nil when nothing waits (or on an
  /// error). A datagram longer than `buffer` is cut to it.
  func receive(into buffer: UnsafeMutableRawBufferPointer) -> Received? {
    guard isOpen else { return nil }
    var storage = sockaddr_storage()
    #if os(Linux)
      // The kernel's receive time (SO_TIMESTAMPNS): the tick reads RTCP up to one tick late,
      // and the round trip (RFC 3550 §6.4.1) must not include that.
      var vector = iovec(iov_base: buffer.baseAddress, iov_len: buffer.count)
      var control = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
      let (count, arrival): (Int, UInt64?) = withUnsafeMutablePointer(to: &storage) { name in
        withUnsafeMutablePointer(to: &vector) { vector in
          withUnsafeMutableBytes(of: &control) { control in
            var message = msghdr()
            message.msg_name = UnsafeMutableRawPointer(name)
            message.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            message.msg_iov = vector
            message.msg_iovlen = 1
            message.msg_control = control.baseAddress
            message.msg_controllen = control.count
            let count = recvmsg(descriptor, &message, CInt(MSG_DONTWAIT))
            guard count >= 0 else { return (-1, nil) }
            return (
              count,
              DatagramArrival.stamp(in: UnsafeRawBufferPointer(control), length: Int(message.msg_controllen))
            )
          }
        }
      }
    #else
      var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
      let count = withUnsafeMutablePointer(to: &storage) { pointer in
        pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
          recvfrom(descriptor, buffer.baseAddress, buffer.count, MSG_DONTWAIT, address, &length)
        }
      }
      let arrival: UInt64? = nil
    #endif
    guard count >= 0 else { return nil }
    return Received(count: min(count, buffer.count), source: Self.address(storage), arrival: arrival)
  }

  /// Discards what waits (a parked socket before its next stream; bounded).
  func drain() {
    guard isOpen else { return }
    MediaSocketPool.drain(descriptor)
  }

  /// Gets it ready for the next stream: what waits now is an old call's. Marked with the time
  /// when the kernel stamps arrivals (the stream drops what came before, no system call now),
  /// else emptied at once.
  func handOut(at now: UInt64) {
    if stampsArrivals {
      staleBefore = now
    } else {
      staleBefore = nil
      drain()
    }
  }

  func close() {
    guard isOpen else { return }
    isOpen = false
    watchedBy?.remove(descriptor)
    watchedBy = nil
    closeDescriptor(descriptor)
  }

  private static func address(_ storage: sockaddr_storage) -> SocketAddress? {
    let family = CInt(storage.ss_family)
    return withUnsafeBytes(of: storage) { raw in
      switch family {
      case AF_INET: SocketAddress(raw.load(as: sockaddr_in.self))
      case AF_INET6: SocketAddress(raw.load(as: sockaddr_in6.self))
      default: nil
      }
    }
  }
}

private func closeDescriptor(_ descriptor: CInt) {
  _ = close(descriptor)
}
