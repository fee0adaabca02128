import Testing

@testable import RTPMedia

/// What every stream pays inline (docs/benchmarks-calls.md, "callmem"): playback, DTMF, echo,
/// recorder, tap and their buffers live in one box made on first use.
@Suite struct MediaStreamStateLayoutTests {
  @Test func activityIsOutOfLine() {
    // 960 B with the activity inline, 696 B without.
    #expect(MemoryLayout<MediaStreamState>.size <= 720)
    #expect(MemoryLayout<MediaStreamState.Activity>.size > 8 * MemoryLayout<Int>.size)
  }
}
