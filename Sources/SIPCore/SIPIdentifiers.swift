/// Random identifiers: branches, tags and Call-IDs (RFC 3261 §8.1.1.4, §8.1.1.7, §19.3).
///
/// Each takes the generator as an argument so tests can pass a seeded one and get fixed values;
/// the builders default to ``BufferedRandomNumberGenerator`` (the system's random bytes, one
/// `getrandom` per few KiB).
///
/// ```swift
/// var rng = BufferedRandomNumberGenerator()
/// SIPIdentifiers.branch(using: &rng)   // "z9hG4bK" + 20 characters
/// ```
public enum SIPIdentifiers {
  static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyz".utf8)

  /// `count` random characters from [0-9a-z].
  ///
  /// One 64-bit draw gives 12 characters (36^12 < 2^64: about 61 bits of entropy per 12, a
  /// little less than uniform): with the system's generator every draw is a `getrandom` call, and
  /// one per character made tags and branches a visible cost of answering requests
  /// (docs/benchmarks-transactions.md).
  public static func randomToken(count: Int, using rng: inout some RandomNumberGenerator) -> String {
    var out: [UInt8] = []
    out.reserveCapacity(max(0, count))
    var value: UInt64 = 0
    for i in 0..<max(0, count) {
      if i % 12 == 0 { value = rng.next() }
      out.append(alphabet[Int(value % 36)])
      value /= 36
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// A branch with the magic cookie and 20 random characters (~100 bits, RFC 3261 §8.1.1.7).
  public static func branch(using rng: inout some RandomNumberGenerator) -> String {
    SIPVia.magicCookie + randomToken(count: 20, using: &rng)
  }

  /// A tag of 12 random characters (~61 bits; RFC 3261 §19.3 asks for at least 32).
  public static func tag(using rng: inout some RandomNumberGenerator) -> String {
    randomToken(count: 12, using: &rng)
  }

  /// A Call-ID of 24 random characters, `@host` appended when given (RFC 3261 §8.1.1.4).
  public static func callID(host: String? = nil, using rng: inout some RandomNumberGenerator) -> String {
    let id = randomToken(count: 24, using: &rng)
    guard let host, !host.isEmpty else { return id }
    return id + "@" + host
  }
}
