// Tests for RTPMedia.
