// SIPProtocol — transactions (RFC 3261 §17, RFC 6026) and dialogs (§12) as pure state machines:
// messages, timer firings and transport errors in; actions (send, arm timer, deliver, report) out.
