/// The few fields of a SIP response the generator acts on, read straight from the datagram's bytes
/// (no full parse: the generator must stay cheaper than the agent it loads).
struct ScannedResponse {
  var status: Int
  var callID: [UInt8]
  var cseqMethod: [UInt8]
  /// The To tag, or nil when the To header has none.
  var toTag: String?
  /// The Contact URI (RFC 3261 §12.1.2: the remote target of the dialog), or nil.
  var contactURI: String?
  /// The To header value as received (the ACK for a non-2xx final response copies it).
  var toValue: String

  /// Nil when `bytes` is not a SIP/2.0 response or lacks Call-ID, CSeq or To.
  init?(_ bytes: UnsafeRawBufferPointer) {
    let prefix = Array("SIP/2.0 ".utf8)
    guard bytes.count > 12, zip(prefix, bytes).allSatisfy({ $0 == $1 }) else { return nil }
    var status = 0
    for offset in 8..<11 {
      let digit = bytes[offset]
      guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
      status = status * 10 + Int(digit - UInt8(ascii: "0"))
    }
    self.status = status
    var callID: [UInt8]?
    var cseqMethod: [UInt8]?
    var toValue: [UInt8]?
    var contact: [UInt8]?
    var lineStart = Self.nextLine(bytes, from: 0)
    while lineStart < bytes.count {
      let lineEnd = Self.lineEnd(bytes, from: lineStart)
      if lineEnd == lineStart { break }  // the empty line before the body
      if let colon = (lineStart..<lineEnd).first(where: { bytes[$0] == UInt8(ascii: ":") }) {
        let name = Self.lowercased(bytes, lineStart, Self.trimEnd(bytes, lineStart, colon))
        let value = Self.trimmed(bytes, colon + 1, lineEnd)
        switch name {
        case "call-id", "i": callID = value
        case "cseq": cseqMethod = Self.lastWord(value)
        case "to", "t": toValue = value
        case "contact", "m": if contact == nil { contact = value }
        default: break
        }
      }
      lineStart = Self.nextLine(bytes, from: lineEnd)
    }
    guard let callID, let cseqMethod, let toValue else { return nil }
    self.callID = callID
    self.cseqMethod = cseqMethod
    self.toValue = String(decoding: toValue, as: UTF8.self)
    self.toTag = Self.parameter("tag", in: toValue)
    self.contactURI = contact.flatMap(Self.uri(in:))
  }

  /// The index just past the CR LF (or LF) that ends the line containing `from`.
  private static func nextLine(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
    var index = start
    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
    return index + 1
  }

  /// The index of the CR (or LF) that ends the line starting at `start`.
  private static func lineEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
    var index = start
    while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
    if index > start, bytes[index - 1] == UInt8(ascii: "\r") { index -= 1 }
    return index
  }

  private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

  private static func trimEnd(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int {
    var end = end
    while end > start, isSpace(bytes[end - 1]) { end -= 1 }
    return end
  }

  private static func trimmed(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> [UInt8] {
    var start = start
    while start < end, isSpace(bytes[start]) { start += 1 }
    return Array(bytes[start..<trimEnd(bytes, start, end)])
  }

  private static func lowercased(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> String {
    String(decoding: bytes[start..<end].map { $0 >= 65 && $0 <= 90 ? $0 | 0x20 : $0 }, as: UTF8.self)
  }

  private static func lastWord(_ value: [UInt8]) -> [UInt8] {
    guard let space = value.lastIndex(where: isSpace) else { return value }
    return Array(value[(space + 1)...])
  }

  /// The value of `;name=` in a header value, outside the URI's angle brackets.
  static func parameter(_ name: String, in value: [UInt8]) -> String? {
    let start = (value.lastIndex(of: UInt8(ascii: ">")) ?? -1) + 1
    let text = String(decoding: value[start...], as: UTF8.self)
    for part in text.split(separator: ";").dropFirst(start == 0 ? 1 : 0) {
      let pair = part.split(separator: "=", maxSplits: 1)
      if pair.count == 2, pair[0].trimmingSpaces.lowercased() == name {
        return String(pair[1].trimmingSpaces)
      }
    }
    return nil
  }

  /// The URI of a name-addr (`"x" <sip:a@b>;p`) or addr-spec (`sip:a@b;p`) value.
  static func uri(in value: [UInt8]) -> String? {
    if let open = value.firstIndex(of: UInt8(ascii: "<")),
      let close = value[open...].firstIndex(of: UInt8(ascii: ">"))
    {
      return String(decoding: value[(open + 1)..<close], as: UTF8.self)
    }
    let end = value.firstIndex(of: UInt8(ascii: ";")) ?? value.count
    return end > 0 ? String(decoding: value[..<end], as: UTF8.self) : nil
  }
}

extension Substring {
  fileprivate var trimmingSpaces: Substring {
    var text = self
    while text.first == " " || text.first == "\t" { text.removeFirst() }
    while text.last == " " || text.last == "\t" { text.removeLast() }
    return text
  }
}
