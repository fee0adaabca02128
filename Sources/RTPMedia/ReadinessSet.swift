#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// RTP sockets the engine reads itself, in one epoll set of the engine's own
/// (``MediaEngineConfiguration/pollsOnTick``): the tick asks once which sockets have datagrams
/// waiting (`epoll_wait` with a zero timeout) and reads only those, so a polled engine costs one
/// system call per tick plus one `recvmmsg` per socket that received, not one `recvmmsg` per
/// stream per tick whatever arrived. The same class is the set a ``ReadinessWaiter`` thread waits on
/// for the engine's own RTP sockets when they are read on readability. NIO never sees these
/// readiness events: the set is not registered with its selector.
///
/// Linux only (epoll, reached through the C library's symbols since Swift's Glibc module does not
/// show them); elsewhere ``make(capacity:)`` returns nil and the tick reads every polled stream.
/// Used on the media loop, except ``wait(timeout:)``, which a ``ReadinessWaiter`` thread calls.
final class ReadinessSet: @unchecked Sendable {
  // @unchecked: the loop adds and removes, one ReadinessWaiter thread waits; `events` is read by
  // the loop only between the waiter's hand-off and its resume (ReadinessWaiter.swift).
  private typealias Create = @convention(c) (CInt) -> CInt
  private typealias Control = @convention(c) (CInt, CInt, CInt, UnsafeMutableRawPointer?) -> CInt
  private typealias Wait = @convention(c) (CInt, UnsafeMutableRawPointer?, CInt, CInt) -> CInt

  private struct Calls {
    let create: Create
    let control: Control
    let wait: Wait
  }

  private static let calls: Calls? = {
    #if os(Linux)
      let library = UnsafeMutableRawPointer(bitPattern: 0)
      guard let create = dlsym(library, "epoll_create1"), let control = dlsym(library, "epoll_ctl"),
        let wait = dlsym(library, "epoll_wait")
      else { return nil }
      return Calls(
        create: unsafeBitCast(create, to: Create.self), control: unsafeBitCast(control, to: Control.self),
        wait: unsafeBitCast(wait, to: Wait.self))
    #else
      return nil
    #endif
  }()

  // <sys/epoll.h>: struct epoll_event { uint32_t events; epoll_data_t data; }, packed on x86-64
  // (12 octets), naturally aligned elsewhere (16).
  #if arch(x86_64)
    private static let eventSize = 12
    private static let dataOffset = 4
  #else
    private static let eventSize = 16
    private static let dataOffset = 8
  #endif
  private static let controlAdd: CInt = 1  // EPOLL_CTL_ADD
  private static let controlDelete: CInt = 2  // EPOLL_CTL_DEL
  private static let readable: UInt32 = 0x001  // EPOLLIN
  private static let closeOnExec: CInt = 0o2_000_000  // EPOLL_CLOEXEC == O_CLOEXEC

  private let calls: Calls
  private let descriptor: CInt
  /// Events returned by one `epoll_wait`.
  let capacity: Int
  private let events: UnsafeMutableRawBufferPointer

  /// A new, empty set; nil where epoll is missing or the kernel refused one.
  static func make(capacity: Int = 512) -> ReadinessSet? {
    guard let calls else { return nil }
    let descriptor = calls.create(closeOnExec)
    guard descriptor >= 0 else { return nil }
    return ReadinessSet(calls: calls, descriptor: descriptor, capacity: max(capacity, 1))
  }

  private init(calls: Calls, descriptor: CInt, capacity: Int) {
    self.calls = calls
    self.descriptor = descriptor
    self.capacity = capacity
    events = .allocate(byteCount: capacity * Self.eventSize, alignment: 8)
  }

  private var isClosed = false
  /// Descriptors in the set (added and not removed since). On the loop only.
  private var members: Set<CInt> = []

  deinit {
    closeNow()
    events.deallocate()
  }

  /// Closes the epoll descriptor now (once); the set reports nothing afterwards.
  func closeNow() {
    guard !isClosed else { return }
    isClosed = true
    close(descriptor)
  }

  /// Watches `socket` for datagrams; `token` comes back from ``forEachReady(rounds:_:)``.
  /// False when the kernel refused (the caller then reads that socket on every tick).
  func add(_ socket: CInt, token: Int) -> Bool {
    guard !isClosed else { return false }
    var event = [UInt8](repeating: 0, count: Self.eventSize)
    event.withUnsafeMutableBytes { raw in
      raw.storeBytes(of: Self.readable, toByteOffset: 0, as: UInt32.self)
      raw.storeBytes(of: UInt64(UInt(bitPattern: token)), toByteOffset: Self.dataOffset, as: UInt64.self)
    }
    let added =
      event.withUnsafeMutableBytes { calls.control(descriptor, Self.controlAdd, socket, $0.baseAddress) } == 0
    if added { members.insert(socket) }
    return added
  }

  /// Whether `socket` was added and not removed since: a ready token of a descriptor that left the
  /// set is stale (the loop read the batch after the socket closed).
  func contains(_ socket: CInt) -> Bool { members.contains(socket) }

  /// Stops watching `socket` (before it is closed: a closed descriptor leaves the set by itself
  /// only when no other copy of it is open).
  func remove(_ socket: CInt) {
    guard !isClosed, members.remove(socket) != nil else { return }
    var event = [UInt8](repeating: 0, count: Self.eventSize)
    _ = event.withUnsafeMutableBytes { calls.control(descriptor, Self.controlDelete, socket, $0.baseAddress) }
  }

  /// Waits up to `timeout` milliseconds (-1: until one is ready) for watched sockets with datagrams
  /// waiting and leaves their tokens for ``token(at:)``. Returns how many (0: none in time; -1:
  /// an error, `errno` says which, EINTR included). The ``ReadinessWaiter``'s thread calls this
  /// while the loop does not read ``token(at:)``; ``add(_:token:)`` and ``remove(_:)`` may run on
  /// the loop meanwhile (the kernel's set is safe to change while another thread waits on it).
  func wait(timeout: CInt) -> Int {
    Int(calls.wait(descriptor, events.baseAddress, CInt(capacity), timeout))
  }

  /// The token of ready socket `index` of the last ``wait(timeout:)``.
  func token(at index: Int) -> Int {
    let data = events.loadUnaligned(fromByteOffset: index * Self.eventSize + Self.dataOffset, as: UInt64.self)
    return Int(bitPattern: UInt(data))
  }

  /// Calls `body` with the token of every watched socket that has datagrams waiting now, without
  /// waiting. Asks again while a full batch came back, at most `rounds` times (epoll is
  /// level-triggered: a socket `body` did not drain is reported again on the next call).
  func forEachReady(rounds: Int, _ body: (Int) -> Void) {
    var round = 0
    while round < max(rounds, 1) {
      round += 1
      let count = calls.wait(descriptor, events.baseAddress, CInt(capacity), 0)
      guard count > 0 else { return }
      for index in 0..<Int(count) { body(token(at: index)) }
      if Int(count) < capacity { return }
    }
  }
}
