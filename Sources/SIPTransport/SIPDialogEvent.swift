public import SIPCore
public import SIPProtocol

/// What the core reports about dialogs, for the call layer (``SIPTransport/dialogHandler``).
public enum SIPDialogEvent: Sendable {
  /// A response no pending request of ours waits for: a 2xx to an INVITE from a second fork, or
  /// one that came after the request was completed. With ACKs left to the call layer it must be
  /// ACKed (and usually BYEd) by it.
  case response(SIPMessage, transaction: TransactionID, dialog: DialogID?)
  /// The ACK for our 2xx arrived (RFC 3261 §13.3.1.4).
  case ackReceived(SIPMessage, dialog: DialogID)
  /// The peer cancelled this INVITE server transaction; the core answered 200 and 487 (§9.2).
  case cancelled(TransactionID)
  /// No ACK came for our 2xx within 64·T1; the core sent BYE.
  case ackTimeout(DialogID)
  /// The core forgot the dialog (BYE sent or received, early dialog ended).
  case dialogTerminated(DialogID)
}
