/// The dialogs of a ``UserAgentCore`` by ID, each out of line: a hash bucket holds one pointer,
/// not a ``Dialog`` (hundreds of bytes) in every bucket, used or not (docs/benchmarks-calls.md,
/// "callmem"). Reads and writes like the dictionary it wraps.
public struct DialogTable: Sendable {
  private var storage: [DialogID: OutOfLine<Dialog>] = [:]

  public init() {}

  public subscript(id: DialogID) -> Dialog? {
    get { storage[id]?.value }
    set { storage[id] = newValue.map { .some($0) } }
  }

  public var count: Int { storage.count }
  public var isEmpty: Bool { storage.isEmpty }
  /// The dialogs, in no particular order.
  public var values: [Dialog] { storage.values.compactMap(\.value) }

  /// Removes a dialog, returning it; nil when there was none.
  @discardableResult
  public mutating func removeValue(forKey id: DialogID) -> Dialog? {
    storage.removeValue(forKey: id)?.value
  }
}
