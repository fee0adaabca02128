/// What a stream sends on each tick.
public enum MediaSource: Sendable {
  /// Nothing: a receive-only, held or echoing stream.
  case none
  /// Encoded silence, 20 ms per tick (keeps NAT bindings and the peer's RTP timeout alive).
  case silence
  /// The clips one after the other, the whole list `repeat` times, then ``MediaEvent/playbackDone``
  /// and silence.
  case clips([MediaClip], repeat: PlaybackRepeat)
  /// A sine tone of `frequency` Hz at `amplitude` (linear, of 32767) for `milliseconds`
  /// (nil: until replaced).
  case tone(frequency: Double, amplitude: Int16 = 8000, milliseconds: Int?)
}

/// How often a playback list runs.
public enum PlaybackRepeat: Hashable, Sendable {
  case times(Int)
  case forever

  /// Net::SIP's REPEAT argument of `media_send_recv`: not given means once, a count ≤ 0 forever.
  /// (Net::SIP 0.83's code treats 0 as once and only negatives as forever, while its own comment
  /// says ≤ 0; sipscript follows the documented contract `repeat <= 0` = forever.)
  public init(netSIP count: Int?) {
    guard let count else {
      self = .times(1)
      return
    }
    self = count <= 0 ? .forever : .times(count)
  }
}
