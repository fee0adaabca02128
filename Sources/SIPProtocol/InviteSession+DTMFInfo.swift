// DTMF in SIP INFO bodies: `application/dtmf-relay` (Cisco/PJSUA style: `Signal=5` and
// `Duration=160` lines) and `application/dtmf` (the digit alone).

extension InviteSession {
  /// A digit received in a SIP INFO request.
  public struct DTMFInfo: Sendable, Hashable {
    /// `0`–`9`, `*`, `#`, `A`–`D`.
    public var digit: Character
    /// Milliseconds, when the body says.
    public var duration: Int?

    public init(digit: Character, duration: Int? = nil) {
      self.digit = digit
      self.duration = duration
    }

    public static let contentTypes = ["application/dtmf-relay", "application/dtmf"]

    /// Why a body was refused.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
      public var description: String
    }

    /// Bodies longer than this are refused unread: a digit takes a few bytes.
    static let maximumBodyLength = 1024

    /// Parses an INFO body of one of ``contentTypes``.
    public static func parse(body: [UInt8], contentType: String) -> Result<DTMFInfo, ParseError> {
      guard body.count <= maximumBodyLength else {
        return .failure(ParseError(description: "DTMF body of \(body.count) bytes"))
      }
      let text = String(decoding: body, as: UTF8.self)
      switch contentType.lowercased() {
      case "application/dtmf":
        guard let digit = digit(text.trimmingCharacters(in: " \t\r\n")) else {
          return .failure(ParseError(description: "application/dtmf body is not a digit"))
        }
        return .success(DTMFInfo(digit: digit))
      case "application/dtmf-relay":
        var signal: Character?
        var duration: Int?
        for line in text.split(whereSeparator: \.isNewline) {
          guard let equals = line.firstIndex(of: "=") else { continue }
          let key = line[..<equals].trimmingCharacters(in: " \t").lowercased()
          let value = line[line.index(after: equals)...].trimmingCharacters(in: " \t")
          if key == "signal" {
            guard let parsed = digit(value) else {
              return .failure(ParseError(description: "Signal=\(value.prefix(16)) is not a DTMF digit"))
            }
            signal = parsed
          } else if key == "duration", value.utf8.count <= 9 {
            duration = Int(value)
          }
        }
        guard let signal else { return .failure(ParseError(description: "dtmf-relay body without Signal")) }
        return .success(DTMFInfo(digit: signal, duration: duration))
      default:
        return .failure(ParseError(description: "not a DTMF content type: \(contentType.prefix(64))"))
      }
    }

    /// A digit as written: the character itself, or its RFC 4733 event number (10 is `*`, 11 `#`,
    /// 12–15 `A`–`D`), which some phones send.
    static func digit(_ text: String) -> Character? {
      let events: [Character] = Array("0123456789*#ABCD")
      if text.count == 1, let character = text.uppercased().first, events.contains(character) {
        return character
      }
      if text.utf8.count <= 2, let number = Int(text), events.indices.contains(number) {
        return events[number]
      }
      return nil
    }
  }
}

extension StringProtocol {
  fileprivate func trimmingCharacters(in set: String) -> String {
    let drop = Set(set)
    var slice = Substring(self)
    while let first = slice.first, drop.contains(first) { slice = slice.dropFirst() }
    while let last = slice.last, drop.contains(last) { slice = slice.dropLast() }
    return String(slice)
  }
}
