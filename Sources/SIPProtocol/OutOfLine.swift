/// An optional whose value lives in a heap box: one pointer inline, for state that most values
/// never hold (an exchange under way, the last ACK), so that a settled value stays small.
///
/// A value type like `Optional`: the box is immutable, and storing a new value makes a new box.
enum OutOfLine<Wrapped> {
  case none
  indirect case some(Wrapped)

  init(_ value: Wrapped?) {
    if let value { self = .some(value) } else { self = .none }
  }

  var value: Wrapped? {
    if case .some(let value) = self { return value }
    return nil
  }
}

extension OutOfLine: Sendable where Wrapped: Sendable {}
