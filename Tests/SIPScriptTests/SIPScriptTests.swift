// Tests for SIPScript.
