/// The payload of an RFC 4733 telephone-event packet (§2.3): event code, end bit, volume and
/// duration, four octets.
public struct TelephoneEvent: Hashable, Sendable {
  /// Events 0...15 are the DTMF keys "0"..."9", "*", "#", "A"..."D" (RFC 4733 §3.2).
  public static let dtmfKeys: [Character] = Array("0123456789*#ABCD")

  public var event: UInt8
  /// The E bit: this packet ends the event (§2.3.4).
  public var isEnd: Bool
  /// Power level in −dBm0, 0...63 (§2.3.3).
  public var volume: UInt8
  /// Duration so far in timestamp units, counted from the packet's RTP timestamp (§2.3.5).
  public var duration: UInt16

  public init(event: UInt8, isEnd: Bool = false, volume: UInt8 = 10, duration: UInt16) {
    self.event = event
    self.isEnd = isEnd
    self.volume = volume
    self.duration = duration
  }

  /// The event code of a DTMF key, nil for any other character.
  public static func event(forKey key: Character) -> UInt8? {
    dtmfKeys.firstIndex(of: key.uppercased().first ?? key).map { UInt8($0) }
  }

  /// The DTMF key of an event code 0...15, nil otherwise.
  public static func key(forEvent event: UInt8) -> Character? {
    event < 16 ? dtmfKeys[Int(event)] : nil
  }

  /// Parses the first four octets; nil when fewer are given. RFC 4733 §2.5.2.1 allows several
  /// events per packet only through redundancy (RFC 2198), which is not handled here.
  public init?(parsing payload: UnsafeRawBufferPointer) {
    guard payload.count >= 4 else { return nil }
    event = payload[0]
    isEnd = payload[1] & 0x80 != 0
    // The R bit (0x40) is reserved: ignored on receipt (§2.3.2).
    volume = payload[1] & 0x3F
    duration = payload.readUInt16(at: 2)
  }

  public init?(parsing payload: [UInt8]) {
    guard let value = payload.withUnsafeBytes({ TelephoneEvent(parsing: $0) }) else { return nil }
    self = value
  }

  /// The four payload octets.
  public var payload: [UInt8] {
    [event, (isEnd ? 0x80 : 0) | (volume & 0x3F), UInt8(duration >> 8), UInt8(duration & 0xFF)]
  }
}
