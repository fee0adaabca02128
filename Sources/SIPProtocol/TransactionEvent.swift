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
