public import SIPCore
public import SIPProtocol

// The call layer's answer to an INVITE, with the dialog it makes (SIPCall's `Call.sendResponse`).
extension SIPTransport {
  /// Sends the transaction user's 101–299 response to an INVITE it was given, with the UAS
  /// dialog that response makes or confirms, built by the caller from the request and the tag and
  /// Contact it put in the response (an `InviteSession`'s own dialog): as
  /// ``respond(_:to:)-(_,TransactionID)``, but the core keeps `dialog` instead of parsing the
  /// response's To, From and Contact to build the same dialog again
  /// (``UserAgentCore/Event/sendDialogResponse(_:transaction:dialog:)``).
  public func respond(_ response: SIPMessage, to transaction: TransactionID, dialog: Dialog) {
    eventLoop.preconditionInEventLoop()
    perform(
      core.handle(.sendDialogResponse(response, transaction: transaction, dialog: dialog)),
      reply: receivingRequest)
  }
}
