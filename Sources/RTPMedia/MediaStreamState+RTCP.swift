extension MediaStreamState {
  /// The RTCP compound packet due at `now` (`ntp`: the wall clock as an NTP timestamp), or nil
  /// when none is due or RTCP is off. Cheap when nothing is due: the engine asks on every tick.
  public mutating func rtcpReportIfDue(now: UInt64, ntp: () -> UInt64) -> [UInt8]? {
    guard rtcp?.isDue(now: now) == true, var reporter = rtcp else { return nil }
    let bytes = reporter.makeReport(
      now: now, ntp: ntp(), ssrc: parameters.ssrc, rtpTimestamp: nextTimestamp,
      packetsSent: statistics.packetsSent, bytesSent: statistics.bytesSent, reception: &reception)
    rtcp = reporter
    return bytes
  }

  /// Reads one datagram of the stream's RTCP socket.
  public mutating func receiveRTCP(_ datagram: UnsafeRawBufferPointer, now: UInt64, ntp: UInt64) {
    guard var reporter = rtcp else { return }
    reporter.receive(datagram, now: now, ntp: ntp, ssrc: parameters.ssrc, reception: &reception)
    rtcp = reporter
  }

  /// The RTCP BYE to send when the stream closes; nil when RTCP is off or the stream never sent an
  /// RTP or RTCP packet (RFC 3550 §6.3.7: such a participant must not send a BYE; a call that
  /// only answered and hung up sent none, and saves a `sendto`).
  public func rtcpGoodbye() -> [UInt8]? {
    guard let rtcp, statistics.packetsSent > 0 || rtcp.reportsSent > 0 else { return nil }
    return rtcp.makeGoodbye(ssrc: parameters.ssrc)
  }
}
