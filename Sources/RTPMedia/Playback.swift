/// Position in a playback list (``MediaSource/clips(_:repeat:)``).
struct Playback {
  let clips: [MediaClip]
  /// Runs left after the current one; nil: forever.
  private var runsLeft: Int?
  private var clipIndex = 0
  private var position = 0
  private let totalSamples: Int

  init(clips: [MediaClip], repeatMode: PlaybackRepeat) {
    self.clips = clips
    switch repeatMode {
    case .forever: runsLeft = nil
    case .times(let count): runsLeft = max(count, 1) - 1
    }
    totalSamples = clips.reduce(0) { $0 + $1.samples.count }
  }

  /// Fills one frame; the rest after the end of the list is silence. Returns true when the list
  /// has ended (the frame may still hold its last samples).
  mutating func fill(_ frame: UnsafeMutableBufferPointer<Int16>) -> Bool {
    // An empty list would loop forever without producing a sample.
    guard totalSamples > 0 else {
      frame.update(repeating: 0)
      return true
    }
    var filled = 0
    while filled < frame.count {
      if clipIndex >= clips.count {
        if let left = runsLeft {
          if left == 0 {
            for index in filled..<frame.count { frame[index] = 0 }
            return true
          }
          runsLeft = left - 1
        }
        clipIndex = 0
        position = 0
      }
      let samples = clips[clipIndex].samples
      let count = min(frame.count - filled, samples.count - position)
      if count > 0 {
        samples.withUnsafeBufferPointer { source in
          for index in 0..<count { frame[filled + index] = source[position + index] }
        }
        filled += count
        position += count
      }
      if position >= samples.count {
        clipIndex += 1
        position = 0
      }
    }
    // Ended exactly at a frame boundary: report it now rather than one silent frame later.
    if clipIndex >= clips.count, runsLeft == 0 { return true }
    return false
  }
}
