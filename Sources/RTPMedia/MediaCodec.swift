// RTPMedia — RTP sockets on SwiftNIO, one 20 ms pacer for all streams, play/record/echo/DTMF.
// What it owns, its threading and the pacer's rule: docs/architecture-media.md.

public import RTPCore

/// The audio codec of a stream: G.711 µ-law (PCMU) or A-law (PCMA) at 8 kHz, 20 ms per packet.
///
/// The payload type is the one negotiated in SDP; for the two static codecs it is 0 or 8
/// (RFC 3551 Table 4), but an offer may map them to a dynamic number and the stream follows it.
public struct MediaCodec: Hashable, Sendable {
  public var law: G711Law
  /// The RTP payload type on the wire.
  public var payloadType: UInt8

  /// Samples per second; G.711 is 8000 (RFC 3551 §4.5.14).
  public static let clockRate: UInt32 = 8000
  /// Samples (and G.711 octets, and timestamp units) in one 20 ms frame (RFC 3551 §4.2 default
  /// packetization of 20 ms).
  public static let samplesPerFrame = 160

  public init(law: G711Law, payloadType: UInt8? = nil) {
    self.law = law
    self.payloadType = payloadType ?? law.rtpPayloadType
  }

  /// PCMU, payload type 0.
  public static let pcmu = MediaCodec(law: .muLaw)
  /// PCMA, payload type 8.
  public static let pcma = MediaCodec(law: .aLaw)

  /// The SDP encoding name ("PCMU" or "PCMA").
  public var name: String { law == .muLaw ? "PCMU" : "PCMA" }
}
