/// A dialog's identifier (RFC 3261 §12): Call-ID, local tag and remote tag, as seen from our side.
public struct DialogID: Sendable, Hashable, CustomStringConvertible {
  public var callID: String
  public var localTag: String
  public var remoteTag: String

  public init(callID: String, localTag: String, remoteTag: String) {
    self.callID = callID
    self.localTag = localTag
    self.remoteTag = remoteTag
  }

  public var description: String { "\(callID);local=\(localTag);remote=\(remoteTag)" }

  /// The Call-ID and our tag only: equal IDs still hash alike (equality compares all three), and
  /// our tag is random per dialog, so only the forks of one INVITE (same Call-ID and From tag,
  /// RFC 3261 §12.1.2) share a hash. A core looks a dialog up in several tables for each message
  /// (~13 lookups per call), and the remote tag was a third String hashed each time
  /// (docs/benchmarks-calls.md, "arc").
  public func hash(into hasher: inout Hasher) {
    hasher.combine(callID)
    hasher.combine(localTag)
  }
}
