/// A dialog's identifier (RFC 3261 §12): Call-ID, local tag and remote tag, as seen from our side.
public struct DialogID: Sendable, Hashable, CustomStringConvertible {
  public var callID: String { didSet { digest = Self.digest(callID: callID, localTag: localTag) } }
  public var localTag: String { didSet { digest = Self.digest(callID: callID, localTag: localTag) } }
  public var remoteTag: String
  /// The hash of the Call-ID and our tag, taken once when the ID is made (or changed) with the
  /// process's seeded `Hasher`. Equal IDs still hash alike (equality compares all three), and our
  /// tag is random per dialog, so only the forks of one INVITE (same Call-ID and From tag, RFC 3261
  /// §12.1.2) share it. A core looks an ID up in several tables for each message (~14 lookups per
  /// call), and each lookup hashed both Strings again (docs/benchmarks-calls.md, "arc" and
  /// "tables"); the tables now hash these eight bytes (``TableHash``).
  private var digest: Int

  public init(callID: String, localTag: String, remoteTag: String) {
    self.callID = callID
    self.localTag = localTag
    self.remoteTag = remoteTag
    self.digest = Self.digest(callID: callID, localTag: localTag)
  }

  public var description: String { "\(callID);local=\(localTag);remote=\(remoteTag)" }

  public static func == (a: DialogID, b: DialogID) -> Bool {
    a.digest == b.digest && a.localTag == b.localTag && a.remoteTag == b.remoteTag && a.callID == b.callID
  }

  public func hash(into hasher: inout Hasher) { hasher.combine(digest) }

  /// The digest spread over the buckets, without a second SipHash of it.
  @inlinable public func _rawHashValue(seed: Int) -> Int {
    TableHash.mix(UInt64(bitPattern: Int64(digestForTables)), seed: seed)
  }

  /// ``digest``, for the inlinable table hash.
  @usableFromInline var digestForTables: Int { digest }

  private static func digest(callID: String, localTag: String) -> Int {
    var hasher = Hasher()
    hasher.combine(callID)
    hasher.combine(localTag)
    return hasher.finalize()
  }
}
