#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A ``WAVSink`` over a file descriptor, with `pwrite(2)`: the thin I/O adapter for
/// ``WAVWriter``. Creates or truncates the file. Closes it on ``close()`` or deinit.
///
/// Not thread-safe.
public final class FileWAVSink: WAVSink {
  /// A failed system call and its errno.
  public struct SystemError: Error, Hashable, Sendable {
    public var operation: String
    public var errno: Int32
  }

  private var descriptor: Int32

  public init(path: String) throws {
    descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw SystemError(operation: "open \(path)", errno: errno) }
  }

  public func write(_ bytes: [UInt8], at offset: UInt64) throws {
    var done = 0
    while done < bytes.count {
      let written = bytes.withUnsafeBytes { raw -> Int in
        guard let base = raw.baseAddress else { return 0 }
        return pwrite(descriptor, base + done, raw.count - done, off_t(offset) + off_t(done))
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw SystemError(operation: "pwrite", errno: errno)
      }
      done += written
    }
  }

  public func close() {
    if descriptor >= 0 {
      #if canImport(Glibc)
        _ = Glibc.close(descriptor)
      #else
        _ = Darwin.close(descriptor)
      #endif
      descriptor = -1
    }
  }

  deinit { close() }
}

@available(*, unavailable)
extension FileWAVSink: Sendable {}
