import RTPMedia
import Testing

@Suite struct RTPPacerTests {
  let ms: UInt64 = 1_000_000

  @Test func tickZeroIsDueAtStartAndDeadlinesAreAbsolute() {
    var pacer = RTPPacer(start: 1000 * ms)
    #expect(pacer.nextDeadline == 1000 * ms)
    #expect(pacer.wake(at: 1000 * ms) == .init(frames: 1, skipped: 0, lateness: 0))
    #expect(pacer.nextDeadline == 1020 * ms)
    // Woken 3 ms late: one frame, error 3 ms, and the next deadline is NOT moved by the lateness.
    #expect(pacer.wake(at: 1023 * ms) == .init(frames: 1, skipped: 0, lateness: 3 * ms))
    #expect(pacer.nextDeadline == 1040 * ms)
    #expect(pacer.wake(at: 1040 * ms).lateness == 0)
  }

  @Test func noDriftOverManyLateWakeUps() {
    var pacer = RTPPacer(start: 0)
    var frames = 0
    // Every wake-up comes 1.5 ms after its deadline, for 10 000 ticks (200 s).
    for _ in 0..<10_000 {
      let wake = pacer.wake(at: pacer.nextDeadline + 1_500_000)
      frames += wake.frames
      #expect(wake.lateness == 1_500_000)
    }
    #expect(frames == 10_000)
    #expect(pacer.nextDeadline == 10_000 * 20 * ms)
  }

  @Test func earlyWakeUpSendsNothing() {
    var pacer = RTPPacer(start: 100 * ms)
    #expect(pacer.wake(at: 99 * ms).frames == 0)
    #expect(pacer.nextTick == 0)
  }

  @Test func lateByTwoTicksCatchesUpWithinTheBurst() {
    var pacer = RTPPacer(start: 0, maximumBurst: 3)
    _ = pacer.wake(at: 0)
    // Ticks 1 (20 ms) and 2 (40 ms) are due at 45 ms.
    #expect(pacer.wake(at: 45 * ms) == .init(frames: 2, skipped: 0, lateness: 25 * ms))
    #expect(pacer.nextDeadline == 60 * ms)
  }

  @Test func longStallSkipsInsteadOfBursting() {
    var pacer = RTPPacer(start: 0, maximumBurst: 3)
    _ = pacer.wake(at: 0)
    // A 1 s stall: ticks 1...50 are due; 3 go out, 47 are skipped.
    let wake = pacer.wake(at: 1000 * ms)
    #expect(wake.frames == 3)
    #expect(wake.skipped == 47)
    #expect(wake.lateness == 980 * ms)
    #expect(pacer.nextDeadline == 1020 * ms)
    #expect(pacer.skippedFrames == 47)
    #expect(pacer.maximumLateness == 980 * ms)
  }
}
