/// Produces the RTP packets of one RFC 4733 event (a DTMF key press) for a given duration.
///
/// Sans-I/O: the result is a list of packets, each with the offset (in timestamp units after the
/// event start) at which to send it; the media layer sends each on its pacing tick.
///
/// The sequence (RFC 4733 §2.5.1):
/// - every ``packetInterval`` a packet carrying the duration so far, all with the RTP timestamp of
///   the event start; the first has the marker bit (§2.5.1.2);
/// - then ``endRetransmissions`` packets with the E bit and the final duration, one per interval,
///   with the same timestamp (§2.5.1.4: the end packet is retransmitted);
/// - each packet takes the next sequence number.
///
/// Events longer than the 16-bit duration field (65535 units, 8.19 s at 8 kHz) are split in
/// segments (§2.5.1.3): a packet with duration 0xFFFF closes a segment and the next segment
/// starts at timestamp + 0xFFFF, without marker bit, its duration counted from its own timestamp.
public struct TelephoneEventSender: Hashable, Sendable {
  /// A packet and when to send it.
  public struct ScheduledPacket: Hashable, Sendable {
    /// Timestamp units after the event start at which to send.
    public var offset: UInt32
    public var packet: RTPPacket
  }

  public var payloadType: UInt8
  public var ssrc: UInt32
  /// Timestamp units between packets: 160 (20 ms at 8 kHz) by default; 400 gives 50 ms.
  public var packetInterval: UInt32
  /// Volume field, −dBm0 (§2.3.3).
  public var volume: UInt8
  /// How many end packets to send (§2.5.1.4 recommends three).
  public var endRetransmissions: Int

  public init(
    payloadType: UInt8 = 101, ssrc: UInt32, packetInterval: UInt32 = 160, volume: UInt8 = 10,
    endRetransmissions: Int = 3
  ) {
    self.payloadType = payloadType
    self.ssrc = ssrc
    self.packetInterval = max(packetInterval, 1)
    self.volume = volume
    self.endRetransmissions = max(endRetransmissions, 1)
  }

  /// The packets of `event` lasting `duration` timestamp units, starting at RTP timestamp
  /// `timestamp` with sequence number `sequenceNumber`. The next free sequence number is
  /// `sequenceNumber &+ UInt16(truncatingIfNeeded: result.count)`.
  public func packets(
    event: UInt8, duration: UInt32, timestamp: UInt32, sequenceNumber: UInt16
  ) -> [ScheduledPacket] {
    var result: [ScheduledPacket] = []
    var sequence = sequenceNumber
    var segmentStart: UInt32 = 0
    var sendOffset: UInt32 = 0

    func emit(duration segmentDuration: UInt32, isEnd: Bool) {
      let payload = TelephoneEvent(
        event: event, isEnd: isEnd, volume: volume, duration: UInt16(truncatingIfNeeded: segmentDuration))
      let header = RTPHeader(
        marker: result.isEmpty, payloadType: payloadType, sequenceNumber: sequence,
        timestamp: timestamp &+ segmentStart, ssrc: ssrc)
      result.append(
        ScheduledPacket(offset: sendOffset, packet: RTPPacket(header: header, payload: payload.payload)))
      sequence &+= 1
      sendOffset &+= packetInterval
    }

    let maximum = UInt32(UInt16.max)
    var covered = packetInterval
    while covered < duration {
      if covered - segmentStart > maximum {
        // §2.5.1.3: close this segment at the field's maximum; the next one starts there.
        emit(duration: maximum, isEnd: false)
        segmentStart += maximum
      } else {
        emit(duration: covered - segmentStart, isEnd: false)
      }
      covered += packetInterval
    }
    while duration - segmentStart > maximum {
      emit(duration: maximum, isEnd: false)
      segmentStart += maximum
    }
    for _ in 0..<endRetransmissions {
      emit(duration: duration - segmentStart, isEnd: true)
    }
    return result
  }

  /// The packets of a DTMF key ("0"..."9", "*", "#", "A"..."D"), nil for another character.
  public func packets(
    key: Character, duration: UInt32, timestamp: UInt32, sequenceNumber: UInt16
  ) -> [ScheduledPacket]? {
    guard let event = TelephoneEvent.event(forKey: key) else { return nil }
    return packets(event: event, duration: duration, timestamp: timestamp, sequenceNumber: sequenceNumber)
  }
}
