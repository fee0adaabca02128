// Tests for SIPTransport.
