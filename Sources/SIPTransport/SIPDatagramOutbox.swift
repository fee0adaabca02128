import DatagramSockets
import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The datagrams the UDP legs send in one loop turn, serialized into one reused arena and sent
/// at the end of the turn straight on the legs' descriptors: one `sendto` for a lone datagram,
/// one `sendmmsg` for a run of datagrams on the same leg (the responses to a burst of requests).
/// No `ByteBuffer`, envelope, promise or pipeline per datagram; nothing is allocated once the
/// arena exists (docs/architecture-transport.md, "Sending").
///
/// ```swift
/// let outbox = SIPDatagramOutbox()
/// outbox.append(leg: leg, descriptor: leg.descriptor, to: address, size: 3) { $0.copyBytes(from: [1, 2, 3]); return 3 }
/// outbox.flush(transient: { entry, bytes in /* socket full: queue in NIO */ }, failed: { entry, errno in })
/// ```
///
/// A datagram the socket cannot take now (EAGAIN, ENOBUFS) is handed back to the caller with
/// the rest of its leg's run, in order, to be queued in NIO (which waits for writability); any
/// other error drops that datagram only (UDP: the transaction's retransmission decides).
///
/// Not thread-safe: owned by the transport's event loop.
final class SIPDatagramOutbox {
  struct Entry {
    let leg: SIPLeg
    let descriptor: CInt
    let address: SocketAddress
    let offset: Int
    let length: Int
  }

  /// Bytes of datagrams one turn can hold before an early flush.
  let arenaCapacity: Int
  /// Datagrams one turn can hold before an early flush (and one `sendmmsg`'s largest vector).
  let entryCapacity: Int
  private let arena: UnsafeMutableRawBufferPointer
  private let headers: UnsafeMutablePointer<MultipleMessageHeader>
  private let vectors: UnsafeMutablePointer<iovec>
  private let names: UnsafeMutablePointer<sockaddr_storage>
  /// The queued datagrams, `count` of them initialized (not an Array: emptying one every turn
  /// went through the generic `replaceSubrange`, ~1,400 instructions per call).
  private let entries: UnsafeMutablePointer<Entry>
  private(set) var count = 0
  private var used = 0
  /// Datagrams sent on a descriptor (counted for tests and benchmarks).
  private(set) var sentDirectly = 0
  /// Errors to pretend the next sends got, first first (tests: EAGAIN, EMSGSIZE without filling
  /// a socket). Each entry stands for one send attempt.
  var simulatedErrors: [CInt] = []

  init(arenaCapacity: Int = 256 * 1024, entryCapacity: Int = 64) {
    self.arenaCapacity = arenaCapacity
    self.entryCapacity = entryCapacity
    arena = .allocate(byteCount: arenaCapacity, alignment: 16)
    headers = .allocate(capacity: entryCapacity)
    vectors = .allocate(capacity: entryCapacity)
    names = .allocate(capacity: entryCapacity)
    entries = .allocate(capacity: entryCapacity)
  }

  deinit {
    entries.deinitialize(count: count)
    entries.deallocate()
    arena.deallocate()
    headers.deallocate()
    vectors.deallocate()
    names.deallocate()
  }

  var isEmpty: Bool { count == 0 }

  /// Whether a datagram of `size` bytes fits now (else flush first; one larger than the whole
  /// arena never fits and goes through NIO).
  func fits(_ size: Int) -> Bool {
    count < entryCapacity && used + size <= arenaCapacity
  }

  /// Queues a datagram of at most `size` bytes that `write` puts into the buffer it is given
  /// (returning how many it wrote, nil for none: nothing is queued then). Call only when
  /// ``fits(_:)``. Returns whether a datagram was queued.
  @discardableResult
  func append(
    leg: SIPLeg, descriptor: CInt, to address: SocketAddress, size: Int,
    _ write: (UnsafeMutableRawBufferPointer) -> Int?
  ) -> Bool {
    let slot = UnsafeMutableRawBufferPointer(rebasing: arena[used..<(used + size)])
    guard let written = write(slot) else { return false }
    let length = min(written, size)
    (entries + count).initialize(
      to: Entry(leg: leg, descriptor: descriptor, address: address, offset: used, length: length))
    count += 1
    // Next datagram 8-aligned (nothing needs it; it keeps each datagram's first bytes in one line).
    used += (length + 7) & ~7
    return true
  }

  /// Sends every queued datagram. `transient` gets, in order, each datagram its socket could not
  /// take now together with the rest of its leg's run; `failed` each one dropped for another
  /// error (errno). The outbox is empty afterwards.
  func flush(
    transient: (Entry, UnsafeRawBufferPointer) -> Void,
    failed: (Entry, CInt) -> Void
  ) {
    let count = self.count
    var index = 0
    while index < count {
      let descriptor = entries[index].descriptor
      var end = index + 1
      while end < count, entries[end].descriptor == descriptor { end += 1 }
      if entries[index].leg.descriptor != descriptor {
        // The leg's channel closed since: its descriptor number may belong to another socket.
        for slot in index..<end { failed(entries[slot], EBADF) }
        index = end
        continue
      }
      var next = index
      while next < end {
        let (sent, code) = send(from: next, to: end, on: descriptor)
        sentDirectly += sent
        next += sent
        guard next < end else { break }
        // A short sendmmsg: the rest is tried again (the next attempt sees its error, if any).
        if code == 0, sent > 0 { continue }
        if SIPDatagramSocket.isTransient(code) {
          for slot in next..<end { transient(entries[slot], bytes(of: entries[slot])) }
          next = end
        } else {
          failed(entries[next], code)
          next += 1
        }
      }
      index = end
    }
    removeAll()
  }

  /// Forgets every queued datagram (the transport is closing).
  func removeAll() {
    entries.deinitialize(count: count)
    count = 0
    used = 0
  }

  func bytes(of entry: Entry) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(rebasing: arena[entry.offset..<(entry.offset + entry.length)])
  }

  /// Sends `entries[start..<end]` (one descriptor): how many left, and errno for the first one
  /// that did not when fewer than all did.
  private func send(from start: Int, to end: Int, on descriptor: CInt) -> (sent: Int, code: CInt) {
    if !simulatedErrors.isEmpty { return (0, simulatedErrors.removeFirst()) }
    if end - start == 1 || MultipleMessages.send == nil {
      let entry = entries[start]
      let result = entry.address.withSockAddr { address, length in
        sendto(descriptor, arena.baseAddress! + entry.offset, entry.length, 0, address, socklen_t(length))
      }
      return result >= 0 ? (1, 0) : (0, errno)
    }
    let vlen = end - start
    for slot in 0..<vlen {
      let entry = entries[start + slot]
      vectors[slot] = iovec(iov_base: arena.baseAddress! + entry.offset, iov_len: entry.length)
      let nameLength = entry.address.withSockAddr { address, length in
        UnsafeMutableRawPointer(names + slot).copyMemory(from: address, byteCount: length)
        return length
      }
      var header = msghdr()
      header.msg_name = UnsafeMutableRawPointer(names + slot)
      header.msg_namelen = socklen_t(nameLength)
      header.msg_iov = vectors + slot
      header.msg_iovlen = 1
      headers[slot] = MultipleMessageHeader(header: header)
    }
    let result = MultipleMessages.send!(descriptor, UnsafeMutableRawPointer(headers), CUnsignedInt(vlen), 0)
    // sendmmsg reports an error only when the first datagram failed; after a short count the
    // caller tries the rest again and sees the error then.
    return result > 0 ? (Int(result), 0) : (0, errno)
  }
}

@available(*, unavailable)
extension SIPDatagramOutbox: Sendable {}
