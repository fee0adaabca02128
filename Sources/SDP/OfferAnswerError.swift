// Errors of the offer/answer exchange.

/// An answer we cannot accept, or an exchange in the wrong state: which stream and why.
public struct OfferAnswerError: Error, Hashable, Sendable, CustomStringConvertible {
  public struct Kind: Hashable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }

    public static let noPendingOffer = Kind("no offer of ours is waiting for an answer")
    public static let mediaCountMismatch = Kind("answer has another number of m= lines than the offer")
    public static let mediaTypeMismatch = Kind("answer changes a stream's media type")
    public static let protocolMismatch = Kind("answer changes a stream's transport protocol")
    public static let acceptedDisabledStream = Kind("answer accepts a stream the offer disabled")
    public static let codecNotOffered = Kind("answer uses a codec we did not offer")
    public static let noCommonCodec = Kind("answer accepts a stream without an audio codec")
  }

  public let kind: Kind
  /// Position of the `m=` line, nil for errors of the whole description.
  public let mediaIndex: Int?
  public let detail: String

  init(_ kind: Kind, media: Int? = nil, _ detail: String = "") {
    self.kind = kind
    self.mediaIndex = media
    self.detail = detail
  }

  public var description: String {
    (mediaIndex.map { "m= line \($0 + 1): " } ?? "") + kind.description
      + (detail.isEmpty ? "" : ": \(detail)")
  }
}
