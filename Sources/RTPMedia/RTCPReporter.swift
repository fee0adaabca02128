public import RTPCore

/// The RTCP side of one stream (RFC 3550 §6), sans-I/O: when a report is due, what it says, and
/// what the peer's reports said about us. ``MediaStreamState`` owns one when RTCP is on; the
/// engine asks it on every tick and hands it the datagrams of the stream's RTCP socket.
///
/// Timing (§6.2, §6.3): one compound packet per ``interval`` (5 s by default, the RFC's minimum
/// for a two-party session), each interval drawn uniformly from 0.5–1.5 × ``interval`` so that
/// many streams started together do not report together; the first report comes after half an
/// interval (§6.2, "initial"). The random draws come from a generator seeded with the SSRC, so a
/// test with a virtual clock sees the same schedule each run.
///
/// Not thread-safe: one owner, the media loop.
public struct RTCPReporter: Hashable, Sendable {
  /// The mean reporting interval in nanoseconds.
  public let interval: UInt64
  /// Our SDES CNAME (RFC 7022: a random per-session name is fine; we use the SSRC). Written
  /// when a packet needs it: made at every stream's start, it cost ~1,200 instructions and a
  /// heap String for calls that end before their first report (docs/benchmarks-calls.md,
  /// "callpath").
  public var cname: String { "\(String(cnameSSRC, radix: 16))@sipscript" }
  /// The SSRC ``cname`` is made of.
  private let cnameSSRC: UInt32
  /// When the next report is due (monotonic nanoseconds).
  public private(set) var nextReport: UInt64
  /// Compound packets sent and received, and received ones that did not parse.
  public private(set) var reportsSent: UInt64 = 0
  public private(set) var reportsReceived: UInt64 = 0
  public private(set) var malformed: UInt64 = 0
  /// The last report block the peer sent about our stream (its view of our loss and jitter).
  public private(set) var peerReport: RTCPReportBlock?
  /// Round-trip time from the peer's last report block that echoed one of our SRs (§6.4.1:
  /// A − LSR − DLSR), in nanoseconds.
  public private(set) var roundTripNanoseconds: UInt64?
  /// The peer's sender information from its last SR: packets and payload octets it says it sent.
  public private(set) var peerPacketsSent: UInt32?
  public private(set) var peerOctetsSent: UInt32?
  /// The peer's SDES CNAME, once seen.
  public private(set) var peerCNAME: String?
  /// The peer sent an RTCP BYE (§6.6).
  public private(set) var goodbyeReceived = false
  /// RTP packets we had sent at the last report: an SR goes out only when we sent since (§6.4).
  private var packetsSentAtLastReport: UInt64 = 0
  private var randomState: UInt64

  /// A reporter for a stream whose SSRC is `ssrc`, starting at `now`.
  public init(ssrc: UInt32, interval: UInt64 = 5_000_000_000, now: UInt64) {
    self.interval = max(interval, 1)
    cnameSSRC = ssrc
    randomState = UInt64(ssrc) &* 0x9E37_79B9_7F4A_7C15 | 1
    nextReport = now
    nextReport = now &+ randomizedInterval() / 2
  }

  public func isDue(now: UInt64) -> Bool { now >= nextReport }

  /// The compound packet to send at `now` (`ntp`: the wall clock as a 64-bit NTP timestamp),
  /// and the next report scheduled: an SR when we sent RTP since the last report, else an RR;
  /// then our SDES CNAME (§6.1: every compound packet carries one). `reception` gives the report
  /// block about the peer's stream (none before it sent anything valid).
  public mutating func makeReport(
    now: UInt64, ntp: UInt64, ssrc: UInt32, rtpTimestamp: UInt32, packetsSent: UInt64, bytesSent: UInt64,
    reception: inout RTPStreamStatistics
  ) -> [UInt8] {
    let blocks = reception.makeReportBlock(now: now).map { [$0] } ?? []
    var packets: [RTCPPacket]
    if packetsSent > packetsSentAtLastReport {
      packets = [
        .senderReport(
          RTCPSenderReport(
            ssrc: ssrc, ntpTimestamp: ntp, rtpTimestamp: rtpTimestamp,
            packetCount: UInt32(truncatingIfNeeded: packetsSent),
            octetCount: UInt32(truncatingIfNeeded: bytesSent),
            reports: blocks)),
        .sourceDescription([.cname(ssrc: ssrc, cname)]),
      ]
    } else {
      packets = RTCPPacket.receiverReportCompound(ssrc: ssrc, cname: cname, reports: blocks)
    }
    packetsSentAtLastReport = packetsSent
    reportsSent += 1
    nextReport = now &+ randomizedInterval()
    // Our own packets always serialize (at most one block, a short CNAME).
    return (try? RTCPPacket.serializeCompound(packets)) ?? []
  }

  /// The BYE compound packet a stream sends when it closes (§6.6: an RR, then the BYE).
  public func makeGoodbye(ssrc: UInt32) -> [UInt8] {
    let packets: [RTCPPacket] = [
      .receiverReport(RTCPReceiverReport(ssrc: ssrc)), .goodbye(RTCPGoodbye(ssrcs: [ssrc])),
    ]
    return (try? RTCPPacket.serializeCompound(packets)) ?? []
  }

  /// Reads one received compound packet at `now` (`ntp`: the wall clock then). Sender reports go
  /// into `reception` (the LSR/DLSR of our next report); the block about `ssrc` (our stream) is
  /// kept, with the round-trip time it gives.
  public mutating func receive(
    _ datagram: UnsafeRawBufferPointer, now: UInt64, ntp: UInt64, ssrc: UInt32,
    reception: inout RTPStreamStatistics
  ) {
    let packets: [RTCPPacket]
    do { packets = try RTCPPacket.parseCompound(datagram) } catch {
      malformed += 1
      return
    }
    reportsReceived += 1
    for packet in packets {
      switch packet {
      case .senderReport(let report):
        reception.recordSenderReport(ntpTimestamp: report.ntpTimestamp, arrival: now)
        peerPacketsSent = report.packetCount
        peerOctetsSent = report.octetCount
        note(report.reports, ntp: ntp, ssrc: ssrc)
      case .receiverReport(let report):
        note(report.reports, ntp: ntp, ssrc: ssrc)
      case .sourceDescription(let chunks):
        if let name = chunks.lazy.compactMap(\.cname).first { peerCNAME = name }
      case .goodbye:
        goodbyeReceived = true
      case .unknown:
        break
      }
    }
  }

  private mutating func note(_ blocks: [RTCPReportBlock], ntp: UInt64, ssrc: UInt32) {
    guard let block = blocks.first(where: { $0.ssrc == ssrc }) else { return }
    peerReport = block
    // §6.4.1: LSR 0 means no SR of ours reached the peer yet.
    guard block.lastSenderReport != 0 else { return }
    let arrival = UInt32(truncatingIfNeeded: ntp >> 16)
    let units = arrival &- block.lastSenderReport &- block.delaySinceLastSenderReport
    // A wrapped (negative) difference is a bad clock or report, not a 18-hour round trip.
    guard units < 0x8000_0000 else { return }
    roundTripNanoseconds = UInt64(units) * 1_000_000_000 / 65536
  }

  /// 0.5–1.5 × ``interval`` (§6.3.1), from a xorshift generator.
  private mutating func randomizedInterval() -> UInt64 {
    randomState ^= randomState << 13
    randomState ^= randomState >> 7
    randomState ^= randomState << 17
    let unit = Double(randomState >> 11) / Double(1 << 53)
    return UInt64(Double(interval) * (0.5 + unit))
  }
}
