/// The dialogs of a ``UserAgentCore`` by ID, each out of line: a hash bucket holds one pointer,
/// not a ``Dialog`` (hundreds of bytes) in every bucket, used or not (docs/benchmarks-calls.md,
/// "callmem"). Reads and writes like the dictionary it wraps.
///
/// A dialog is changed in place (``update(_:_:)``, the subscript's setter) while this table alone
/// holds its slot, and copied first otherwise, as a copy-on-write collection: reading a dialog out
/// and storing it back copied its addresses, target and route set twice (docs/benchmarks-calls.md,
/// "callcpu4").
public struct DialogTable: Sendable {
  /// One dialog out of line. Shared between copies of a table only until one of them writes
  /// (it then makes its own slot first), so no slot is ever changed while another table sees it.
  final class Slot: @unchecked Sendable {
    var dialog: Dialog
    init(_ dialog: Dialog) { self.dialog = dialog }
  }

  private var storage: [DialogID: Slot] = [:]

  public init() {}

  public subscript(id: DialogID) -> Dialog? {
    get { storage[id]?.dialog }
    set {
      guard let newValue else {
        storage[id] = nil
        return
      }
      if let index = storage.index(forKey: id), isKnownUniquelyReferenced(&storage.values[index]) {
        storage.values[index].dialog = newValue
      } else {
        storage[id] = Slot(newValue)
      }
    }
  }

  /// Adds `dialog` under its own ID in `state`. The dialog is taken, not borrowed: the caller's
  /// copy is moved into its slot, not copied again (docs/benchmarks-calls.md, "arc").
  public mutating func insert(_ dialog: consuming Dialog, state: Dialog.State) {
    let id = dialog.id
    dialog.state = state
    storage[id] = Slot(dialog)
  }

  /// Changes the dialog with this ID in place; nil (and `body` not run) when there is none.
  @discardableResult
  public mutating func update<Result>(_ id: DialogID, _ body: (inout Dialog) -> Result) -> Result? {
    guard let index = storage.index(forKey: id) else { return nil }
    if !isKnownUniquelyReferenced(&storage.values[index]) {
      storage.values[index] = Slot(storage.values[index].dialog)
    }
    return body(&storage.values[index].dialog)
  }

  /// Whether a dialog has this ID (without copying the dialog out, as `self[id] != nil` would).
  public func contains(_ id: DialogID) -> Bool { storage[id] != nil }

  /// The state of the dialog with this ID, without copying the dialog out.
  public func state(of id: DialogID) -> Dialog.State? { storage[id]?.dialog.state }

  public var count: Int { storage.count }
  public var isEmpty: Bool { storage.isEmpty }
  /// The dialogs, in no particular order.
  public var values: [Dialog] { storage.values.map(\.dialog) }

  /// Removes a dialog, returning it; nil when there was none.
  @discardableResult
  public mutating func removeValue(forKey id: DialogID) -> Dialog? {
    storage.removeValue(forKey: id)?.dialog
  }

  /// Removes a dialog without reading it out; false when there was none.
  @discardableResult
  public mutating func remove(_ id: DialogID) -> Bool {
    storage.removeValue(forKey: id) != nil
  }
}
