// Small lexical checks of RFC 8866 §9's grammar, shared by the typed line values.

enum SDPSyntax {
  /// `1*DIGIT` as a number, refusing signs, empty text and values past `limit`.
  static func number(_ text: Substring, max limit: Int = Int.max) -> Int? {
    guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
      let value = Int(text), value <= limit
    else { return nil }
    return value
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
    let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
    guard let whole = parts.first, isDigits(whole), whole.utf8.count <= 9 else { return nil }
    if parts.count == 2 { guard isDigits(parts[1]), parts[1].utf8.count <= 9 else { return nil } }
    guard let value = Double(text), value > 0 else { return nil }
    return value
  }

  static func isIPv4(_ text: Substring) -> Bool {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    return parts.count == 4 && parts.allSatisfy { $0.utf8.count <= 3 && number($0, max: 255) != nil }
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
    Substring(text).split(separator: " ", omittingEmptySubsequences: true)
  }

  /// The address family an address literal belongs to, for `c=`/`o=` lines we write.
  static func addressType(of address: String) -> String {
    address.contains(":") ? "IP6" : "IP4"
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
