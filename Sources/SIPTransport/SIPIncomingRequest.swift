public import SIPCore
public import SIPProtocol

/// A new request for the transaction user, with the server transaction made for it; answer it
/// with ``SIPTransport/respond(_:to:)`` (retransmissions of the request are absorbed meanwhile).
public struct SIPIncomingRequest: Sendable {
  public let message: SIPMessage
  public let transaction: TransactionID
  /// The dialog it belongs to, when it carries a To tag of a dialog of ours.
  public let dialog: DialogID?
  /// Where it came from: the transport and the packet's source address (not Via's sent-by).
  public let source: SIPEndpoint
  /// The local leg it arrived on, `udp:127.0.0.1:5060`.
  public let leg: String
  /// Where its answers go when it came over UDP with `rport` and was handed over as it was read
  /// (its top Via's text and the packet's source): ``SIPTransport/respond(_:to:)-(_,SIPIncomingRequest)``
  /// then sends there without parsing the response's Via again or resolving its address.
  let reply: SIPTransport.ReceivingRequest?
}
