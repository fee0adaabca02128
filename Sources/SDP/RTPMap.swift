// a=rtpmap (RFC 8866 §6.6).

/// `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]`.
public struct RTPMap: Sendable, Hashable, CustomStringConvertible {
  public var payloadType: Int
  public var encodingName: String
  public var clockRate: Int
  /// For audio, the number of channels (RFC 8866 §6.6: omitted means one).
  public var channels: Int?

  public init(payloadType: Int, encodingName: String, clockRate: Int, channels: Int? = nil) {
    self.payloadType = payloadType
    self.encodingName = encodingName
    self.clockRate = clockRate
    self.channels = channels
  }

  public init?(parsing value: String) {
    guard case .success(let map) = Self.parse(value) else { return nil }
    self = map
  }

  static func parse(_ value: String) -> Result<RTPMap, SyntaxProblem> {
    let fields = SDPSyntax.fields(value)
    guard fields.count == 2 else { return .failure("expected <payload type> <encoding>/<clock rate>") }
    guard let payloadType = SDPSyntax.number(fields[0], max: 127) else {
      return .failure("payload type is not a number 0-127")
    }
    let parts = SDPSyntax.split(fields[1], at: UInt8(ascii: "/"), omittingEmptySubsequences: false)
    guard parts.count == 2 || parts.count == 3, SDPSyntax.isToken(parts[0]) else {
      return .failure("expected <encoding>/<clock rate>[/<channels>]")
    }
    guard let clockRate = SDPSyntax.number(parts[1], max: 100_000_000), clockRate > 0 else {
      return .failure("invalid clock rate")
    }
    var channels: Int?
    if parts.count == 3 {
      guard let count = SDPSyntax.number(parts[2], max: 255), count > 0 else {
        return .failure("invalid channel count")
      }
      channels = count
    }
    return .success(
      RTPMap(
        payloadType: payloadType, encodingName: String(parts[0]), clockRate: clockRate, channels: channels))
  }

  public var description: String {
    "\(payloadType) \(encodingName)/\(clockRate)" + (channels.map { "/\($0)" } ?? "")
  }
}
