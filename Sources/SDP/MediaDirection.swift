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

  /// The direction a flag attribute's name stands for, compared as `rawValue == name.lowercased()`
  /// (without building a string for ASCII names); nil for other attributes.
  init?(attributeName name: Substring) {
    if let packed = SDPSyntax.packedLowercase(name.utf8) {
      // Every direction's name is 8 ASCII letters: a name that packs matches one or none.
      switch packed {
      case Self.packedNames.0: self = .sendrecv
      case Self.packedNames.1: self = .sendonly
      case Self.packedNames.2: self = .recvonly
      case Self.packedNames.3: self = .inactive
      default: return nil
      }
      return
    }
    for direction in Self.allCases where SDPSyntax.equalLowercased(name, direction.rawValue) {
      self = direction
      return
    }
    return nil
  }

  /// ``init(attributeName:)`` for an ASCII name's bytes.
  init?(asciiAttributeName name: ArraySlice<UInt8>) {
    // Every direction's name is 8 letters: a longer name (which does not pack) is none of them.
    switch SDPSyntax.packedLowercase(name) {
    case Self.packedNames.0: self = .sendrecv
    case Self.packedNames.1: self = .sendonly
    case Self.packedNames.2: self = .recvonly
    case Self.packedNames.3: self = .inactive
    default: return nil
    }
  }

  // (No text packs to UInt64.max: 8 bytes of 7 bits and a 4-bit length leave the top bits 0.)
  private static let packedNames = (
    SDPSyntax.packedLowercase("sendrecv".utf8) ?? .max, SDPSyntax.packedLowercase("sendonly".utf8) ?? .max,
    SDPSyntax.packedLowercase("recvonly".utf8) ?? .max, SDPSyntax.packedLowercase("inactive".utf8) ?? .max
  )

  public var sends: Bool { self == .sendrecv || self == .sendonly }
  public var receives: Bool { self == .sendrecv || self == .recvonly }

  /// The same stream seen from the other side: sendonly becomes recvonly (RFC 3264 §6.1).
  public var reversed: MediaDirection { MediaDirection(sends: receives, receives: sends) }

  /// What both allow.
  public func intersection(_ other: MediaDirection) -> MediaDirection {
    MediaDirection(sends: sends && other.sends, receives: receives && other.receives)
  }
}
