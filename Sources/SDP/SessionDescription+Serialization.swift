// Writing a session description back to text.

extension SessionDescription {
  /// The description as text. Lines keep the terminator and trailing whitespace they were parsed
  /// with, so an unmodified description comes out byte for byte; lines built in code end with
  /// ``lineEnding``.
  public func asString() -> String {
    var text = ""
    let all = lines + media.flatMap { [$0.mediaLine] + $0.lines }
    for (index, line) in all.enumerated() {
      text += "\(line.type)=\(line.value)\(line.trailingWhitespace)"
      let terminator = line.terminator ?? lineEnding
      // A line parsed as the last one (no terminator) that is no longer last gets one.
      text += terminator.isEmpty && index < all.count - 1 ? lineEnding : terminator
    }
    return text + trailer
  }

  /// UTF-8 bytes of ``asString()``, for a message body.
  public var bytes: [UInt8] { Array(asString().utf8) }

  public var description: String { asString() }
}
