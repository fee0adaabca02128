public import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// An RTP socket the engine opened for ``MediaSocket/bind(host:port:)`` or
/// ``MediaSocket/allocate(host:)``, or for a caller with ``MediaEngine/openSocket(host:port:)``
/// (the handle a stream adopts with ``MediaSocket/socket(_:)``), as a bare UDP descriptor with no
/// NIO channel: the engine reads
/// it with `recvmmsg` when the kernel says it is readable (``ReadinessWaiter``) or on the tick
/// (``MediaEngineConfiguration/pollsOnTick``), and sends with one `sendto` per packet. A channel,
/// its pipeline, handler, socket object and pending-write queue cost about 1.8 KB a stream, and
/// NIO's read path a `ByteBuffer`, an envelope and a `SocketAddress` per datagram
/// (docs/architecture-media.md, "Packet path").
///
/// Used on the media loop only. ``close()`` closes the descriptor once (the engine first takes it
/// out of its epoll set); `deinit` closes it if nobody did. A caller gives a socket of
/// `openSocket` back with ``MediaEngine/closeSocket(_:)``, once.
public final class RawRTPSocket: @unchecked Sendable {
  // @unchecked: `isOpen` and `adopted` change on the media loop only (futures of that loop carry
  // the socket).
  let descriptor: CInt
  /// Where it is bound (the port the kernel chose when port 0 was asked for).
  public let localAddress: SocketAddress?
  /// Not closed yet (a parked socket of ``MediaEngine/closeSocket(_:)`` is still open).
  public private(set) var isOpen = true
  /// A stream uses it now (``MediaSocket/socket(_:)``): it must not be parked.
  var adopted = false
  /// Resting in the engine's pool (``MediaSocketPool``): given back, not to be given back again.
  var parked = false

  private init(descriptor: CInt, localAddress: SocketAddress?) {
    self.descriptor = descriptor
    self.localAddress = localAddress
  }

  deinit { close() }

  /// A non-blocking socket bound to `host:port` (a numeric address or a name resolved here).
  static func open(host: String, port: Int, receiveBufferSize: Int) throws -> RawRTPSocket {
    let descriptor = try MediaEngine.openDescriptor(
      host: host, port: port, receiveBufferSize: receiveBufferSize)
    return RawRTPSocket(descriptor: descriptor, localAddress: boundAddress(of: descriptor))
  }

  func close() {
    guard isOpen else { return }
    isOpen = false
    _ = closeRawDescriptor(descriptor)
  }

  /// `getsockname` as a `SocketAddress`.
  static func boundAddress(of descriptor: CInt) -> SocketAddress? {
    var storage = sockaddr_storage()
    var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
    let result = withUnsafeMutablePointer(to: &storage) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    guard result == 0 else { return nil }
    return withUnsafeBytes(of: storage) { raw in
      switch CInt(storage.ss_family) {
      case AF_INET: SocketAddress(raw.load(as: sockaddr_in.self))
      case AF_INET6: SocketAddress(raw.load(as: sockaddr_in6.self))
      default: nil
      }
    }
  }
}

private func closeRawDescriptor(_ descriptor: CInt) -> CInt { close(descriptor) }
