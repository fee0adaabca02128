import IVRCore
import NIOCore
import RTPCore
import RTPMedia
import SIPCall

/// The IVR side of one call's Lua object (docs/lua-api.md, "IVR"): the prompt playing, the gather
/// and the recordings in progress, and where each received key goes.
///
/// A key (already merged from RFC 4733, INFO and in-band tones by the call's DTMFMerger) is offered
/// in this order: a recording that stops on it takes it; a prompt played with `barge_in` stops
/// (and does not take it); a gather in progress takes it; otherwise `wait_dtmf` gets it, or it is
/// queued for the next `wait_dtmf`, `gather` or barge-in `play`.
///
/// Not thread-safe: on the call's event loop.
final class LuaCallIVR {
  unowned let handle: LuaCallHandle
  /// The playback started last: only it may be stopped (an older one has been replaced).
  var current: PromptPlayback?
  var gather: GatherRun?
  var recordings: [RecordingRun] = []
  /// The recording whose recorder the stream holds now.
  weak var streamRecorder: RecordingRun?

  init(handle: LuaCallHandle) {
    self.handle = handle
  }

  var call: Call { handle.call }
  var loader: PromptLoader { handle.binding.ivr.loader }

  // MARK: - Keys

  /// Offers a received key; true when it was taken (by a recording's stop key or a gather).
  func route(_ key: Character) -> Bool {
    if let run = recordings.first(where: { $0.stops(on: key) }) {
      run.digit(key)
      return true
    }
    if let playback = current, playback.bargeIn { playback.stop(.dtmf) }
    if let gather, gather.isStarted {
      gather.digit(key)
      return true
    }
    return false
  }

  /// The call ended: the gather, the recordings and the prompt end with `hangup`.
  func hangup() {
    gather?.hangup()
    for run in recordings { run.hangup() }
    current?.stop(.hangup)
  }

  // MARK: - Playing prompts

  /// Plays `items` on the call's first stream (opened if need be): files are loaded and speech
  /// synthesized off the loop first. `completion` runs once, in a later turn of the loop.
  @discardableResult
  func play(
    _ items: [PromptItem], repeat mode: PlaybackRepeat = .times(1), bargeIn: Bool,
    completion: @escaping (PlayOutcome) -> Void
  ) -> PromptPlayback {
    let playback = PromptPlayback(eventLoop: call.eventLoop, bargeIn: bargeIn, completion: completion)
    playback.owner = self
    current = playback
    guard call.isAlive else {
      playback.finish(.hangup)
      return playback
    }
    let call = self.call
    let loader = self.loader
    let loop = call.eventLoop
    call.stream().assumeIsolated().flatMap { stream -> EventLoopFuture<[MediaClip]> in
      playback.stream = stream
      return loader.clips(for: items, law: stream.codec.law)
    }.flatMap { [weak self] clips -> EventLoopFuture<Void> in
      guard !playback.finished, let stream = playback.stream else { return loop.makeSucceededVoidFuture() }
      guard self?.current === playback else {
        playback.finish(.stopped)
        return loop.makeSucceededVoidFuture()
      }
      playback.isPlaying = true
      return stream.play(.clips(clips, repeat: mode)).hop(to: loop)
    }.whenComplete { result in
      switch result {
      case .success:
        playback.finish(.played)
      case .failure(let error):
        if !call.isAlive {
          playback.finish(.hangup)
        } else if case MediaError.stopped = error {
          playback.finish(.stopped)
        } else {
          playback.finish(.failed(Self.message(error)))
        }
      }
    }
    return playback
  }

  static func message(_ error: any Error) -> String {
    switch error {
    case let error as PromptError: error.description
    case let error as CallError: error.description
    default: "\(error)"
    }
  }
}

/// How a prompt ended; `values` are what `call:play` and `call:say` return.
enum PlayOutcome: Equatable {
  case played
  /// A key stopped it (`barge_in`).
  case dtmf
  case hangup
  /// Another playback, `stop_media` or a bridge replaced it.
  case stopped
  case failed(String)

  var values: [LuaValue] {
    switch self {
    case .played: [.boolean(true)]
    case .dtmf: [.nil, .string("dtmf")]
    case .hangup: [.nil, .string("hangup")]
    case .stopped: [.nil, .string("stopped")]
    case .failed(let message): [.nil, .string(message)]
    }
  }
}

/// One prompt being prepared or played. Stopping it before it plays cancels it; stopping it
/// while it plays puts the stream back to silence. Its completion runs exactly once, always in a
/// later turn of the loop (so a machine that stops a prompt is never re-entered).
final class PromptPlayback {
  let eventLoop: any EventLoop
  let bargeIn: Bool
  var stream: MediaStream?
  var isPlaying = false
  weak var owner: LuaCallIVR?
  private(set) var finished = false
  /// Why we stopped it, which wins over the stream's own "stopped".
  private var stopReason: PlayOutcome?
  private var completion: ((PlayOutcome) -> Void)?

  init(eventLoop: any EventLoop, bargeIn: Bool, completion: @escaping (PlayOutcome) -> Void) {
    self.eventLoop = eventLoop
    self.bargeIn = bargeIn
    self.completion = completion
  }

  /// Stops the prompt with `reason` (the result its waiter gets).
  func stop(_ reason: PlayOutcome) {
    guard !finished, stopReason == nil else { return }
    stopReason = reason
    if isPlaying, let stream {
      // Silence replaces the clips: the playback's future fails with `stopped` and finishes this.
      // A newer playback has replaced this one already (its end is on its way): leave it alone.
      if owner?.current === self { _ = stream.play(.silence) }
    } else {
      finish(reason)
    }
  }

  func finish(_ outcome: PlayOutcome) {
    guard !finished, let completion else { return }
    finished = true
    self.completion = nil
    let result = stopReason ?? outcome
    let bound = NIOLoopBound(completion, eventLoop: eventLoop)
    eventLoop.execute { bound.value(result) }
  }
}

@available(*, unavailable)
extension LuaCallIVR: Sendable {}

@available(*, unavailable)
extension PromptPlayback: Sendable {}
