public import SIPCore

/// An input to one transaction machine.
public enum TransactionEvent: Sendable {
  /// Client: send the request now. Server: the request has just arrived.
  case start
  /// A message from the network that matched this transaction: a response (client) or a
  /// retransmitted request or ACK (server).
  case received(SIPMessage)
  /// Server: the TU asks to send this response.
  case sendResponse(SIPMessage)
  /// A timer this machine armed has fired.
  case timerFired(TransactionTimer)
  /// The transport could not send a message of this transaction (RFC 3261 §17.1.4, §17.2.4).
  case transportError
}

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
