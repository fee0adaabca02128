#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// When the kernel received a datagram (`SO_TIMESTAMPNS`, wall clock, nanoseconds since 1970), for
/// the sockets that ask for it: RTCP (round trips, RFC 3550 §6.4.1, without the tick's wait) and
/// the RTP and RTCP sockets of the pool (``MediaSocketPool``), whose first reads after a hand-out
/// drop what arrived before it instead of a `recv` at every hand-out. Linux only; elsewhere no
/// stamps (``enable(_:)`` is false).
enum DatagramArrival {
  #if os(Linux)
    // <asm-generic/socket.h>: SO_TIMESTAMPNS (SO_TIMESTAMPNS_OLD), also the control message's
    // type; a 64-bit timespec follows a cmsghdr (length, level, type) of 16 octets.
    static let timestampOption: CInt = 35
  #endif

  /// Room for the stamp's control message (a cmsghdr and a timespec: 32 octets) with spare.
  static let controlSize = 64

  /// Asks the kernel to stamp the datagrams `descriptor` receives; false when it refused (or
  /// where stamps do not exist).
  @discardableResult
  static func enable(_ descriptor: CInt) -> Bool {
    #if os(Linux)
      var on: CInt = 1
      return setsockopt(descriptor, SOL_SOCKET, timestampOption, &on, socklen_t(MemoryLayout<CInt>.size)) == 0
    #else
      return false
    #endif
  }

  /// The stamp in a received message's control data (`length` octets of `control`), if any.
  static func stamp(in control: UnsafeRawBufferPointer, length: Int) -> UInt64? {
    #if os(Linux)
      guard MemoryLayout<Int>.size == 8 else { return nil }
      var offset = 0
      let end = min(length, control.count)
      while offset + 16 <= end {
        let messageLength = Int(control.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
        let level = control.loadUnaligned(fromByteOffset: offset + 8, as: CInt.self)
        let type = control.loadUnaligned(fromByteOffset: offset + 12, as: CInt.self)
        guard messageLength >= 16 else { return nil }
        if level == SOL_SOCKET, type == timestampOption, messageLength >= 32, offset + 32 <= end {
          let seconds = control.loadUnaligned(fromByteOffset: offset + 16, as: Int64.self)
          let nanoseconds = control.loadUnaligned(fromByteOffset: offset + 24, as: Int64.self)
          guard seconds >= 0, nanoseconds >= 0 else { return nil }
          return UInt64(seconds) &* 1_000_000_000 &+ UInt64(nanoseconds)
        }
        offset += (messageLength + 7) & ~7
      }
      return nil
    #else
      return nil
    #endif
  }

  /// Whether a datagram stamped `arrival` came before `handedOut` (a socket's hand-out time,
  /// ``MediaEngine/wallClockNanoseconds()``): an old call's, to be dropped. A datagram without a
  /// stamp on a socket that asked for them counts as old (dropping one packet is safer than
  /// giving an old call's packet to a new one).
  @inline(__always) static func isStale(_ arrival: UInt64?, handedOut: UInt64) -> Bool {
    guard let arrival else { return true }
    return arrival < handedOut
  }
}
