/// The CSeq header: a sequence number and a method (RFC 3261 §8.1.1.5, §20.16).
public struct SIPCSeq: Sendable, Hashable, CustomStringConvertible {
  /// The sequence number; values beyond 2³²−1 are refused (RFC 4475 §3.1.2.4). New requests
  /// should stay below 2³¹ (RFC 3261 §8.1.1.5).
  public var sequence: UInt32
  public var method: String

  public init(_ sequence: UInt32, _ method: String) {
    self.sequence = sequence
    self.method = method
  }

  public var description: String { "\(sequence) \(method)" }

  /// Parses `1*DIGIT LWS Method`.
  public static func parse(_ text: String) throws(SIPParseError) -> SIPCSeq {
    var scanner = SIPScanner(text)
    return try parse(&scanner)
  }

  /// ``parse(_:)`` of the bytes the scanner covers.
  static func parse(_ scanner: inout SIPScanner) throws(SIPParseError) -> SIPCSeq {
    scanner.skipLWS()
    let digits = scanner.take(SIPGrammar.digit)
    guard let number = SIPGrammar.decimal(digits, limit: UInt64(UInt32.max)) else {
      throw SIPParseError(
        reason: "CSeq number must be 1*DIGIT below 2**32 (RFC 3261 §20.16, RFC 4475 §3.1.2.4)")
    }
    let afterDigits = scanner.index
    scanner.skipLWS()
    guard scanner.index > afterDigits, let method = scanner.token() else {
      throw SIPParseError(reason: "CSeq must be a number, LWS and a method token (RFC 3261 §20.16)")
    }
    scanner.skipLWS()
    guard scanner.isAtEnd else {
      throw SIPParseError(reason: "unexpected text after CSeq method (RFC 3261 §20.16)")
    }
    return SIPCSeq(UInt32(number), method)
  }
}
