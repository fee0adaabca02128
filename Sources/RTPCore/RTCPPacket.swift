/// One packet of an RTCP compound packet (RFC 3550 §6.4–§6.6). Types this module does not model
/// (APP, feedback, XR…) are kept as ``unknown(packetType:count:body:)`` so that they can be skipped
/// or forwarded unchanged.
public enum RTCPPacket: Hashable, Sendable {
  case senderReport(RTCPSenderReport)
  case receiverReport(RTCPReceiverReport)
  case sourceDescription([RTCPSourceDescriptionChunk])
  case goodbye(RTCPGoodbye)
  /// `count` is the 5-bit field after the P bit; `body` follows the 4-octet header (its length is
  /// a multiple of 4).
  case unknown(packetType: UInt8, count: UInt8, body: [UInt8])

  /// RTCP packet types (RFC 3550 §12.1).
  public enum PacketType {
    public static let senderReport: UInt8 = 200
    public static let receiverReport: UInt8 = 201
    public static let sourceDescription: UInt8 = 202
    public static let goodbye: UInt8 = 203
    public static let application: UInt8 = 204
  }
}

/// A reception report block (RFC 3550 §6.4.1), 24 octets on the wire.
public struct RTCPReportBlock: Hashable, Sendable {
  /// The source this block reports on.
  public var ssrc: UInt32
  /// Fraction of packets lost since the previous report, as a fixed-point number with the binary
  /// point at the left edge (lost / expected × 256).
  public var fractionLost: UInt8
  /// Cumulative packets lost, a signed 24-bit value (−8388608...8388607); it may be negative
  /// because duplicates count as received (RFC 3550 §6.4.1).
  public var cumulativeLost: Int32
  /// Cycles in the high 16 bits, highest sequence number received in the low 16 bits.
  public var extendedHighestSequence: UInt32
  /// Interarrival jitter in timestamp units (RFC 3550 §6.4.1, §A.8).
  public var jitter: UInt32
  /// Middle 32 bits of the NTP timestamp of the last SR from this source, 0 if none.
  public var lastSenderReport: UInt32
  /// Delay since that SR was received, in units of 1/65536 s, 0 if none.
  public var delaySinceLastSenderReport: UInt32

  public init(
    ssrc: UInt32, fractionLost: UInt8, cumulativeLost: Int32, extendedHighestSequence: UInt32,
    jitter: UInt32, lastSenderReport: UInt32, delaySinceLastSenderReport: UInt32
  ) {
    self.ssrc = ssrc
    self.fractionLost = fractionLost
    // The field has 24 bits: clamp rather than wrap (RFC 3550 §6.4.1).
    self.cumulativeLost = min(max(cumulativeLost, -0x80_0000), 0x7F_FFFF)
    self.extendedHighestSequence = extendedHighestSequence
    self.jitter = jitter
    self.lastSenderReport = lastSenderReport
    self.delaySinceLastSenderReport = delaySinceLastSenderReport
  }
}

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

/// One SDES chunk: a source and its items (RFC 3550 §6.5).
public struct RTCPSourceDescriptionChunk: Hashable, Sendable {
  public var ssrc: UInt32
  public var items: [Item]

  public init(ssrc: UInt32, items: [Item]) {
    self.ssrc = ssrc
    self.items = items
  }

  /// A chunk holding only a CNAME, the one item every compound packet carries (§6.5.1).
  public static func cname(ssrc: UInt32, _ cname: String) -> Self {
    Self(ssrc: ssrc, items: [Item(type: Item.cname, value: Array(cname.utf8.prefix(255)))])
  }

  /// The CNAME item's text, if present.
  public var cname: String? {
    items.first { $0.type == Item.cname }.map { String(decoding: $0.value, as: UTF8.self) }
  }

  /// An SDES item: type 1...255 and up to 255 octets of (normally UTF-8) text.
  public struct Item: Hashable, Sendable {
    public static let cname: UInt8 = 1
    public static let name: UInt8 = 2
    public static let tool: UInt8 = 6

    public var type: UInt8
    public var value: [UInt8]

    public init(type: UInt8, value: [UInt8]) {
      self.type = type
      self.value = value
    }
  }
}

/// BYE: sources leaving, with an optional reason (RFC 3550 §6.6).
public struct RTCPGoodbye: Hashable, Sendable {
  public var ssrcs: [UInt32]
  /// Reason octets (UTF-8 text, at most 255), nil when absent.
  public var reason: [UInt8]?

  public init(ssrcs: [UInt32], reason: String? = nil) {
    self.ssrcs = ssrcs
    self.reason = reason.map { Array($0.utf8.prefix(255)) }
  }

  public init(ssrcs: [UInt32], reasonBytes: [UInt8]?) {
    self.ssrcs = ssrcs
    self.reason = reasonBytes
  }

  public var reasonText: String? { reason.map { String(decoding: $0, as: UTF8.self) } }
}
