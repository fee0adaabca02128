// a=sendrecv / sendonly / recvonly / inactive (RFC 8866 §6.7, RFC 3264 §5.1).

/// The direction of a stream, always from the point of view of the side that wrote it.
public enum MediaDirection: String, Sendable, Hashable, CaseIterable {
  case sendrecv, sendonly, recvonly, inactive

  public init(sends: Bool, receives: Bool) {
    switch (sends, receives) {
    case (true, true): self = .sendrecv
    case (true, false): self = .sendonly
    case (false, true): self = .recvonly
    case (false, false): self = .inactive
    }
  }

  public var sends: Bool { self == .sendrecv || self == .sendonly }
  public var receives: Bool { self == .sendrecv || self == .recvonly }

  /// The same stream seen from the other side: sendonly becomes recvonly (RFC 3264 §6.1).
  public var reversed: MediaDirection { MediaDirection(sends: receives, receives: sends) }

  /// What both allow.
  public func intersection(_ other: MediaDirection) -> MediaDirection {
    MediaDirection(sends: sends && other.sends, receives: receives && other.receives)
  }
}
