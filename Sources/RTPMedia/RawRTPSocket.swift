import DatagramSockets
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
  /// ``localAddress``'s numeric host, made once (each `SocketAddress.ipAddress` formats it anew
  /// with `inet_ntop`; the pool reads it when the socket is parked, RTCP binds beside it). On the
  /// media loop.
  lazy var ipAddress: String? = localAddress?.ipAddress
  /// Not closed yet (a parked socket of ``MediaEngine/closeSocket(_:)`` is still open).
  public private(set) var isOpen = true
  /// A stream uses it now (``MediaSocket/socket(_:)``): it must not be parked.
  var adopted = false
  /// Resting in the engine's pool (``MediaSocketPool``): given back, not to be given back again.
  var parked = false
  /// The engine's readiness set it is in: it stays there between streams (and while it rests in
  /// the pool) and leaves it in ``close()``.
  weak var watchedBy: ReadinessSet?
  /// The kernel stamps what it receives (``DatagramArrival``): the pool's sockets ask for it.
  var stampsArrivals = false
  /// Taken from the pool at this wall-clock time (``MediaSocketPool``): until a datagram that
  /// arrived later is read (or nothing waits), what arrived before it is an old call's and the
  /// stream drops it unread. Nil: nothing to drop. On the media loop.
  var staleBefore: UInt64?

  private init(descriptor: CInt, localAddress: SocketAddress?) {
    self.descriptor = descriptor
    self.localAddress = localAddress
  }

  // Not `close()`: the last reference may go on any thread, and the readiness set is the loop's.
  // Closing the descriptor takes it out of the kernel's set anyway (no other copy is open).
  deinit { if isOpen { _ = closeRawDescriptor(descriptor) } }

  /// A non-blocking socket bound to `host:port` (a numeric address or a name resolved here).
  static func open(host: String, port: Int, receiveBufferSize: Int) throws -> RawRTPSocket {
    let address = try MediaEngine.bindAddress(host: host, port: port)
    let descriptor = try BoundDatagramSocket.open(boundTo: address, receiveBufferSize: receiveBufferSize)
    // A port asked for by number is where it is bound: `getsockname` only for port 0.
    return RawRTPSocket(
      descriptor: descriptor, localAddress: port != 0 ? address : boundAddress(of: descriptor))
  }

  /// Asks the kernel to stamp arrivals (one `setsockopt`, when the socket is bound), so that
  /// ``handOut(at:)`` needs no system call.
  func enableArrivalStamps() {
    stampsArrivals = DatagramArrival.enable(descriptor)
  }

  /// Gets it ready for the next call: what waits now is an old call's. Marked with the time when
  /// the kernel stamps arrivals and the engine reads the socket itself (its reads drop what came
  /// before, no system call now), else emptied at once.
  func handOut(at now: UInt64, engineReads: Bool) {
    if stampsArrivals, engineReads {
      staleBefore = now
    } else {
      staleBefore = nil
      MediaSocketPool.drain(descriptor)
    }
  }

  func close() {
    guard isOpen else { return }
    isOpen = false
    watchedBy?.remove(descriptor)
    watchedBy = nil
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
