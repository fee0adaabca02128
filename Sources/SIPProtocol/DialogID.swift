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
}
