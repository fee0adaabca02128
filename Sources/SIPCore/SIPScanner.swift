/// A cursor over the bytes of one header value or URI, used by the typed (lazy) parsers.
///
/// Header values reach it with folding still in place, so "white space" here is LWS: SP, HTAB, CR
/// and LF (RFC 3261 §7.3.1 lets a recipient treat any LWS as one SP).
struct SIPScanner {
  let bytes: [UInt8]
  var index: Int
  let end: Int

  init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil) {
    self.bytes = bytes
    self.index = start
    self.end = end ?? bytes.count
  }

  init(_ text: String) {
    self.init(Array(text.utf8))
  }

  var isAtEnd: Bool { index >= end }

  var peek: UInt8? { index < end ? bytes[index] : nil }

  mutating func skipLWS() {
    while index < end, SIPGrammar.isLWS(bytes[index]) { index += 1 }
  }

  /// Consumes `byte` (after optional LWS on both sides when `lws` is true), or leaves the cursor.
  mutating func consume(_ byte: UInt8, lws: Bool = false) -> Bool {
    let saved = index
    if lws { skipLWS() }
    if index < end, bytes[index] == byte {
      index += 1
      if lws { skipLWS() }
      return true
    }
    index = saved
    return false
  }

  /// Reads the longest run of bytes that belong to `flags`; empty when there are none.
  @inline(__always) mutating func take(_ flags: UInt16) -> ArraySlice<UInt8> {
    let start = index
    let masks = SIPGrammar.masks(flags)
    while index < end, SIPGrammar.is(bytes[index], in: masks) { index += 1 }
    return bytes[start..<index]
  }

  /// Reads the longest run of bytes in `masks` (``SIPGrammar/masks(_:)``).
  @inline(__always) mutating func take(in masks: (low: UInt64, high: UInt64)) -> ArraySlice<UInt8> {
    let start = index
    while index < end, SIPGrammar.is(bytes[index], in: masks) { index += 1 }
    return bytes[start..<index]
  }

  @inline(__always) mutating func take(while predicate: (UInt8) -> Bool) -> ArraySlice<UInt8> {
    let start = index
    while index < end, predicate(bytes[index]) { index += 1 }
    return bytes[start..<index]
  }

  /// A `token`, as a String, or nil when none starts here (a literal for the common words:
  /// ``SIPCommonWords``).
  mutating func token() -> String? {
    let run = take(SIPGrammar.token)
    return run.isEmpty ? nil : SIPCommonWords.string(run)
  }

  /// A quoted-string starting at the cursor (the opening quote included), unescaped.
  /// Throws on a missing closing quote (RFC 4475 §3.1.2.6).
  mutating func quotedString() throws(SIPParseError) -> String {
    guard consume(UInt8(ascii: "\"")) else {
      throw SIPParseError(reason: "expected a quoted-string (RFC 3261 §25.1)")
    }
    var out: [UInt8] = []
    while index < end {
      let b = bytes[index]
      index += 1
      if b == UInt8(ascii: "\"") { return String(decoding: out, as: UTF8.self) }
      if b == UInt8(ascii: "\\") {
        // quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
        guard index < end, bytes[index] != 0x0A, bytes[index] != 0x0D, bytes[index] < 0x80 else {
          throw SIPParseError(reason: "invalid quoted-pair in quoted-string (RFC 3261 §25.1)")
        }
        out.append(bytes[index])
        index += 1
      } else {
        out.append(b)
      }
    }
    throw SIPParseError(reason: "unterminated quoted-string (RFC 3261 §25.1)")
  }

  /// The raw text of a quoted-string, quotes and escapes kept (for round-tripping parameter values).
  mutating func rawQuotedString() throws(SIPParseError) -> String {
    let start = index
    _ = try quotedString()
    return String(decoding: bytes[start..<index], as: UTF8.self)
  }

  /// Skips a comment `( ... )` with nesting and quoted-pairs (RFC 3261 §25.1).
  mutating func skipComment() throws(SIPParseError) {
    guard consume(UInt8(ascii: "(")) else { return }
    var depth = 1
    while index < end {
      let b = bytes[index]
      index += 1
      switch b {
      case UInt8(ascii: "\\"): index += 1
      case UInt8(ascii: "("): depth += 1
      case UInt8(ascii: ")"):
        depth -= 1
        if depth == 0 { return }
      default: break
      }
    }
    throw SIPParseError(reason: "unterminated comment (RFC 3261 §25.1)")
  }

  var rest: ArraySlice<UInt8> { bytes[min(index, end)..<end] }
}
