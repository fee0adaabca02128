// m= (RFC 8866 §5.14).

/// The media line: `m=<media> <port>[/<number of ports>] <proto> <fmt> ...`.
public struct MediaField: Sendable, Hashable, CustomStringConvertible {
  /// `audio`, `video`, `application`, ...
  public var media: String
  /// 0 means the stream is rejected or disabled (RFC 3264 §6, §8.2).
  public var port: Int
  /// The number of ports (`49170/2`); nil when not written.
  public var portCount: Int?
  /// `RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, ...
  public var proto: String
  /// Payload type numbers for RTP protocols, other tokens otherwise.
  public var formats: [String]

  public init(media: String, port: Int, portCount: Int? = nil, proto: String, formats: [String]) {
    self.media = media
    self.port = port
    self.portCount = portCount
    self.proto = proto
    self.formats = formats
  }

  public init?(parsing value: String) {
    guard case .success(let field) = Self.parse(value) else { return nil }
    self = field
  }

  /// Whether the formats are RTP payload type numbers (RFC 8866 §5.14).
  public var isRTP: Bool {
    let utf8 = proto.utf8
    guard utf8.allSatisfy({ $0 < 0x80 }) else { return proto.uppercased().contains("RTP/") }
    // ASCII: uppercasing touches letters only, so look for "rtp/" in any case.
    var previous: (UInt8, UInt8, UInt8) = (0, 0, 0)
    for byte in utf8 {
      let lower = SDPSyntax.asciiLower(byte)
      if lower == UInt8(ascii: "/") && previous == (UInt8(ascii: "r"), UInt8(ascii: "t"), UInt8(ascii: "p")) {
        return true
      }
      previous = (previous.1, previous.2, lower)
    }
    return false
  }

  /// Whether parsing ``description`` gives this field back, checked on the values (the same
  /// rules as ``parse(_:)``), so that a section built from a field need not parse its line.
  var roundTrips: Bool {
    guard SDPSyntax.isToken(media[...]), (0...65535).contains(port) else { return false }
    if let portCount, !(1...65535).contains(portCount) { return false }
    guard
      proto.utf8.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        .allSatisfy({ !$0.isEmpty && $0.allSatisfy(SDPSyntax.isTokenByte) })
    else { return false }
    guard !formats.isEmpty || port == 0 else { return false }
    let isRTP = isRTP
    for format in formats {
      guard !format.isEmpty, !format.utf8.contains(UInt8(ascii: " ")) else { return false }
      if isRTP && SDPSyntax.number(format.utf8, max: 127) == nil { return false }
    }
    return true
  }

  static func parse(_ value: String) -> Result<MediaField, SyntaxProblem> {
    let fields = SDPSyntax.fields(value)
    guard fields.count >= 3 else { return .failure("expected <media> <port> <proto> <fmt> ...") }
    guard SDPSyntax.isToken(fields[0]) else { return .failure("media type is not a token") }
    let portParts = SDPSyntax.split(fields[1], at: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    guard portParts.count <= 2, let port = SDPSyntax.number(portParts[0], max: 65535) else {
      return .failure("invalid port '\(fields[1])'")
    }
    var portCount: Int?
    if portParts.count == 2 {
      guard let count = SDPSyntax.number(portParts[1], max: 65535), count > 0 else {
        return .failure("invalid number of ports '\(fields[1])'")
      }
      portCount = count
    }
    let protoParts = SDPSyntax.split(fields[2], at: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    guard protoParts.allSatisfy(SDPSyntax.isToken) else { return .failure("invalid proto '\(fields[2])'") }
    let field = MediaField(
      media: String(fields[0]), port: port, portCount: portCount, proto: String(fields[2]),
      formats: fields.dropFirst(3).map(String.init))
    // RFC 8866 §9 wants at least one fmt; rejected streams (port 0) without one are common enough.
    guard !field.formats.isEmpty || port == 0 else { return .failure("no formats") }
    if field.isRTP {
      for format in field.formats where SDPSyntax.number(Substring(format), max: 127) == nil {
        return .failure("RTP payload type '\(format)' is not a number 0-127")
      }
    }
    return .success(field)
  }

  public var description: String {
    var text = "\(media) \(port)"
    if let portCount { text += "/\(portCount)" }
    text += " \(proto)"
    for format in formats { text += " \(format)" }
    return text
  }
}
