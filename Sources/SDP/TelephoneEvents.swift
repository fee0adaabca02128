// The event list of telephone-event's fmtp (RFC 4733 §2.4.1).

/// A set of RFC 4733 event codes, written `0-15` or `0-11,16` in `a=fmtp`.
public struct TelephoneEvents: Sendable, Hashable, CustomStringConvertible {
  /// Event codes 0-255 (RFC 4733 §2.3.5: the event field is 8 bits), one bit each: offer/answer
  /// parses, intersects and writes these once per call.
  private var bits = Bits()

  /// 256 bits inline (an array would be one more allocation per set).
  private struct Bits: Sendable, Hashable {
    var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    subscript(index: Int) -> UInt64 {
      get {
        switch index {
        case 0: words.0
        case 1: words.1
        case 2: words.2
        default: words.3
        }
      }
      set {
        switch index {
        case 0: words.0 = newValue
        case 1: words.1 = newValue
        case 2: words.2 = newValue
        default: words.3 = newValue
        }
      }
    }

    static func == (lhs: Bits, rhs: Bits) -> Bool { lhs.words == rhs.words }

    func hash(into hasher: inout Hasher) {
      hasher.combine(words.0)
      hasher.combine(words.1)
      hasher.combine(words.2)
      hasher.combine(words.3)
    }
  }

  /// Event codes 0-255.
  public var codes: Set<Int> { Set((0...255).filter(contains)) }

  public init(_ codes: some Sequence<Int>) {
    for code in codes where (0...255).contains(code) { insert(code) }
  }

  /// DTMF digits 0-9, *, #, A-D (RFC 4733 §3.2): the default when no fmtp is given (§2.4.1).
  public static let dtmf = TelephoneEvents(0...15)
  /// DTMF plus flash (16), what most phones offer.
  public static let dtmfAndFlash = TelephoneEvents(0...16)

  /// Parses `0-15,66,70`; nil on anything else. Values past 255 are refused, so the work is bounded.
  public init?(parsing text: String) {
    // ASCII text (the usual `0-16`): read on its bytes, where every byte is a Character, with
    // the same splits, trimming and numbers as below.
    if let parsed = text.utf8.withContiguousStorageIfAvailable({ bytes -> TelephoneEvents?? in
      bytes.allSatisfy({ $0 < 0x80 }) ? .some(Self.parsed(ascii: bytes)) : nil
    }), let ascii = parsed {
      guard let ascii else { return nil }
      self = ascii
      return
    }
    for item in SDPSyntax.split(Substring(text), at: UInt8(ascii: ","), omittingEmptySubsequences: false) {
      let bounds = SDPSyntax.split(item, at: UInt8(ascii: "-"), omittingEmptySubsequences: false)
      guard bounds.count <= 2, let low = SDPSyntax.number(bounds[0].trimmingSpaces, max: 255) else {
        return nil
      }
      let high = bounds.count == 2 ? SDPSyntax.number(bounds[1].trimmingSpaces, max: 255) : low
      guard let high, low <= high else { return nil }
      for code in low...high { insert(code) }
    }
  }

  /// Whether `code` is in the set.
  private init() {}

  /// `<low>[-<high>]` items separated by commas, spaces around the numbers allowed.
  private static func parsed(ascii bytes: UnsafeBufferPointer<UInt8>) -> TelephoneEvents? {
    func number(_ range: Range<Int>) -> Int? {
      var (low, high) = (range.lowerBound, range.upperBound)
      while low < high && bytes[low] == UInt8(ascii: " ") { low += 1 }
      while high > low && bytes[high - 1] == UInt8(ascii: " ") { high -= 1 }
      return SDPSyntax.number(bytes[low..<high], max: 255)
    }
    var events = TelephoneEvents()
    var start = 0
    while true {
      var end = start
      while end < bytes.count && bytes[end] != UInt8(ascii: ",") { end += 1 }
      var dash = start
      while dash < end && bytes[dash] != UInt8(ascii: "-") { dash += 1 }
      guard let low = number(start..<dash) else { return nil }
      var high = low
      if dash < end {
        guard !bytes[(dash + 1)..<end].contains(UInt8(ascii: "-")), let value = number((dash + 1)..<end)
        else {
          return nil
        }
        high = value
      }
      guard low <= high else { return nil }
      for code in low...high { events.insert(code) }
      guard end < bytes.count else { return events }
      start = end + 1
    }
  }

  public func contains(_ code: Int) -> Bool {
    guard (0...255).contains(code) else { return false }
    return bits[code >> 6] & (1 << UInt64(code & 63)) != 0
  }

  private mutating func insert(_ code: Int) {
    bits[code >> 6] |= 1 << UInt64(code & 63)
  }

  public func intersection(_ other: TelephoneEvents) -> TelephoneEvents {
    var result = self
    for index in 0..<4 { result.bits[index] &= other.bits[index] }
    return result
  }

  public var isEmpty: Bool { bits.words == (0, 0, 0, 0) }

  /// Ranges joined by commas: `0-16`, `0-11,16`.
  public var description: String {
    // Written as ASCII bytes into a buffer on the stack, decoded once (an answer writes one
    // list per call; a heap array for it cost ~500 instructions). Each code is written at most
    // once, as up to 3 digits and a `,` or `-`: 1,024 bytes hold any list (the longest is 609).
    withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 1024) { text in
      var count = 0
      func put(_ byte: UInt8) {
        text[count] = byte
        count += 1
      }
      func write(_ number: Int) {
        if number >= 100 { put(UInt8(number / 100) + 0x30) }
        if number >= 10 { put(UInt8(number / 10 % 10) + 0x30) }
        put(UInt8(number % 10) + 0x30)
      }
      var code = 0
      while code <= 255 {
        let rest = bits[code >> 6] >> UInt64(code & 63)
        guard rest != 0 else {
          code = (code | 63) + 1  // nothing more in this word
          continue
        }
        code += rest.trailingZeroBitCount
        var high = code
        while high < 255 && contains(high + 1) { high += 1 }
        if count > 0 { put(UInt8(ascii: ",")) }
        write(code)
        if code != high {
          put(UInt8(ascii: "-"))
          write(high)
        }
        code = high + 1
      }
      return String(decoding: UnsafeBufferPointer(rebasing: text[..<count]), as: UTF8.self)
    }
  }
}

extension Substring {
  var trimmingSpaces: Substring {
    var text = self
    while text.first == " " { text = text.dropFirst() }
    while text.last == " " { text = text.dropLast() }
    return text
  }
}
