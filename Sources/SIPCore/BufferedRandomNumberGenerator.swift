#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The system's random bytes, drawn a few KiB at a time: `SystemRandomNumberGenerator` makes one
/// `getrandom` system call per `next()`, and tags, branches, Call-IDs, SDP session ids and RTP
/// SSRCs were five of them per call (docs/benchmarks-calls.md, "callsys"). This one copies from a
/// process-wide buffer that one `getrandom` of ``bufferSize`` bytes fills, and refills when used
/// up. The bytes are the kernel's own (same quality and distribution as the system generator);
/// each is handed out once.
///
/// Thread-safe: the buffer is behind a lock, so any thread may draw. A child made by `fork()` starts
/// with an empty buffer (a `pthread_atfork` handler), so parent and child never hand out the same
/// bytes.
///
/// ```swift
/// var rng = BufferedRandomNumberGenerator()
/// SIPIdentifiers.tag(using: &rng)
/// let sessionID = BufferedRandomNumberGenerator.random(in: 1...UInt64(Int64.max))
/// ```
public struct BufferedRandomNumberGenerator: RandomNumberGenerator, Sendable {
  /// Bytes fetched per refill.
  public static let bufferSize = 4096

  public init() {}

  public mutating func next() -> UInt64 { RandomBuffer.shared.next() }

  /// `T.random(in: range)` with this generator: for one value, without a `var` at the call site.
  public static func random<T: FixedWidthInteger>(in range: ClosedRange<T>) -> T {
    var rng = BufferedRandomNumberGenerator()
    return T.random(in: range, using: &rng)
  }

  /// How many times the buffer has been filled in this process (tests).
  public static var refills: Int { RandomBuffer.shared.refillCount }
}

/// The process's buffer and its lock (a `pthread_mutex_t`: the fork handlers must lock and unlock it
/// outside a closure).
private final class RandomBuffer: @unchecked Sendable {
  // @unchecked: every field is read and written with `lock` held.
  static let shared = RandomBuffer()

  private let lock: UnsafeMutablePointer<pthread_mutex_t>
  private let bytes: UnsafeMutableRawBufferPointer
  /// Next unused byte; `bytes.count` when empty.
  private var position: Int
  private var refills = 0

  private init() {
    lock = .allocate(capacity: 1)
    lock.initialize(to: pthread_mutex_t())
    pthread_mutex_init(lock, nil)
    bytes = .allocate(byteCount: BufferedRandomNumberGenerator.bufferSize, alignment: 8)
    position = bytes.count
    // Before fork: hold the lock so that no thread is inside; after it, the parent unlocks and the
    // child unlocks with an empty buffer. Registered once (this object lives as long as the
    // process).
    pthread_atfork(
      { RandomBuffer.shared.forkPrepare() }, { RandomBuffer.shared.forkParent() },
      { RandomBuffer.shared.forkChild() })
  }

  var refillCount: Int {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    return refills
  }

  func next() -> UInt64 {
    pthread_mutex_lock(lock)
    defer { pthread_mutex_unlock(lock) }
    if position + 8 > bytes.count { refill() }
    let value = bytes.loadUnaligned(fromByteOffset: position, as: UInt64.self)
    // Never handed out twice.
    bytes.storeBytes(of: 0, toByteOffset: position, as: UInt64.self)
    position += 8
    return value
  }

  /// With `lock` held.
  private func refill() {
    refills += 1
    var filled = 0
    if let fill = systemFill {
      // getrandom returns at most what was asked, possibly less when a signal arrives: go on.
      for _ in 0..<64 where filled < bytes.count {
        let count = fill(bytes.baseAddress! + filled, bytes.count - filled, 0)
        if count > 0 {
          filled += count
        } else if count < 0, errno != EINTR {
          break
        }
      }
    }
    // No getrandom (or it failed): the system generator, 8 bytes per call.
    var system = SystemRandomNumberGenerator()
    while filled + 8 <= bytes.count {
      bytes.storeBytes(of: system.next(), toByteOffset: filled, as: UInt64.self)
      filled += 8
    }
    position = 0
  }

  private func forkPrepare() { pthread_mutex_lock(lock) }

  private func forkParent() { pthread_mutex_unlock(lock) }

  private func forkChild() {
    position = bytes.count
    pthread_mutex_unlock(lock)
  }
}

private typealias Fill = @convention(c) (UnsafeMutableRawPointer?, Int, CUnsignedInt) -> Int

/// `getrandom(2)` from the C library (Swift's Glibc module does not show it); nil elsewhere.
private let systemFill: Fill? = {
  #if os(Linux)
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "getrandom") else { return nil }
    return unsafeBitCast(symbol, to: Fill.self)
  #else
    return nil
  #endif
}()
