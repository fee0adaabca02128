#if canImport(Glibc)
  public import Glibc
#elseif canImport(Musl)
  public import Musl
#elseif canImport(Darwin)
  public import Darwin
#endif

/// Glibc's `struct mmsghdr`: a `msghdr` and the length the kernel sent or received for it (the
/// same layout in Swift). The vector element of ``MultipleMessages/send`` and
/// ``MultipleMessages/receive``.
public struct MultipleMessageHeader {
  public var header: msghdr
  public var length: CUnsignedInt

  public init(header: msghdr, length: CUnsignedInt = 0) {
    self.header = header
    self.length = length
  }
}

/// `sendmmsg` and `recvmmsg`: several datagrams in one system call (Linux). Swift's Glibc module
/// does not show them, so they are looked up in the C library by name; `nil` where it has none
/// (other systems), and callers fall back to one `sendto`/NIO read per datagram. Used by the SIP
/// transport's `SIPDatagramOutbox` and the media engine's `DatagramBatch`.
public enum MultipleMessages {
  /// `int sendmmsg(int fd, struct mmsghdr *vector, unsigned int count, int flags)`.
  public typealias Send = @convention(c) (CInt, UnsafeMutableRawPointer?, CUnsignedInt, CInt) -> CInt
  /// `int recvmmsg(int fd, struct mmsghdr *vector, unsigned int count, int flags, struct timespec *timeout)`.
  public typealias Receive =
    @convention(c) (CInt, UnsafeMutableRawPointer?, CUnsignedInt, CInt, UnsafeMutableRawPointer?) -> CInt

  /// `sendmmsg`, when the C library has it.
  public static let send: Send? = symbol("sendmmsg", as: Send.self)
  /// `recvmmsg`, when the C library has it.
  public static let receive: Receive? = symbol("recvmmsg", as: Receive.self)

  private static func symbol<Function>(_ name: String, as type: Function.Type) -> Function? {
    #if os(Linux)
      // The vector's element must have the kernel's layout: a msghdr, then a 4-byte length
      // padded to 8.
      guard MemoryLayout<MultipleMessageHeader>.stride == MemoryLayout<msghdr>.stride + 8,
        let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name)
      else { return nil }
      return unsafeBitCast(address, to: type)
    #else
      return nil
    #endif
  }
}
