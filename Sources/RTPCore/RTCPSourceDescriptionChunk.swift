/// One SDES chunk: a source and its items (RFC 3550 §6.5).
public struct RTCPSourceDescriptionChunk: Hashable, Sendable {
  public var ssrc: UInt32
  public var items: [Item]

  public init(ssrc: UInt32, items: [Item]) {
    self.ssrc = ssrc
    self.items = items
  }

  /// A chunk holding only a CNAME, the one item every compound packet carries (§6.5.1).
  public static func cname(ssrc: UInt32, _ cname: String) -> Self {
    Self(ssrc: ssrc, items: [Item(type: Item.cname, value: Array(cname.utf8.prefix(255)))])
  }

  /// The CNAME item's text, if present.
  public var cname: String? {
    items.first { $0.type == Item.cname }.map { String(decoding: $0.value, as: UTF8.self) }
  }

  /// An SDES item: type 1...255 and up to 255 octets of (normally UTF-8) text.
  public struct Item: Hashable, Sendable {
    public static let cname: UInt8 = 1
    public static let name: UInt8 = 2
    public static let tool: UInt8 = 6

    public var type: UInt8
    public var value: [UInt8]

    public init(type: UInt8, value: [UInt8]) {
      self.type = type
      self.value = value
    }
  }
}
