/// The figures of one stream, as ``MediaStream/statistics()`` returns them.
///
/// Reception figures come from RTPCore's ``RTPStreamStatistics`` (RFC 3550 §A.1, §A.3, §A.8):
/// `lost` and `jitter` follow the RFC, including its probation of a new source; `packetsReceived`
/// counts every valid RTP datagram.
public struct MediaStreamStatistics: Hashable, Sendable {
  public var packetsSent: UInt64 = 0
  /// Payload octets sent.
  public var bytesSent: UInt64 = 0
  /// Packets sent back by the echo.
  public var packetsEchoed: UInt64 = 0
  /// Valid RTP datagrams received (all payload types).
  public var packetsReceived: UInt64 = 0
  /// Payload octets received.
  public var bytesReceived: UInt64 = 0
  /// Cumulative loss by RFC 3550 §A.3 (never negative here).
  public var lost: UInt64 = 0
  public var duplicates: UInt64 = 0
  public var reordered: UInt64 = 0
  /// Interarrival jitter (RFC 3550 §A.8) in milliseconds.
  public var jitterMilliseconds: Double = 0
  /// Datagrams that were not RTP (RTPCore's parser refused them).
  public var malformed: UInt64 = 0
  /// Frames the pacer skipped for this stream after stalls (``RTPPacer``).
  public var skippedFrames: UInt64 = 0
  /// RTCP compound packets sent and received (RFC 3550 §6).
  public var rtcpSent: UInt64 = 0
  public var rtcpReceived: UInt64 = 0
  /// What the peer's last RTCP report said about our stream: fraction lost (0–1) in its last
  /// interval, cumulative loss, and jitter in milliseconds; nil before a report arrived.
  public var peerFractionLost: Double?
  public var peerCumulativeLost: Int?
  public var peerJitterMilliseconds: Double?
  /// Round-trip time from RTCP (§6.4.1), once the peer reported on one of our SRs.
  public var roundTripMilliseconds: Double?
  /// Times RTP latching moved the peer's address to where its packets come from.
  public var latched: UInt64 = 0

  public init() {}
}
