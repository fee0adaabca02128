// The event list of telephone-event's fmtp (RFC 4733 §2.4.1).

/// A set of RFC 4733 event codes, written `0-15` or `0-11,16` in `a=fmtp`.
public struct TelephoneEvents: Sendable, Hashable, CustomStringConvertible {
  /// Event codes 0-255 (RFC 4733 §2.3.5: the event field is 8 bits).
  public private(set) var codes: Set<Int>

  public init(_ codes: some Sequence<Int>) {
    self.codes = Set(codes.filter { (0...255).contains($0) })
  }

  /// DTMF digits 0-9, *, #, A-D (RFC 4733 §3.2): the default when no fmtp is given (§2.4.1).
  public static let dtmf = TelephoneEvents(0...15)
  /// DTMF plus flash (16), what most phones offer.
  public static let dtmfAndFlash = TelephoneEvents(0...16)

  /// Parses `0-15,66,70`; nil on anything else. Values past 255 are refused, so the work is bounded.
  public init?(parsing text: String) {
    var codes = Set<Int>()
    for item in text.split(separator: ",", omittingEmptySubsequences: false) {
      let bounds = item.split(separator: "-", omittingEmptySubsequences: false)
      guard bounds.count <= 2, let low = SDPSyntax.number(bounds[0].trimmingSpaces, max: 255) else {
        return nil
      }
      let high = bounds.count == 2 ? SDPSyntax.number(bounds[1].trimmingSpaces, max: 255) : low
      guard let high, low <= high else { return nil }
      codes.formUnion(low...high)
    }
    self.codes = codes
  }

  public func intersection(_ other: TelephoneEvents) -> TelephoneEvents {
    TelephoneEvents(codes.intersection(other.codes))
  }

  public var isEmpty: Bool { codes.isEmpty }

  /// Ranges joined by commas: `0-16`, `0-11,16`.
  public var description: String {
    var parts: [String] = []
    var sorted = codes.sorted()[...]
    while let low = sorted.first {
      var high = low
      sorted = sorted.dropFirst()
      while let next = sorted.first, next == high + 1 {
        high = next
        sorted = sorted.dropFirst()
      }
      parts.append(low == high ? "\(low)" : "\(low)-\(high)")
    }
    return parts.joined(separator: ",")
  }
}

extension Substring {
  var trimmingSpaces: Substring {
    var text = self
    while text.first == " " { text = text.dropFirst() }
    while text.last == " " { text = text.dropLast() }
    return text
  }
}
