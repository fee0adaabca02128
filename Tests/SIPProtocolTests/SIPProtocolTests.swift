// Tests for SIPProtocol.
