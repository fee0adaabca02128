/// SR: sender info and reception reports (RFC 3550 §6.4.1).
public struct RTCPSenderReport: Hashable, Sendable {
  public var ssrc: UInt32
  /// 64-bit NTP timestamp: seconds since 1900 in the high 32 bits, fraction in the low 32.
  public var ntpTimestamp: UInt64
  public var rtpTimestamp: UInt32
  public var packetCount: UInt32
  public var octetCount: UInt32
  public var reports: [RTCPReportBlock]
  /// Profile-specific extension after the report blocks, kept verbatim (multiple of 4 octets).
  public var profileExtension: [UInt8]

  public init(
    ssrc: UInt32, ntpTimestamp: UInt64, rtpTimestamp: UInt32, packetCount: UInt32,
    octetCount: UInt32, reports: [RTCPReportBlock] = [], profileExtension: [UInt8] = []
  ) {
    self.ssrc = ssrc
    self.ntpTimestamp = ntpTimestamp
    self.rtpTimestamp = rtpTimestamp
    self.packetCount = packetCount
    self.octetCount = octetCount
    self.reports = reports
    self.profileExtension = profileExtension
  }
}
