// Tests for RTPCore.
