/// An RTP header extension (RFC 3550 §5.3.1): 16 profile-defined bits and a body whose length is a
/// multiple of four octets.
public struct RTPHeaderExtension: Hashable, Sendable {
  public var profile: UInt16
  /// The extension body; its count must be a multiple of 4 and at most 4 × 65535.
  public var data: [UInt8]

  public init(profile: UInt16, data: [UInt8]) {
    self.profile = profile
    self.data = data
  }
}
