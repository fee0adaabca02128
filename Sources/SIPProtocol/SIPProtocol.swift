// SIPProtocol — transactions (RFC 3261 §17, RFC 6026) and dialogs (§12) as pure state machines:
// messages, timer firings and transport errors in; actions (send, arm timer, deliver, report) out.
// Nothing here opens a socket or reads a clock: time exists only as durations in actions and as
// timer-fired events. See docs/architecture-protocol.md for the events, actions and timers.
