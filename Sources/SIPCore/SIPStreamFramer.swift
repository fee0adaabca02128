/// Cuts SIP messages out of a byte stream (TCP, TLS; RFC 3261 §18.3, §7.5).
///
/// Feed it what the socket delivered, then take messages until it answers nil:
///
/// ```swift
/// var framer = SIPStreamFramer()
/// framer.append(bytesFromSocket)
/// while let message = try framer.next() { handle(message) }
/// ```
///
/// It handles partial reads and several messages in one read, skips CRLF keep-alives between
/// messages (RFC 5626 §3.5.1), requires Content-Length (RFC 3261 §18.3: on a stream its absence
/// makes the message end unknowable) and never holds more than `maxHeaderBytes + maxBodyBytes`
/// of one message: a header section or body beyond the caps is an error. After an error the
/// stream's framing is lost; every later `next()` throws the same error and the connection
/// should be closed (after a 400 where one can still be sent, RFC 3261 §18.3).
///
/// A value type: one framer per connection, owned by whoever reads that connection.
public struct SIPStreamFramer: Sendable {
  public let maxHeaderBytes: Int
  public let maxBodyBytes: Int
  var buffer: [UInt8] = []
  var readIndex = 0
  /// Where the search for the end of the header section resumes (no byte is scanned twice).
  var scanIndex = 0
  /// The message being received once its header section is complete.
  var pending: (end: Int, bodyLength: Int)?
  var failure: SIPParseError?
  /// The complete header section of the message whose framing failed, when the failure came
  /// after it (a missing Content-Length, a body over the cap, a bad header line): what a
  /// transport needs to answer 400 or 413 before closing. Nil otherwise.
  public private(set) var failedHeaderSection: [UInt8]?

  public init(maxHeaderBytes: Int = 65_536, maxBodyBytes: Int = 1_048_576) {
    self.maxHeaderBytes = max(64, maxHeaderBytes)
    self.maxBodyBytes = max(0, maxBodyBytes)
  }

  /// Bytes received and not yet returned as messages.
  public var bufferedByteCount: Int { buffer.count - readIndex }

  /// Adds bytes read from the stream. Call ``next()`` until it answers nil after each append:
  /// the framer keeps at most `2 × (maxHeaderBytes + maxBodyBytes)` bytes, and input beyond that
  /// is not kept — the framer fails instead (reported by the next ``next()``).
  public mutating func append(_ bytes: some Collection<UInt8>) {
    guard failure == nil else { return }
    guard buffer.count - readIndex + bytes.count <= 2 * (maxHeaderBytes + maxBodyBytes) else {
      fail(SIPParseError(reason: "more than \(2 * (maxHeaderBytes + maxBodyBytes)) bytes buffered"))
      return
    }
    buffer.append(contentsOf: bytes)
  }

  mutating func fail(_ error: SIPParseError) {
    failure = error
    buffer = []
    readIndex = 0
    scanIndex = 0
    pending = nil
  }

  /// The next complete message, or nil when more bytes are needed.
  ///
  /// - Throws: ``SIPParseError`` for a malformed header section, a missing Content-Length, a header
  ///   section over `maxHeaderBytes` or a body over `maxBodyBytes`.
  public mutating func next() throws(SIPParseError) -> SIPMessage? {
    if let failure { throw failure }
    if pending == nil {
      // Keep-alives (CRLF, or CRLFCRLF pings) between messages, RFC 5626 §3.5.1, RFC 3261 §7.5.
      while readIndex < buffer.count, buffer[readIndex] == 0x0D || buffer[readIndex] == 0x0A {
        readIndex += 1
      }
      if readIndex == buffer.count {
        compact()
        return nil
      }
      guard let headerEnd = findHeaderEnd() else {
        if buffer.count - readIndex > maxHeaderBytes {
          fail(SIPParseError(reason: "header section larger than \(maxHeaderBytes) bytes"))
          throw failure!
        }
        return nil
      }
      guard headerEnd - readIndex <= maxHeaderBytes else {
        fail(SIPParseError(reason: "header section larger than \(maxHeaderBytes) bytes"))
        throw failure!
      }
      let limits = SIPMessage.Limits(maxBodyBytes: maxBodyBytes)
      let start = readIndex
      let result = buffer.withUnsafeBufferPointer { all in
        Result { () throws(SIPParseError) -> SIPMessage.Head in
          try SIPMessage.parseHead(UnsafeBufferPointer(rebasing: all[start..<headerEnd]), limits: limits)
        }
      }
      let head: SIPMessage.Head
      switch result {
      case .success(let h): head = h
      case .failure(let error):
        failedHeaderSection = Array(buffer[start..<headerEnd])
        fail(error)
        throw error
      }
      guard let length = head.contentLength else {
        failedHeaderSection = Array(buffer[start..<headerEnd])
        fail(SIPParseError(reason: "Content-Length is required on stream transports (RFC 3261 §18.3)"))
        throw failure!
      }
      pending = (headerEnd + length, length)
    }
    guard let (end, _) = pending, end <= buffer.count else { return nil }
    let message: SIPMessage
    do {
      message = try SIPMessage.parse(
        buffer[readIndex..<end], limits: SIPMessage.Limits(maxBodyBytes: maxBodyBytes))
    } catch {
      fail(error)
      throw error
    }
    readIndex = end
    scanIndex = end
    pending = nil
    compact()
    return message
  }

  /// Index just after the empty line ending the header section (CRLFCRLF, or LF LF), or nil.
  mutating func findHeaderEnd() -> Int? {
    var i = max(readIndex, scanIndex - 3)
    let n = buffer.count
    while i < n {
      if buffer[i] == 0x0A {
        if i + 1 < n, buffer[i + 1] == 0x0A { return i + 2 }
        if i + 2 < n, buffer[i + 1] == 0x0D, buffer[i + 2] == 0x0A { return i + 3 }
      }
      i += 1
    }
    scanIndex = n
    return nil
  }

  /// Drops consumed bytes once they are the larger part of the buffer.
  mutating func compact() {
    if readIndex == buffer.count {
      buffer.removeAll(keepingCapacity: buffer.capacity <= 65_536)
      readIndex = 0
      scanIndex = 0
    } else if readIndex > 4096, readIndex > buffer.count / 2 {
      buffer.removeSubrange(0..<readIndex)
      scanIndex -= readIndex
      pending = pending.map { ($0.end - readIndex, $0.bodyLength) }
      readIndex = 0
    }
  }
}
