// Writing a session description back to text.

extension SessionDescription {
  /// The description as text. Lines keep the terminator and trailing whitespace they were parsed
  /// with, so an unmodified description comes out byte for byte; lines built in code end with
  /// ``lineEnding``.
  public func asString() -> String {
    String(decoding: serialized(), as: UTF8.self)
  }

  /// UTF-8 bytes of ``asString()``, for a message body.
  public var bytes: [UInt8] { serialized() }

  /// The text as bytes, written line by line into one buffer (every piece is a String, so the
  /// bytes are valid UTF-8 and ``asString()`` decodes them unchanged).
  private func serialized() -> [UInt8] {
    var capacity = trailer.utf8.count
    for line in lines { capacity += Self.estimatedSize(of: line) }
    for section in media {
      capacity += Self.estimatedSize(of: section.mediaLine)
      for line in section.lines { capacity += Self.estimatedSize(of: line) }
    }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(capacity)
    let total = lines.count + media.reduce(0) { $0 + 1 + $1.lines.count }
    var index = 0
    func write(_ line: SDPLine) {
      if line.asciiType != 0 {
        bytes.append(line.asciiType)
      } else {
        bytes.append(contentsOf: line.type.utf8)
      }
      bytes.append(UInt8(ascii: "="))
      bytes.append(contentsOf: line.value.utf8)
      bytes.append(contentsOf: line.trailingWhitespace.utf8)
      let terminator = line.terminator ?? lineEnding
      // A line parsed as the last one (no terminator) that is no longer last gets one.
      bytes.append(contentsOf: (terminator.isEmpty && index < total - 1 ? lineEnding : terminator).utf8)
      index += 1
    }
    for line in lines { write(line) }
    for section in media {
      write(section.mediaLine)
      for line in section.lines { write(line) }
    }
    bytes.append(contentsOf: trailer.utf8)
    return bytes
  }

  private static func estimatedSize(of line: SDPLine) -> Int {
    line.value.utf8.count + line.trailingWhitespace.utf8.count + 4
  }

  public var description: String { asString() }
}
