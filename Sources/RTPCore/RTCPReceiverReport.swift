/// RR: reception reports from a participant that does not send (RFC 3550 §6.4.2).
public struct RTCPReceiverReport: Hashable, Sendable {
  public var ssrc: UInt32
  public var reports: [RTCPReportBlock]
  public var profileExtension: [UInt8]

  public init(ssrc: UInt32, reports: [RTCPReportBlock] = [], profileExtension: [UInt8] = []) {
    self.ssrc = ssrc
    self.reports = reports
    self.profileExtension = profileExtension
  }
}
