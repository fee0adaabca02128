// Tests for SIPCore.
