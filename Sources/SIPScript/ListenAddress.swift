#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// A local address to listen on, written `TRANSPORT:HOST:PORT` on the command line (DESIGN §5):
/// `udp:127.0.0.1:5060`, `tcp:[::1]:5061`, `udp:0.0.0.0:0` (port 0: any free port).
///
/// ```swift
/// let address = try ListenAddress(parsing: "tcp:[::1]:5061")
/// address.transport  // .tcp
/// address.host       // "::1"
/// ```
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
  /// The SIP transports of a leg (RFC 3261 §18).
  public enum Transport: String, Sendable, Hashable, CaseIterable {
    case udp
    case tcp
  }

  public var transport: Transport
  /// An IPv4 or IPv6 literal (without brackets) or a host name.
  public var host: String
  /// 0 means any free port.
  public var port: UInt16

  public init(transport: Transport, host: String, port: UInt16) {
    self.transport = transport
    self.host = host
    self.port = port
  }

  /// Whether `host` is an IPv6 literal.
  public var isIPv6: Bool { host.contains(":") }

  /// `udp:127.0.0.1:5060`, `tcp:[::1]:5061`.
  public var description: String {
    "\(transport.rawValue):\(isIPv6 ? "[\(host)]" : host):\(port)"
  }

  /// Parses `TRANSPORT:HOST:PORT`; IPv6 hosts must be in brackets.
  public init(parsing text: String) throws(ListenAddressError) {
    guard let firstColon = text.firstIndex(of: ":") else {
      throw ListenAddressError(text, "expected TRANSPORT:HOST:PORT, e.g. udp:127.0.0.1:5060")
    }
    let transportText = text[..<firstColon].lowercased()
    guard let transport = Transport(rawValue: transportText) else {
      throw ListenAddressError(
        text,
        "unknown transport '\(text[..<firstColon])' (expected "
          + Transport.allCases.map(\.rawValue).joined(separator: " or ") + ")")
    }
    let rest = text[text.index(after: firstColon)...]
    let host: Substring
    let portText: Substring
    if rest.hasPrefix("[") {
      guard let close = rest.firstIndex(of: "]") else {
        throw ListenAddressError(text, "IPv6 address without closing ']'")
      }
      host = rest[rest.index(after: rest.startIndex)..<close]
      let afterBracket = rest[rest.index(after: close)...]
      guard afterBracket.hasPrefix(":") else {
        throw ListenAddressError(text, "expected ':PORT' after ']'")
      }
      portText = afterBracket.dropFirst()
      guard Self.isIPv6Literal(String(host)) else {
        throw ListenAddressError(text, "'\(host)' is not an IPv6 address")
      }
    } else {
      guard let lastColon = rest.lastIndex(of: ":") else {
        throw ListenAddressError(text, "missing ':PORT'")
      }
      host = rest[..<lastColon]
      portText = rest[rest.index(after: lastColon)...]
      if host.contains(":") {
        throw ListenAddressError(text, "IPv6 addresses must be written in brackets, e.g. [::1]")
      }
      if host.contains("]") || host.contains("[") {
        throw ListenAddressError(text, "misplaced bracket in host")
      }
      guard !host.isEmpty else { throw ListenAddressError(text, "empty host") }
      guard Self.isHostName(host) else {
        throw ListenAddressError(text, "'\(host)' is not an IPv4 address or host name")
      }
    }
    guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5,
      let port = UInt32(portText), port <= 65535
    else {
      throw ListenAddressError(text, "bad port '\(portText)' (expected 0 to 65535)")
    }
    self.init(transport: transport, host: String(host), port: UInt16(port))
  }

  static func isIPv6Literal(_ text: String) -> Bool {
    var address = in6_addr()
    return text.withCString { inet_pton(AF_INET6, $0, &address) } == 1
  }

  /// Dotted IPv4 literals are checked exactly; other names by their characters (RFC 1123 §2.1).
  static func isHostName(_ text: Substring) -> Bool {
    if text.allSatisfy({ $0 == "." || ($0.isASCII && $0.isNumber) }) {
      var address = in_addr()
      return String(text).withCString { inet_pton(AF_INET, $0, &address) } == 1
    }
    return text.count <= 253
      && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") }
  }
}

/// Why a `--listen` value was rejected: the text and what is wrong with it.
public struct ListenAddressError: Error, Sendable, CustomStringConvertible {
  public let text: String
  public let reason: String

  init(_ text: some StringProtocol, _ reason: String) {
    self.text = String(text)
    self.reason = reason
  }

  public var description: String { "invalid listen address '\(text)': \(reason)" }
}
