// o= (RFC 8866 §5.2).

/// The origin line: `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`.
///
/// The session id stays for the whole session; the version goes up with every changed description
/// (RFC 3264 §8). Both are kept as decimal text because some stacks use more than 64 bits.
public struct Origin: Sendable, Hashable, CustomStringConvertible {
  public var username: String
  public var sessionID: String
  public var sessionVersion: String
  public var networkType: String
  public var addressType: String
  public var address: String

  public init(
    username: String = "-", sessionID: String, sessionVersion: String, networkType: String = "IN",
    addressType: String? = nil, address: String
  ) {
    self.username = username
    self.sessionID = sessionID
    self.sessionVersion = sessionVersion
    self.networkType = networkType
    self.addressType = addressType ?? SDPSyntax.addressType(of: address)
    self.address = address
  }

  /// Parses the value of an `o=` line; nil if it is not one.
  public init?(parsing value: String) {
    guard case .success(let origin) = Self.parse(value) else { return nil }
    self = origin
  }

  static func parse(_ value: String) -> Result<Origin, SyntaxProblem> {
    let fields = SDPSyntax.fields(value)
    guard fields.count == 6 else {
      return .failure("expected 6 fields <username> <sess-id> <sess-version> <nettype> <addrtype> <address>")
    }
    guard SDPSyntax.isDigits(fields[1]) else { return .failure("session id is not a number") }
    guard SDPSyntax.isDigits(fields[2]) else { return .failure("session version is not a number") }
    guard SDPSyntax.isToken(fields[3]), SDPSyntax.isToken(fields[4]) else {
      return .failure("network or address type is not a token")
    }
    return .success(
      Origin(
        username: String(fields[0]), sessionID: String(fields[1]), sessionVersion: String(fields[2]),
        networkType: String(fields[3]), addressType: String(fields[4]), address: String(fields[5])))
  }

  public var description: String {
    "\(username) \(sessionID) \(sessionVersion) \(networkType) \(addressType) \(address)"
  }

  /// The version plus one, computed on the decimal text so that no width limit applies.
  public static func increment(_ version: String) -> String {
    var digits = Array(version.utf8)
    var index = digits.count - 1
    while index >= 0 {
      if digits[index] == UInt8(ascii: "9") {
        digits[index] = UInt8(ascii: "0")
        index -= 1
      } else {
        digits[index] += 1
        return String(decoding: digits, as: UTF8.self)
      }
    }
    return "1" + String(decoding: digits, as: UTF8.self)
  }
}
