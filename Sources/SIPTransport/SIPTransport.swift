// SIPTransport — UDP and TCP legs on SwiftNIO and the dispatcher that drives SIPProtocol's state
// machines with real timers on one event loop.
