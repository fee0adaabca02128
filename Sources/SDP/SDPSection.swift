// What session level and media level have in common: an ordered list of lines with attributes.

/// A part of a session description held as ordered lines: the session level
/// (``SessionDescription``) or one media description (``MediaDescription``).
///
/// Typed accessors read the lines (the parser has checked them, so they do not fail on a parsed
/// description); setters replace lines in place, keeping the others where they are.
public protocol SDPSection {
  var lines: [SDPLine] { get set }
}

extension SDPSection {
  /// All values of attribute `name` in order; a flag attribute (`a=sendonly`) gives "".
  public func attributeValues(_ name: String) -> [String] {
    lines.compactMap { line in
      guard let attribute = line.attribute, SDPSyntax.equalLowercased(attribute.name, name) else {
        return nil
      }
      return attribute.value.map(String.init) ?? ""
    }
  }

  /// The first value of attribute `name` ("" for a flag), nil if absent.
  public func attribute(_ name: String) -> String? {
    for line in lines {
      if let attribute = line.attribute, SDPSyntax.equalLowercased(attribute.name, name) {
        return attribute.value.map(String.init) ?? ""
      }
    }
    return nil
  }

  /// The first `c=` line of this section.
  public var connection: Connection? {
    get { scannedConnection }
    set { replaceLine(type: "c", with: newValue.map { SDPLine("c", $0.description) }) }
  }

  /// The direction attribute written in this section, nil if none (RFC 3264 §5.1: sendrecv then).
  public var direction: MediaDirection? {
    get { scannedDirection }
    set { setDirection(newValue) }
  }

  /// ``connection`` read from the lines (the general path; a parsed section has it summarized).
  var scannedConnection: Connection? {
    lines.first { $0.asciiType == UInt8(ascii: "c") }.flatMap { Connection(parsing: $0.value) }
  }

  /// ``direction`` read from the lines.
  var scannedDirection: MediaDirection? {
    for line in lines {
      if let attribute = line.attribute, attribute.value == nil,
        let direction = MediaDirection(attributeName: attribute.name)
      {
        return direction
      }
    }
    return nil
  }

  mutating func setDirection(_ newValue: MediaDirection?) {
    let index = lines.firstIndex { line in
      guard let attribute = line.attribute, attribute.value == nil else { return false }
      return MediaDirection(attributeName: attribute.name) != nil
    }
    lines.removeAll { line in
      guard let attribute = line.attribute, attribute.value == nil else { return false }
      return MediaDirection(attributeName: attribute.name) != nil
    }
    guard let newValue else { return }
    lines.insert(.attribute(newValue.rawValue), at: min(index ?? lines.count, lines.count))
  }

  /// Appends an `a=` line.
  public mutating func appendAttribute(_ name: String, _ value: String? = nil) {
    lines.append(.attribute(name, value))
  }

  /// Removes every `a=` line named `name`.
  public mutating func removeAttributes(_ name: String) {
    lines.removeAll { $0.attribute.map { SDPSyntax.equalLowercased($0.name, name) } ?? false }
  }

  /// Replaces the first line of `type` (or removes it, with nil); a new line goes where RFC 8866's
  /// order puts it.
  mutating func replaceLine(type: Character, with line: SDPLine?) {
    if let index = lines.firstIndex(where: { $0.type == type }) {
      if let line {
        var replaced = line
        replaced.terminator = lines[index].terminator
        lines[index] = replaced
      } else {
        lines.remove(at: index)
      }
      return
    }
    guard let line else { return }
    let rank = Self.rank(of: type)
    let position = lines.firstIndex { Self.rank(of: $0.type).map { $0 > (rank ?? 0) } ?? false }
    lines.insert(line, at: position ?? lines.count)
  }

  /// The position of a line type in this section's grammar (RFC 8866 §9); nil for unknown types.
  static func rank(of type: Character) -> Int? {
    let order: [Character] = isMediaLevel ? SDPGrammar.mediaOrder : SDPGrammar.sessionOrder
    return order.firstIndex(of: type)
  }

  static var isMediaLevel: Bool { Self.self == MediaDescription.self }
}

/// RFC 8866 §9: the order of lines at each level.
enum SDPGrammar {
  static let sessionOrder: [Character] = [
    "v", "o", "s", "i", "u", "e", "p", "c", "b", "t", "r", "z", "k", "a",
  ]
  static let mediaOrder: [Character] = ["m", "i", "c", "b", "k", "a"]
  static let sessionRepeatable: Set<Character> = ["e", "p", "b", "t", "r", "a"]
  static let mediaRepeatable: Set<Character> = ["c", "b", "a"]
  // The same as bytes, for the parser.
  static let sessionOrderBytes = sessionOrder.map { $0.asciiValue ?? 0 }
  static let mediaOrderBytes = mediaOrder.map { $0.asciiValue ?? 0 }
  static let sessionRepeatableBytes = sessionRepeatable.map { $0.asciiValue ?? 0 }
  static let mediaRepeatableBytes = mediaRepeatable.map { $0.asciiValue ?? 0 }
}
