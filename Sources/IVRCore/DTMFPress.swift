/// How a key press reached us.
public enum DTMFMethod: String, Sendable, Hashable, CaseIterable {
  /// RFC 4733 telephone-event packets in the RTP stream.
  case rfc4733
  /// A SIP INFO request (`application/dtmf-relay` or `application/dtmf`).
  case info
  /// The tones themselves in the audio, found by the Goertzel ``RTPCore/DTMFDetector``.
  case inBand = "inband"

  /// RFC 4733 and INFO are signalled: the phone says which key it sent.
  public var isOutOfBand: Bool { self != .inBand }
}

/// One key press, reported once however many methods carried it.
public struct DTMFPress: Sendable, Hashable, CustomStringConvertible {
  /// `0`–`9`, `*`, `#`, `A`–`D`.
  public var key: Character
  /// The method that reported it first (the others only confirmed it).
  public var method: DTMFMethod
  /// When that first report arrived, in the caller's monotonic nanoseconds.
  public var at: UInt64
  /// How long the key was held, in milliseconds, as that method told: the RFC 4733 end packet's
  /// duration, the INFO body's `Duration=`, the detected tone length; nil when it did not tell.
  public var duration: Int?

  public init(key: Character, method: DTMFMethod, at: UInt64, duration: Int? = nil) {
    self.key = key
    self.method = method
    self.at = at
    self.duration = duration
  }

  public var description: String {
    "\(key) by \(method.rawValue) at \(at) ns" + (duration.map { ", \($0) ms" } ?? "")
  }
}
