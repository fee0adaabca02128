// Character classes of RFC 3261 §25.1 and RFC 3986 §2, as one byte table, and small helpers that
// the parsers share. Everything works on bytes: no String is made until a caller asks for one.

/// Character classes of the SIP grammar (RFC 3261 §25.1), looked up in one 256-entry table.
enum SIPGrammar {
  static let token: UInt16 = 1 << 0
  static let unreserved: UInt16 = 1 << 1
  /// `user-unreserved` of RFC 3261 §25.1: & = + $ , ; ? /
  static let userUnreserved: UInt16 = 1 << 2
  /// `param-unreserved`: [ ] / : & + $
  static let paramUnreserved: UInt16 = 1 << 3
  /// `hnv-unreserved`: [ ] / ? : + $
  static let headerUnreserved: UInt16 = 1 << 4
  /// Password characters beyond `unreserved`: & = + $ ,
  static let passwordExtra: UInt16 = 1 << 5
  /// Scheme characters after the first letter (RFC 3986 §3.1): ALPHA DIGIT + - .
  static let schemeChar: UInt16 = 1 << 6
  /// `word` of RFC 3261 §25.1 (Call-ID).
  static let word: UInt16 = 1 << 7
  static let hexDigit: UInt16 = 1 << 8
  static let alpha: UInt16 = 1 << 9
  static let digit: UInt16 = 1 << 10
  /// `reserved` of RFC 3261 §25.1: ; / ? : @ & = + $ ,
  static let reserved: UInt16 = 1 << 11

  /// The bytes of each class as two 64-bit masks (bytes 0–63, 64–127); no class holds a byte
  /// above 127. Constants rather than a table built at first use: every read of a lazily built
  /// global went through `swift_once`, 278 times per call in `SIPScanner.take` alone
  /// (docs/benchmarks-transactions.md, round 7). `GrammarClassTests` checks each mask against
  /// the class's definition above.
  @inline(__always) static func masks(_ flags: UInt16) -> (low: UInt64, high: UInt64) {
    var low: UInt64 = 0
    var high: UInt64 = 0
    if flags & token != 0 { low |= 0x03ff_6ca2_0000_0000; high |= 0x47ff_ffff_87ff_fffe }
    if flags & unreserved != 0 { low |= 0x03ff_6782_0000_0000; high |= 0x47ff_fffe_87ff_fffe }
    if flags & userUnreserved != 0 { low |= 0xa800_9850_0000_0000 }
    if flags & paramUnreserved != 0 { low |= 0x0400_8850_0000_0000; high |= 0x0000_0000_2800_0000 }
    if flags & headerUnreserved != 0 { low |= 0x8400_8810_0000_0000; high |= 0x0000_0000_2800_0000 }
    if flags & passwordExtra != 0 { low |= 0x2000_1850_0000_0000 }
    if flags & schemeChar != 0 { low |= 0x03ff_6800_0000_0000; high |= 0x07ff_fffe_07ff_fffe }
    if flags & word != 0 { low |= 0xd7ff_efa6_0000_0000; high |= 0x6fff_ffff_bfff_fffe }
    if flags & hexDigit != 0 { low |= 0x03ff_0000_0000_0000; high |= 0x0000_007e_0000_007e }
    if flags & alpha != 0 { high |= 0x07ff_fffe_07ff_fffe }
    if flags & digit != 0 { low |= 0x03ff_0000_0000_0000 }
    if flags & reserved != 0 { low |= 0xac00_9850_0000_0000; high |= 0x0000_0000_0000_0001 }
    return (low, high)
  }

  /// Whether `byte` is in the class of the masks ``masks(_:)`` gave.
  @inline(__always) static func `is`(_ byte: UInt8, in masks: (low: UInt64, high: UInt64)) -> Bool {
    if byte < 64 { return masks.low >> UInt64(byte) & 1 != 0 }
    if byte < 128 { return masks.high >> UInt64(byte &- 64) & 1 != 0 }
    return false
  }

  /// `masks` with `byte` (< 128) added: a class and a few single characters in one test.
  @inline(__always) static func adding(_ byte: UInt8, to masks: (low: UInt64, high: UInt64)) -> (
    low: UInt64, high: UInt64
  ) {
    byte < 64
      ? (masks.low | 1 << UInt64(byte), masks.high) : (masks.low, masks.high | 1 << UInt64(byte &- 64))
  }

  /// The bytes of a hostname or IPv4 address: ALPHA DIGIT "-" "." "_" (RFC 3261 §25.1, with the
  /// underscore the parser has always let through).
  static var hostMasks: (low: UInt64, high: UInt64) {
    @inline(__always) get {
      adding(
        UInt8(ascii: "_"),
        to: adding(UInt8(ascii: "."), to: adding(UInt8(ascii: "-"), to: masks(alpha | digit))))
    }
  }

  @inline(__always) static func `is`(_ byte: UInt8, _ flag: UInt16) -> Bool {
    `is`(byte, in: masks(flag))
  }

  /// `token` membership as a 128-bit mask test: no memory access, for the parser's hot loops.
  @inline(__always) static func isTokenByte(_ b: UInt8) -> Bool {
    if b < 64 { return (0x03ff_6ca2_0000_0000 as UInt64) >> UInt64(b) & 1 != 0 }
    if b < 128 { return (0x47ff_ffff_87ff_fffe as UInt64) >> UInt64(b &- 64) & 1 != 0 }
    return false
  }

  @inline(__always) static func isDigitByte(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

  @inline(__always) static func isAlphaByte(_ b: UInt8) -> Bool { (b | 0x20) &- 0x61 < 26 }

  @inline(__always) static func isHexDigitByte(_ b: UInt8) -> Bool {
    b &- 0x30 < 10 || (b | 0x20) &- 0x61 < 6
  }

  @inline(__always) static func isWSP(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }

  /// SP, HTAB, CR or LF: what linear white space (LWS, RFC 3261 §25.1) is made of once a folded
  /// header value is seen as one string.
  @inline(__always) static func isLWS(_ byte: UInt8) -> Bool {
    byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
  }

  /// Whether every byte of `bytes` is a `token` character and there is at least one.
  static func isToken(_ bytes: some Collection<UInt8>) -> Bool {
    guard !bytes.isEmpty else { return false }
    // Contiguous bytes (a native String's UTF-8) in a plain loop: the Via parse checks every
    // branch, and iterating a UTF8View cost ~1,000 instructions for a 25-byte branch
    // (docs/benchmarks-transactions.md, round 6).
    // A plain loop over the mask test: `allSatisfy(isTokenByte)` called the test per byte.
    if let fast = bytes.withContiguousStorageIfAvailable({ buffer -> Bool in
      for b in buffer where !isTokenByte(b) { return false }
      return true
    }) {
      return fast
    }
    for b in bytes where !isTokenByte(b) { return false }
    return true
  }

  static func isToken(_ text: String) -> Bool { isToken(text.utf8) }

  @inline(__always) static func lowercased(_ byte: UInt8) -> UInt8 {
    byte &- 0x41 < 26 ? byte | 0x20 : byte
  }

  static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }

  /// Case-insensitive ASCII comparison of two byte sequences.
  static func equalsIgnoringCase(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
    guard a.count == b.count else { return false }
    // Contiguous bytes (native Strings' UTF-8, arrays) compare in a plain loop: this runs for
    // every parameter lookup, and a zip of two UTF8View iterators cost ~10x more (profiled in
    // docs/benchmarks-transactions.md).
    let fast = a.withContiguousStorageIfAvailable { x in
      b.withContiguousStorageIfAvailable { y in
        for i in 0..<x.count where x[i] != y[i] && lowercased(x[i]) != lowercased(y[i]) { return false }
        return true
      }
    }
    if let fast, let result = fast { return result }
    return zip(a, b).allSatisfy { lowercased($0) == lowercased($1) }
  }

  /// Decodes `%HH` escapes (RFC 3986 §2.1). Returns nil when a `%` is not followed by two hex
  /// digits. The result may hold any byte, NUL included (RFC 4475 §3.1.1.4).
  static func unescape(_ bytes: some Collection<UInt8>) -> [UInt8]? {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var iterator = bytes.makeIterator()
    while let b = iterator.next() {
      if b == UInt8(ascii: "%") {
        guard let h = iterator.next(), let l = iterator.next(), let hv = hexValue(h), let lv = hexValue(l)
        else { return nil }
        out.append(hv << 4 | lv)
      } else {
        out.append(b)
      }
    }
    return out
  }

  /// Escapes every byte of `text` that is not `unreserved` and not in `allowed`.
  static func escape(_ text: String, allowing allowed: UInt16) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    out.reserveCapacity(text.utf8.count)
    let kept = masks(unreserved | allowed)
    for b in text.utf8 {
      if `is`(b, in: kept) {
        out.append(b)
      } else {
        out.append(UInt8(ascii: "%"))
        out.append(hex[Int(b >> 4)])
        out.append(hex[Int(b & 0x0F)])
      }
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The text as a quoted-string (RFC 3261 §25.1), escaping `"` and `\`.
  static func quote(_ text: String) -> String {
    var out = "\""
    for ch in text {
      if ch == "\"" || ch == "\\" { out.append("\\") }
      out.append(ch)
    }
    out.append("\"")
    return out
  }

  /// Parses a non-negative decimal number of at most `limit`; nil on anything else.
  static func decimal(_ bytes: some Collection<UInt8>, limit: UInt64) -> UInt64? {
    guard !bytes.isEmpty else { return nil }
    var value: UInt64 = 0
    for b in bytes {
      let d = b &- UInt8(ascii: "0")
      guard d < 10 else { return nil }
      let (m, o1) = value.multipliedReportingOverflow(by: 10)
      let (s, o2) = m.addingReportingOverflow(UInt64(d))
      guard !o1, !o2, s <= limit else { return nil }
      value = s
    }
    return value
  }

  /// Appends the decimal digits of `value` (as `String(value)` writes them) to `bytes`.
  static func appendDecimal(_ value: Int, to bytes: inout [UInt8]) {
    if value < 0 { bytes.append(UInt8(ascii: "-")) }
    var magnitude = value.magnitude
    let start = bytes.count
    repeat {
      bytes.append(UInt8(ascii: "0") + UInt8(magnitude % 10))
      magnitude /= 10
    } while magnitude > 0
    // Reversed by swapping: reversing the slice `bytes[start...]` in place cost ~800
    // instructions per call (docs/benchmarks-transactions.md, round 6).
    var i = start
    var j = bytes.count - 1
    while i < j {
      bytes.swapAt(i, j)
      i += 1
      j -= 1
    }
  }
}
