import IVRCore
import NIOCore
import RTPMedia
import SIPCall

/// Drives one `call:gather{…}`: IVRCore's ``IVRCore/DigitCollector`` (the rules of
/// docs/gather-semantics.md) with real timers on the call's loop, its prompts played through the
/// call's ``LuaCallIVR``, and the call's merged keys. The prompts were loaded before the run
/// starts; ``finish`` gets the result once.
///
/// Not thread-safe: on the call's event loop.
final class GatherRun {
  /// Held strongly: the run may outlive the script's reference to the call; the cycle through
  /// `ivr.recordings` / `ivr.gather` ends when the run finishes.
  private let handle: LuaCallHandle
  private var ivr: LuaCallIVR { handle.ivr }
  private var collector: DigitCollector
  private let prompts: [GatherPrompt: [PromptItem]]
  private var timers: [IVRTimerID: Scheduled<Void>] = [:]
  private var playing: (id: PromptID, playback: PromptPlayback)?
  private var finish: ((GatherResult) -> Void)?

  init(
    ivr: LuaCallIVR, collector: DigitCollector, prompts: [GatherPrompt: [PromptItem]],
    finish: @escaping (GatherResult) -> Void
  ) {
    self.handle = ivr.handle
    self.collector = collector
    self.prompts = prompts
    self.finish = finish
  }

  var isFinished: Bool { finish == nil }
  /// The collector has started: keys go to it (before, they wait in the call's queue).
  private(set) var isStarted = false

  /// Starts the collector, then hands it the keys typed ahead (queued before the gather began),
  /// as if pressed now; the keys left when it ends stay in `typedAhead`.
  func start(typedAhead: inout [DTMFEvent]) {
    isStarted = true
    perform(collector.handle(.start))
    while !isFinished, !typedAhead.isEmpty {
      digit(typedAhead.removeFirst().key)
    }
  }

  /// Ends the run without a result (its prompts could not be loaded; the caller reports why).
  func abandon() {
    finish = nil
    if ivr.gather === self { ivr.gather = nil }
  }

  func digit(_ key: Character) {
    perform(collector.handle(.digit(key)))
  }

  func hangup() {
    perform(collector.handle(.hangup))
  }

  private func perform(_ actions: [DigitCollector.Action]) {
    for action in actions {
      switch action {
      case .play(let id, let kind):
        let bound = NIOLoopBound(self, eventLoop: ivr.call.eventLoop)
        let playback = ivr.play(prompts[kind] ?? [], bargeIn: false) { outcome in
          let run = bound.value
          if case .failed(let message) = outcome {
            run.ivr.call.agent.logger.warning(
              "gather: \(kind.rawValue) not played: \(message)", metadata: ["call-id": "\(run.ivr.call.id)"])
          }
          if run.playing?.id == id { run.playing = nil }
          run.perform(run.collector.handle(.promptFinished(id)))
        }
        playing = (id, playback)
      case .stopPrompt(let id):
        if let current = playing, current.id == id {
          playing = nil
          current.playback.stop(.stopped)
        }
      case .arm(let id, let after):
        let bound = NIOLoopBound(self, eventLoop: ivr.call.eventLoop)
        timers[id] = ivr.call.eventLoop.scheduleTask(in: after.nanosecondAmount) {
          let run = bound.value
          guard run.timers.removeValue(forKey: id) != nil else { return }
          run.perform(run.collector.handle(.timerFired(id)))
        }
      case .cancel(let id):
        timers.removeValue(forKey: id)?.cancel()
      case .finish(let result):
        for timer in timers.values { timer.cancel() }
        timers.removeAll()
        if ivr.gather === self { ivr.gather = nil }
        let done = finish
        finish = nil
        done?(result)
      }
    }
  }
}

extension Duration {
  /// As NIO's time amount (nanoseconds, rounded down).
  var nanosecondAmount: TimeAmount {
    let (seconds, attoseconds) = components
    return .nanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
  }
}

@available(*, unavailable)
extension GatherRun: Sendable {}
