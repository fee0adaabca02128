/// The words that recur in every message — methods, the Via's `SIP`, `2.0` and transports, the
/// usual parameter names — answered as String literals when the bytes spell one exactly, instead
/// of a String decoded from UTF-8 for each read.
///
/// A literal is the same String value `String(decoding:as:)` makes of the same bytes (the match
/// is exact, case included), without the UTF-8 validation and copy: ~120 of those per call,
/// ~180 instructions each, were ~3 % of a call (docs/benchmarks-calls.md, msgcost).
enum SIPCommonWords {
  /// The String of `bytes[range]`: a literal when it spells one of the common words, else
  /// decoded as UTF-8 (invalid sequences repaired, as `String(decoding:as:)` does).
  @inline(__always) static func string(_ bytes: [UInt8], _ range: Range<Int>) -> String {
    common(bytes, range) ?? String(decoding: bytes[range], as: UTF8.self)
  }

  /// The String of a slice, as ``string(_:_:)``.
  @inline(__always) static func string(_ slice: ArraySlice<UInt8>) -> String {
    slice.withUnsafeBufferPointer { common($0) } ?? String(decoding: slice, as: UTF8.self)
  }

  /// The literal that `bytes[range]` spells exactly, or nil.
  static func common(_ bytes: [UInt8], _ range: Range<Int>) -> String? {
    bytes.withUnsafeBufferPointer { buffer -> String? in
      guard range.lowerBound >= 0, range.upperBound <= buffer.count else { return nil }
      return common(UnsafeBufferPointer(rebasing: buffer[range]))
    }
  }

  /// The literal that the bytes spell exactly, or nil.
  static func common(_ buffer: UnsafeBufferPointer<UInt8>) -> String? {
    let count = buffer.count
    guard count >= 2, count <= 9, let p = buffer.baseAddress else { return nil }
    // The candidates of this length, picked by the first byte.
    func matches(_ word: StaticString) -> Bool {
      guard word.utf8CodeUnitCount == count else { return false }
      let w = word.utf8Start
      for k in 0..<count where p[k] != w[k] { return false }
      return true
    }
    switch (count, p[0]) {
    case (2, UInt8(ascii: "l")): return matches("lr") ? "lr" : nil
    case (2, UInt8(ascii: "W")): return matches("WS") ? "WS" : nil
    case (3, UInt8(ascii: "S")): return matches("SIP") ? "SIP" : nil
    case (3, UInt8(ascii: "2")): return matches("2.0") ? "2.0" : nil
    case (3, UInt8(ascii: "U")): return matches("UDP") ? "UDP" : nil
    case (3, UInt8(ascii: "T")):
      if matches("TCP") { return "TCP" }
      return matches("TLS") ? "TLS" : nil
    case (3, UInt8(ascii: "A")): return matches("ACK") ? "ACK" : nil
    case (3, UInt8(ascii: "B")): return matches("BYE") ? "BYE" : nil
    case (3, UInt8(ascii: "W")): return matches("WSS") ? "WSS" : nil
    case (3, UInt8(ascii: "t")):
      if matches("tag") { return "tag" }
      return matches("ttl") ? "ttl" : nil
    case (4, UInt8(ascii: "I")): return matches("INFO") ? "INFO" : nil
    case (4, UInt8(ascii: "S")): return matches("SCTP") ? "SCTP" : nil
    case (4, UInt8(ascii: "u")): return matches("user") ? "user" : nil
    case (5, UInt8(ascii: "P")): return matches("PRACK") ? "PRACK" : nil
    case (5, UInt8(ascii: "R")): return matches("REFER") ? "REFER" : nil
    case (5, UInt8(ascii: "r")): return matches("rport") ? "rport" : nil
    case (5, UInt8(ascii: "m")): return matches("maddr") ? "maddr" : nil
    case (6, UInt8(ascii: "I")): return matches("INVITE") ? "INVITE" : nil
    case (6, UInt8(ascii: "C")): return matches("CANCEL") ? "CANCEL" : nil
    case (6, UInt8(ascii: "N")): return matches("NOTIFY") ? "NOTIFY" : nil
    case (6, UInt8(ascii: "U")): return matches("UPDATE") ? "UPDATE" : nil
    case (6, UInt8(ascii: "b")): return matches("branch") ? "branch" : nil
    case (7, UInt8(ascii: "O")): return matches("OPTIONS") ? "OPTIONS" : nil
    case (7, UInt8(ascii: "M")): return matches("MESSAGE") ? "MESSAGE" : nil
    case (7, UInt8(ascii: "P")): return matches("PUBLISH") ? "PUBLISH" : nil
    case (7, UInt8(ascii: "e")): return matches("expires") ? "expires" : nil
    case (8, UInt8(ascii: "R")): return matches("REGISTER") ? "REGISTER" : nil
    case (8, UInt8(ascii: "r")): return matches("received") ? "received" : nil
    case (9, UInt8(ascii: "S")): return matches("SUBSCRIBE") ? "SUBSCRIBE" : nil
    case (9, UInt8(ascii: "t")): return matches("transport") ? "transport" : nil
    default: return nil
    }
  }
}
