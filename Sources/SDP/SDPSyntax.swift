// Small lexical checks of RFC 8866 §9's grammar, shared by the typed line values.

enum SDPSyntax {
  /// `1*DIGIT` as a number, refusing signs, empty text and values past `limit`.
  static func number(_ text: Substring, max limit: Int = Int.max) -> Int? {
    number(text.utf8, max: limit)
  }

  /// ``number(_:max:)`` on bytes: at most 18 digits, so the value cannot overflow.
  static func number(_ bytes: some Collection<UInt8>, max limit: Int = Int.max) -> Int? {
    var value = 0
    var count = 0
    for byte in bytes {
      guard byte >= 0x30 && byte <= 0x39, count < 18 else { return nil }
      value = value * 10 + Int(byte - 0x30)
      count += 1
    }
    guard count > 0, value <= limit else { return nil }
    return value
  }

  /// `a.lowercased() == b.lowercased()`, without building strings when both are ASCII (every
  /// name a parsed description holds is a token, so ASCII).
  static func equalLowercased(_ a: Substring, _ b: String) -> Bool {
    // The common case: an attribute name against a short ASCII name looked for.
    if let x = packedLowercase(a.utf8), let y = packedLowercase(b.utf8) { return x == y }
    return equalLowercased(a, b[...] as Substring)
  }

  /// Up to 8 ASCII bytes, lowercased, in one integer: 7 bits a byte, then the length (so "a"
  /// and "\0a" differ); nil for longer or non-ASCII text. Two texts that pack compare as
  /// `lowercased() ==` does.
  static func packedLowercase(_ bytes: some Collection<UInt8>) -> UInt64? {
    guard bytes.count <= 8 else { return nil }
    var packed: UInt64 = 0
    for byte in bytes {
      guard byte < 0x80 else { return nil }
      packed = packed << 7 | UInt64(asciiLower(byte))
    }
    return packed << 4 | UInt64(bytes.count)
  }

  static func equalLowercased(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
    switch asciiCaseInsensitiveEqual(contiguous: a, b) ?? asciiCaseInsensitiveEqual(a.utf8, b.utf8) {
    case .some(let equal): equal
    case .none: a.lowercased() == b.lowercased()
    }
  }

  /// `a.uppercased() == b.uppercased()`, likewise (Unicode upper- and lowercasing differ past ASCII).
  static func equalUppercased(_ a: some StringProtocol, _ b: some StringProtocol) -> Bool {
    switch asciiCaseInsensitiveEqual(contiguous: a, b) ?? asciiCaseInsensitiveEqual(a.utf8, b.utf8) {
    case .some(let equal): equal
    case .none: a.uppercased() == b.uppercased()
    }
  }

  /// Whether two byte strings are equal ignoring ASCII case; nil when either holds a non-ASCII
  /// byte (where only Unicode case mapping gives the answer).
  static func asciiCaseInsensitiveEqual(
    _ a: some Collection<UInt8>, _ b: some Collection<UInt8>
  ) -> Bool? {
    var left = a.makeIterator()
    var right = b.makeIterator()
    var equal = true
    while true {
      switch (left.next(), right.next()) {
      case (nil, nil): return equal
      case (let x?, nil):
        guard x < 0x80 else { return nil }
        return allASCII(&left) ? false : nil
      case (nil, let y?):
        guard y < 0x80 else { return nil }
        return allASCII(&right) ? false : nil
      case (let x?, let y?):
        guard x < 0x80, y < 0x80 else { return nil }
        if equal && asciiLower(x) != asciiLower(y) { equal = false }
      }
    }
  }

  /// ``asciiCaseInsensitiveEqual(_:_:)`` on the UTF-8 buffers of native strings (every string
  /// the parser and offer/answer make): nil when either has none.
  static func asciiCaseInsensitiveEqual(contiguous a: some StringProtocol, _ b: some StringProtocol) -> Bool??
  {
    a.utf8.withContiguousStorageIfAvailable { left in
      b.utf8.withContiguousStorageIfAvailable { right in
        var isASCII = true
        for byte in left where byte >= 0x80 { isASCII = false }
        for byte in right where byte >= 0x80 { isASCII = false }
        guard isASCII else { return nil }
        guard left.count == right.count else { return false }
        for index in 0..<left.count where asciiLower(left[index]) != asciiLower(right[index]) { return false }
        return true
      }
    } ?? nil
  }

  private static func allASCII(_ iterator: inout some IteratorProtocol<UInt8>) -> Bool {
    while let byte = iterator.next() {
      if byte >= 0x80 { return false }
    }
    return true
  }

  @inline(__always) static func asciiLower(_ byte: UInt8) -> UInt8 {
    byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
  }

  static func isDigits(_ text: Substring) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
  }

  /// RFC 8866 §9 `token`.
  static func isToken(_ text: Substring) -> Bool {
    !text.isEmpty && text.utf8.allSatisfy(isTokenByte)
  }

  static func isTokenByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
      UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."),
      UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"), UInt8(ascii: "{"), UInt8(ascii: "|"),
      UInt8(ascii: "}"), UInt8(ascii: "~"):
      true
    default: false
    }
  }

  /// A positive decimal number such as `20` or `0.5` (ptime, maxptime).
  static func positiveDecimal(_ text: Substring) -> Double? {
    let parts = split(text, at: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
    guard let whole = parts.first, isDigits(whole), whole.utf8.count <= 9 else { return nil }
    if parts.count == 2 { guard isDigits(parts[1]), parts[1].utf8.count <= 9 else { return nil } }
    guard let value = Double(text), value > 0 else { return nil }
    return value
  }

  /// Four dot-separated numbers 0-255, each of one to three digits.
  static func isIPv4(_ text: Substring) -> Bool { isIPv4(bytes: text.utf8) }

  /// ``isIPv4(_:)`` on the bytes of a value.
  static func isIPv4(bytes: some Sequence<UInt8>) -> Bool {
    var parts = 0
    var digits = 0
    var value = 0
    for byte in bytes {
      if byte == UInt8(ascii: ".") {
        guard digits > 0, value <= 255 else { return false }
        parts += 1
        digits = 0
        value = 0
      } else {
        guard byte >= 0x30 && byte <= 0x39, digits < 3 else { return false }
        value = value * 10 + Int(byte - 0x30)
        digits += 1
      }
    }
    return parts == 3 && digits > 0 && value <= 255
  }

  /// RFC 4291 §2.2 text forms, including `::` compression and a trailing IPv4 part.
  static func isIPv6(_ text: Substring) -> Bool {
    guard text.utf8.count >= 2, text.utf8.count <= 45 else { return false }
    let halves = text.split(separator: "::", omittingEmptySubsequences: false)
    guard halves.count <= 2 else { return false }
    var groups = 0
    for (halfIndex, half) in halves.enumerated() {
      if half.isEmpty { continue }
      let parts = half.split(separator: ":", omittingEmptySubsequences: false)
      for (index, part) in parts.enumerated() {
        let isLastOverall = halfIndex == halves.count - 1 && index == parts.count - 1
        if isLastOverall && part.contains(".") {
          guard isIPv4(part) else { return false }
          groups += 2
        } else {
          guard (1...4).contains(part.utf8.count), part.utf8.allSatisfy(isHexByte) else { return false }
          groups += 1
        }
      }
    }
    return halves.count == 2 ? groups <= 7 : groups == 8
  }

  static func isHexByte(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x30...0x39, 0x41...0x46, 0x61...0x66: true
    default: false
    }
  }

  /// RFC 8866 §9 `FQDN` (liberal: letters, digits, `-` and `.`).
  static func isHostName(_ text: Substring) -> Bool {
    !text.isEmpty
      && text.utf8.allSatisfy {
        switch $0 {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, UInt8(ascii: "-"), UInt8(ascii: "."): true
        default: false
        }
      }
  }

  /// Splits on runs of spaces (liberal: RFC 8866 wants exactly one).
  static func fields(_ text: some StringProtocol) -> [Substring] {
    split(Substring(text), at: UInt8(ascii: " "), omittingEmptySubsequences: true)
  }

  /// `text.split(separator: Character(separator), maxSplits:, omittingEmptySubsequences:)`, on
  /// bytes when the text is ASCII: there every byte is a Character of its own (CR LF, the one
  /// pair that is not, holds no separator we split on), so the pieces are the same. Other text
  /// takes the Character path.
  static func split(
    _ text: Substring, at separator: UInt8, maxSplits: Int = Int.max, omittingEmptySubsequences: Bool
  ) -> [Substring] {
    let utf8 = text.utf8
    guard utf8.allSatisfy({ $0 < 0x80 }) else {
      return text.split(
        separator: Character(Unicode.Scalar(separator)), maxSplits: maxSplits,
        omittingEmptySubsequences: omittingEmptySubsequences)
    }
    // The standard library's algorithm (Collection.split), step for step.
    var result: [Substring] = []
    var start = utf8.startIndex
    func append(upTo end: String.Index) -> Bool {
      if start == end && omittingEmptySubsequences { return false }
      result.append(text[start..<end])
      return true
    }
    if maxSplits == 0 || utf8.isEmpty {
      _ = append(upTo: utf8.endIndex)
      return result
    }
    var end = start
    while end != utf8.endIndex {
      if utf8[end] == separator {
        let appended = append(upTo: end)
        end = utf8.index(after: end)
        start = end
        if appended && result.count == maxSplits { break }
        continue
      }
      end = utf8.index(after: end)
    }
    if start != utf8.endIndex || !omittingEmptySubsequences {
      result.append(text[start..<utf8.endIndex])
    }
    return result
  }

  /// The address family an address literal belongs to, for `c=`/`o=` lines we write.
  static func addressType(of address: String) -> String {
    // ASCII (every address literal): each byte is a Character, so a byte search finds the colon.
    let hasColon =
      address.utf8.allSatisfy({ $0 < 0x80 })
      ? address.utf8.contains(UInt8(ascii: ":")) : address.contains(":")
    return hasColon ? "IP6" : "IP4"
  }
}

/// Why a line's value does not match its grammar; the parser adds the line.
struct SyntaxProblem: Error, ExpressibleByStringInterpolation {
  let text: String
  init(stringLiteral value: String) { text = value }
  init(stringInterpolation: DefaultStringInterpolation) {
    text = String(stringInterpolation: stringInterpolation)
  }
}
