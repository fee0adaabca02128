// RTPCore — RTP/RTCP packets (RFC 3550), G.711, RFC 4733 telephone-events, WAV, tones, the Goertzel
// detector, the jitter buffer and stream statistics. Sans-I/O: byte strings, sample buffers and
// caller-supplied times in, values out. See docs/architecture-rtpcore.md.

/// The header of an RTP data packet: the fixed part, the CSRC list and the optional header
/// extension (RFC 3550 §5.1, §5.3.1). The version is always 2; padding is a property of the packet
/// (``RTPPacketLayout/paddingLength``), not of the header value.
///
/// ```swift
/// let layout = try RTPHeader.parse(datagram)          // no copy of the payload
/// let payload = datagram[layout.payloadRange]
/// var out: [UInt8] = []
/// try layout.header.append(to: &out)
/// ```
public struct RTPHeader: Hashable, Sendable {
  /// The only RTP version this module speaks (RFC 3550 §5.1).
  public static let version: UInt8 = 2
  /// Size of the fixed header in octets (RFC 3550 §5.1).
  public static let fixedLength = 12
  /// The CC field has four bits (RFC 3550 §5.1).
  public static let maximumCSRCCount = 15

  public var marker: Bool
  /// Seven bits, 0...127.
  public var payloadType: UInt8
  public var sequenceNumber: UInt16
  public var timestamp: UInt32
  public var ssrc: UInt32
  /// Contributing sources, at most 15.
  public var csrcs: [UInt32]
  public var headerExtension: RTPHeaderExtension?

  public init(
    marker: Bool = false, payloadType: UInt8, sequenceNumber: UInt16, timestamp: UInt32,
    ssrc: UInt32, csrcs: [UInt32] = [], headerExtension: RTPHeaderExtension? = nil
  ) {
    self.marker = marker
    self.payloadType = payloadType
    self.sequenceNumber = sequenceNumber
    self.timestamp = timestamp
    self.ssrc = ssrc
    self.csrcs = csrcs
    self.headerExtension = headerExtension
  }

  /// Octets this header occupies on the wire.
  public var encodedLength: Int {
    Self.fixedLength + 4 * csrcs.count + (headerExtension.map { 4 + $0.data.count } ?? 0)
  }
}
