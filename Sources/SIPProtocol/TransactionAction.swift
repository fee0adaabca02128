public import SIPCore

/// An output of one transaction machine, for its owner (the ``TransactionLayer``) to perform.
public enum TransactionAction: Sendable {
  /// Send this message to the transaction's peer.
  case send(SIPMessage)
  /// Arm (or re-arm) this timer to fire once after the duration.
  case arm(TransactionTimer, Duration)
  /// Forget this timer.
  case cancel(TransactionTimer)
  /// Pass this message to the transaction user (a response for a client transaction, the request
  /// for a server one).
  case passToTU(SIPMessage)
  /// Tell the TU the transaction timed out (Timer B, F or H).
  case timeout
  /// Tell the TU the transport failed.
  case transportError
  /// The transaction is over; its owner forgets it.
  case terminate
}
