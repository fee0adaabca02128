/// How long an echoing stream holds what it receives before sending it back.
public enum EchoDelay: Hashable, Sendable {
  /// Send a packet back once `count` newer packets have arrived (Net::SIP `media_recv_echo`'s
  /// DELAY: 0 echoes at once).
  case packets(Int)
  /// The same, counted in time: `milliseconds / 20` packets.
  case milliseconds(Int)

  /// The delay in packets, at most ``maximumPackets`` (ten seconds), at least 0.
  public var packetCount: Int {
    let count: Int
    switch self {
    case .packets(let packets): count = packets
    case .milliseconds(let milliseconds): count = milliseconds / 20
    }
    return min(max(count, 0), Self.maximumPackets)
  }

  /// Bound on the delay buffer: 500 packets, 10 s of audio.
  public static let maximumPackets = 500
}
