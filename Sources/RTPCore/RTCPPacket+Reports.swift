extension RTCPPacket {
  /// The compound packet a participant that does not send media emits each RTCP interval: an RR
  /// first, then an SDES with our CNAME (RFC 3550 §6.1). `reports` usually come from
  /// ``RTPStreamStatistics/makeReportBlock(now:)``; more than 31 are cut to 31 (the RC field).
  public static func receiverReportCompound(
    ssrc: UInt32, cname: String, reports: [RTCPReportBlock]
  ) -> [RTCPPacket] {
    [
      .receiverReport(RTCPReceiverReport(ssrc: ssrc, reports: Array(reports.prefix(31)))),
      .sourceDescription([.cname(ssrc: ssrc, cname)]),
    ]
  }
}
