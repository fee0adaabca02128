#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// One thread per engine that blocks in `epoll_wait` on the engine's own RTP sockets
/// (a ``ReadinessSet``) and hands each batch of ready sockets to the media loop, so that those
/// sockets are read on readability without a NIO channel each (NIO has no public way to add a
/// descriptor to its selector). docs/architecture-media.md, "Packet path".
///
/// The hand-off, per batch and not per packet:
/// 1. the thread waits until at least one socket is readable (or the stop descriptor is);
/// 2. it calls `deliver` (the engine's `eventLoop.execute { read the batch }`) and blocks reading
///    the `resume` eventfd: the set is level-triggered, so waiting again before the loop has read
///    the sockets would report the same sockets over and over;
/// 3. the loop reads the batch's sockets (``ReadinessSet/token(at:)``) and calls ``resume()``.
///
/// What the thread and the loop share: the set's descriptor (the kernel's epoll set may be
/// changed by one thread while another waits on it), its event buffer (written by the thread in
/// step 1, read by the loop in step 3 only, while the thread is blocked in step 2), ``readyCount``
/// (idem), and two eventfds. Nothing of the engine's state: the loop alone touches that.
///
/// ``stop()`` (on the loop) wakes the thread wherever it blocks, joins it and closes the
/// descriptors: no thread and no descriptor are left. Linux only (epoll, eventfd, pthread through
/// the C library); elsewhere ``start(capacity:deliver:)`` returns nil and the engine uses NIO
/// channels for its RTP sockets.
final class ReadinessWaiter: @unchecked Sendable {
  // @unchecked: see the hand-off above; `thread` and `isStopped` are touched on the loop only.
  private typealias MakeEventDescriptor = @convention(c) (CUnsignedInt, CInt) -> CInt

  private static let makeEventDescriptor: MakeEventDescriptor? = {
    #if os(Linux)
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "eventfd") else { return nil }
      return unsafeBitCast(symbol, to: MakeEventDescriptor.self)
    #else
      return nil
    #endif
  }()

  private static let closeOnExec: CInt = 0o2_000_000  // EFD_CLOEXEC
  private static let nonBlocking: CInt = 0o4_000  // EFD_NONBLOCK
  /// The token of the stop descriptor in the set (engine tokens are ≥ 0).
  static let stopToken = -1
  /// Written to `resume` to stop: any value this large means "exit" rather than "wait again".
  private static let stopValue: UInt64 = 1 << 40

  let set: ReadinessSet
  /// In the set: readable once ``stop()`` wrote to it.
  private let stopDescriptor: CInt
  /// Blocking eventfd the thread reads in step 2; the loop writes 1 (resume) or `stopValue`.
  private let resumeDescriptor: CInt
  private let deliver: @Sendable () -> Void
  /// Entries of the last wait (step 1), for the loop in step 3.
  private(set) var readyCount = 0
  #if os(Linux)
    private var thread: pthread_t?
  #endif
  private(set) var isStopped = false
  /// Batches handed to the loop (statistics, tests).
  private(set) var batches: UInt64 = 0
  /// The thread's kernel id (`gettid`; 0 where unknown), set before its first hand-off (tests:
  /// /proc/self/task/ID is gone after ``stop()``).
  private(set) var threadID: CInt = 0

  private typealias GetThreadID = @convention(c) () -> CInt
  private static let getThreadID: GetThreadID? = {
    #if os(Linux)
      guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "gettid") else { return nil }
      return unsafeBitCast(symbol, to: GetThreadID.self)
    #else
      return nil
    #endif
  }()

  /// Starts the thread, or returns nil where epoll, eventfd or threads are missing.
  static func start(capacity: Int = 512, deliver: @escaping @Sendable () -> Void) -> ReadinessWaiter? {
    #if os(Linux)
      guard let makeEventDescriptor, let set = ReadinessSet.make(capacity: capacity) else { return nil }
      let stop = makeEventDescriptor(0, closeOnExec | nonBlocking)
      guard stop >= 0 else { return nil }
      let resume = makeEventDescriptor(0, closeOnExec)
      guard resume >= 0 else {
        close(stop)
        return nil
      }
      let waiter = ReadinessWaiter(set: set, stop: stop, resume: resume, deliver: deliver)
      guard set.add(stop, token: stopToken), waiter.spawn() else {
        waiter.closeDescriptors()
        return nil
      }
      return waiter
    #else
      return nil
    #endif
  }

  private init(set: ReadinessSet, stop: CInt, resume: CInt, deliver: @escaping @Sendable () -> Void) {
    self.set = set
    stopDescriptor = stop
    resumeDescriptor = resume
    self.deliver = deliver
  }

  /// The loop has read the batch: the thread may wait again (step 3 → 1).
  func resume() {
    guard !isStopped else { return }
    signal(resumeDescriptor, 1)
  }

  /// Ends the thread and closes the descriptors; idempotent. On the loop. The thread leaves at
  /// once wherever it blocks (both of its waits are woken), so the join takes microseconds.
  func stop() {
    guard !isStopped else { return }
    isStopped = true
    signal(stopDescriptor, 1)
    signal(resumeDescriptor, Self.stopValue)
    #if os(Linux)
      if let thread {
        pthread_join(thread, nil)
        self.thread = nil
      }
    #endif
    closeDescriptors()
  }

  private func closeDescriptors() {
    close(stopDescriptor)
    close(resumeDescriptor)
    set.closeNow()
  }

  private func signal(_ descriptor: CInt, _ value: UInt64) {
    var value = value
    _ = withUnsafeBytes(of: &value) { write(descriptor, $0.baseAddress, 8) }
  }

  #if os(Linux)
    private func spawn() -> Bool {
      var thread = pthread_t()
      let context = Unmanaged.passRetained(self).toOpaque()
      let result = pthread_create(
        &thread, nil,
        { context in
          let waiter = Unmanaged<ReadinessWaiter>.fromOpaque(context!).takeRetainedValue()
          waiter.run()
          return nil
        }, context)
      guard result == 0 else {
        Unmanaged<ReadinessWaiter>.fromOpaque(context).release()
        return false
      }
      self.thread = thread
      return true
    }
  #endif

  /// The thread's loop: wait, hand off, wait for the loop to have read; until stopped.
  private func run() {
    threadID = Self.getThreadID?() ?? 0
    while true {
      let count = set.wait(timeout: -1)
      if count < 0 {
        if errno == EINTR { continue }
        return
      }
      var stopping = false
      for index in 0..<count where set.token(at: index) == Self.stopToken { stopping = true }
      if stopping { return }
      readyCount = count
      batches &+= 1
      deliver()
      var value: UInt64 = 0
      while true {
        let got = withUnsafeMutableBytes(of: &value) { read(resumeDescriptor, $0.baseAddress, 8) }
        if got == 8 { break }
        if got < 0 && errno == EINTR { continue }
        return
      }
      if value >= Self.stopValue { return }
    }
  }
}
