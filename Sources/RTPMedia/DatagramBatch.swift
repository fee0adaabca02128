import DatagramSockets
import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// One `recvmmsg` worth of receive buffers, reused for every polled read of an engine
/// (``MediaEngineConfiguration/pollsOnTick``): no allocation per packet, the source address of
/// each datagram kept in its raw form (turned into a `SocketAddress` only when latching needs it).
///
/// Linux only (`recvmmsg`, reached through the C library's symbol since Swift's Glibc module does
/// not show it); elsewhere ``isAvailable`` is false and the engine reads through NIO.
/// Used on the media loop only.
final class DatagramBatch {
  static var isAvailable: Bool { MultipleMessages.receive != nil }

  let capacity: Int
  let slotSize = 2048
  private let data: UnsafeMutableRawBufferPointer
  private let addresses: UnsafeMutableBufferPointer<sockaddr_storage>
  private let vectors: UnsafeMutableBufferPointer<iovec>
  private let headers: UnsafeMutableBufferPointer<MultipleMessageHeader>
  /// Control buffers for arrival stamps (``receive(from:stamped:)``), made at the first stamped read.
  private var controls: UnsafeMutableRawBufferPointer?
  /// The last ``receive(from:stamped:)`` asked for stamps.
  private var lastStamped = false

  init(capacity: Int) {
    self.capacity = max(capacity, 1)
    data = .allocate(byteCount: self.capacity * slotSize, alignment: 16)
    addresses = .allocate(capacity: self.capacity)
    addresses.initialize(repeating: sockaddr_storage())
    vectors = .allocate(capacity: self.capacity)
    vectors.initialize(repeating: iovec())
    headers = .allocate(capacity: self.capacity)
    headers.initialize(repeating: MultipleMessageHeader(header: msghdr()))
  }

  deinit {
    data.deallocate()
    addresses.deallocate()
    vectors.deallocate()
    headers.deallocate()
    controls?.deallocate()
  }

  /// Reads up to ``capacity`` datagrams from the non-blocking `descriptor` with one system call.
  /// Returns how many arrived (0 when none was waiting or on an error). `stamped`: with each
  /// datagram's arrival stamp (``arrival(_:)``; the socket must ask for them, ``DatagramArrival``).
  func receive(from descriptor: CInt, stamped: Bool = false) -> Int {
    guard let receiveMultiple = MultipleMessages.receive else { return 0 }
    let controlSize = DatagramArrival.controlSize
    if stamped, controls == nil {
      controls = .allocate(byteCount: capacity * controlSize, alignment: 8)
    }
    lastStamped = stamped
    for index in 0..<capacity {
      vectors[index] = iovec(iov_base: data.baseAddress! + index * slotSize, iov_len: slotSize)
      var header = msghdr()
      header.msg_name = UnsafeMutableRawPointer(addresses.baseAddress! + index)
      header.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
      header.msg_iov = vectors.baseAddress! + index
      header.msg_iovlen = 1
      if stamped, let controls {
        header.msg_control = controls.baseAddress! + index * controlSize
        header.msg_controllen = controlSize
      }
      headers[index] = MultipleMessageHeader(header: header)
    }
    let count = receiveMultiple(
      descriptor, UnsafeMutableRawPointer(headers.baseAddress), CUnsignedInt(capacity), CInt(MSG_DONTWAIT),
      nil)
    return count > 0 ? Int(count) : 0
  }

  /// The bytes of datagram `index` of the last ``receive(from:)``.
  func datagram(_ index: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: data.baseAddress! + index * slotSize, count: Int(headers[index].length))
  }

  /// When the kernel received datagram `index` of the last ``receive(from:stamped:)`` (wall
  /// clock, nanoseconds since 1970); nil when that read did not ask for stamps or got none.
  func arrival(_ index: Int) -> UInt64? {
    guard lastStamped, let controls else { return nil }
    let control = UnsafeRawBufferPointer(
      rebasing: controls[(index * DatagramArrival.controlSize)..<((index + 1) * DatagramArrival.controlSize)])
    return DatagramArrival.stamp(in: control, length: Int(headers[index].header.msg_controllen))
  }

  /// Whether datagram `index` came from `address`.
  func source(_ index: Int, equals address: PackedAddress) -> Bool {
    address.matches(
      UnsafeRawPointer(addresses.baseAddress! + index), length: headers[index].header.msg_namelen)
  }

  /// The source of datagram `index` as a `SocketAddress`.
  func sourceAddress(_ index: Int) -> SocketAddress? {
    let raw = UnsafeRawPointer(addresses.baseAddress! + index)
    switch CInt(addresses[index].ss_family) {
    case AF_INET: return SocketAddress(raw.load(as: sockaddr_in.self))
    case AF_INET6: return SocketAddress(raw.load(as: sockaddr_in6.self))
    default: return nil
    }
  }
}
