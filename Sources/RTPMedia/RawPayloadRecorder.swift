#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Net::SIP's OUTPUT format: the payload octets of each received packet, without RTP header,
/// appended to a file (`output.pcmu-8000`). Buffered like ``WAVFileRecorder``.
public final class RawPayloadRecorder: MediaRecorder {
  private var descriptor: Int32
  private var pending: [UInt8] = []
  private let path: String
  public let flushBytes: Int

  public init(path: String, flushBytes: Int = 8000) throws(MediaError) {
    descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard descriptor >= 0 else { throw .file(path: path, operation: "open", errno: errno) }
    self.path = path
    self.flushBytes = max(flushBytes, 1)
  }

  public func record(samples: UnsafeBufferPointer<Int16>, payload: UnsafeRawBufferPointer) throws {
    pending.append(contentsOf: payload)
    if pending.count >= flushBytes { try flush() }
  }

  public func flush() throws(MediaError) {
    var done = 0
    while done < pending.count {
      let written = pending.withUnsafeBytes { raw in
        write(descriptor, raw.baseAddress.map { $0 + done }, raw.count - done)
      }
      if written < 0 {
        if errno == EINTR { continue }
        throw .file(path: path, operation: "write", errno: errno)
      }
      done += written
    }
    pending.removeAll(keepingCapacity: true)
  }

  public func finish() throws {
    guard descriptor >= 0 else { return }
    defer {
      close(descriptor)
      descriptor = -1
    }
    try flush()
  }

  deinit {
    if descriptor >= 0 { close(descriptor) }
  }
}

@available(*, unavailable)
extension RawPayloadRecorder: Sendable {}
