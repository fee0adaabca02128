// An RTP payload format: encoding name, clock rate, channels, payload type.

/// An RTP payload format as SDP describes it (RFC 8866 §6.6, RFC 3551 §6).
///
/// `payloadType` is the number this side uses; ``matches(_:)`` compares formats regardless of it,
/// since dynamic numbers (96-127) differ between peers.
public struct Codec: Sendable, Hashable, CustomStringConvertible {
  public var name: String
  public var clockRate: Int
  public var channels: Int
  public var payloadType: Int
  /// `a=fmtp` parameters, nil if none.
  public var formatParameters: String?

  public init(
    name: String, clockRate: Int, channels: Int = 1, payloadType: Int, formatParameters: String? = nil
  ) {
    self.name = name
    self.clockRate = clockRate
    self.channels = channels
    self.payloadType = payloadType
    self.formatParameters = formatParameters
  }

  /// G.711 µ-law, static payload type 0.
  public static let pcmu = Codec(name: "PCMU", clockRate: 8000, payloadType: 0)
  /// G.711 A-law, static payload type 8.
  public static let pcma = Codec(name: "PCMA", clockRate: 8000, payloadType: 8)

  /// Same format: encoding names compare case-insensitively (RFC 4855 §3), clock rate and channels
  /// must be equal.
  public func matches(_ other: Codec) -> Bool {
    // Compared as `lowercased() ==`, without building strings for ASCII names.
    SDPSyntax.equalLowercased(name, other.name) && clockRate == other.clockRate && channels == other.channels
  }

  /// RFC 4733 named telephone events (DTMF).
  public var isTelephoneEvent: Bool { SDPSyntax.equalLowercased(name, "telephone-event") }

  /// `a=rtpmap` for this codec (channels written only when not one).
  public var rtpMap: RTPMap {
    RTPMap(
      payloadType: payloadType, encodingName: name, clockRate: clockRate,
      channels: channels == 1 ? nil : channels)
  }

  public var description: String {
    "\(payloadType) \(name)/\(clockRate)" + (channels == 1 ? "" : "/\(channels)")
  }

  /// RFC 3551 §6 table 4 and 5: the payload types that need no `a=rtpmap`.
  public static func staticPayloadType(_ payloadType: Int) -> Codec? {
    guard let entry = staticTable.first(where: { $0.0 == payloadType }) else { return nil }
    return Codec(name: entry.1, clockRate: entry.2, channels: entry.3, payloadType: payloadType)
  }

  static let staticTable: [(Int, String, Int, Int)] = [
    (0, "PCMU", 8000, 1), (3, "GSM", 8000, 1), (4, "G723", 8000, 1), (5, "DVI4", 8000, 1),
    (6, "DVI4", 16000, 1), (7, "LPC", 8000, 1), (8, "PCMA", 8000, 1), (9, "G722", 8000, 1),
    (10, "L16", 44100, 2), (11, "L16", 44100, 1), (12, "QCELP", 8000, 1), (13, "CN", 8000, 1),
    (14, "MPA", 90000, 1), (15, "G728", 8000, 1), (16, "DVI4", 11025, 1), (17, "DVI4", 22050, 1),
    (18, "G729", 8000, 1), (25, "CelB", 90000, 1), (26, "JPEG", 90000, 1), (28, "nv", 90000, 1),
    (31, "H261", 90000, 1), (32, "MPV", 90000, 1), (33, "MP2T", 90000, 1), (34, "H263", 90000, 1),
  ]
}
