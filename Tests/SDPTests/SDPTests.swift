// Tests for SDP.
