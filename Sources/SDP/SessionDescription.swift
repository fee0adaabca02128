// SDP — session descriptions (RFC 8866) and the offer/answer model (RFC 3264). Sans-I/O.

/// A session description (RFC 8866): the session-level lines, then one ``MediaDescription`` per
/// `m=` line.
///
/// It is stored as lines, so unknown line types and attributes keep their place and an unmodified
/// description re-serializes to the bytes it was parsed from (line endings, trailing whitespace
/// included). Typed accessors (``origin``, ``connection``, ``MediaDescription/field``, ...) read and
/// write those lines.
///
/// ```swift
/// let sdp = try SessionDescription(parsing: body)
/// for media in sdp.getMedia() { print(media.address, media.port, media.formats) }
/// let pt = sdp.name2int("telephone-event/8000", mediaIndex: 0)  // 101
/// ```
public struct SessionDescription: SDPSection, Sendable, Hashable, CustomStringConvertible {
  /// Session-level lines, from `v=` to the last line before the first `m=`.
  public var lines: [SDPLine]
  /// One entry per `m=` line.
  public var media: [MediaDescription]
  /// The terminator lines built in code get: that of the first parsed line, else CRLF (RFC 8866 §5).
  public var lineEnding: String = "\r\n"
  /// Blank lines after the last line, kept for exact re-serialization.
  var trailer: String = ""

  /// `application/sdp` (RFC 8866 §8.1), Net::SIP's `content_type`.
  public static let contentType = "application/sdp"

  public init(lines: [SDPLine], media: [MediaDescription]) {
    self.lines = lines
    self.media = media
  }

  /// The `o=` line.
  public var origin: Origin? {
    get { lines.first { $0.type == "o" }.flatMap { Origin(parsing: $0.value) } }
    set { replaceLine(type: "o", with: newValue.map { SDPLine("o", $0.description) }) }
  }

  /// The `s=` line.
  public var sessionName: String? {
    get { lines.first { $0.type == "s" }?.value }
    set { replaceLine(type: "s", with: newValue.map { SDPLine("s", $0) }) }
  }

  /// Where the media of stream `index` goes: its own `c=`, else the session's (RFC 8866 §5.7).
  public func connection(forMedia index: Int) -> Connection? {
    guard media.indices.contains(index) else { return nil }
    return media[index].connection ?? connection
  }

  /// The direction of stream `index`: media level overrides session level, default sendrecv
  /// (RFC 3264 §5.1).
  public func direction(forMedia index: Int) -> MediaDirection {
    guard media.indices.contains(index) else { return .sendrecv }
    return media[index].direction ?? direction ?? .sendrecv
  }

  /// The same description with another `o=` version, for comparing descriptions by content.
  func withVersion(_ version: String) -> SessionDescription {
    var copy = self
    if var origin = copy.origin {
      origin.sessionVersion = version
      copy.origin = origin
    }
    return copy
  }
}
