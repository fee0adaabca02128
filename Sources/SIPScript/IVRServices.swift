import NIOCore

/// What the IVR words of all calls of one runtime share: the prompt loader (clip cache, speech
/// synthesizer) and the matcher of `gather`'s `valid` patterns.
final class IVRServices {
  let loader: PromptLoader
  /// Made on the first gather with `valid`.
  var matcher: LuaPatternMatcher?

  init(binding: CallBinding) {
    loader = PromptLoader(eventLoop: binding.agent.eventLoop)
    // When the run ends (sip.stop, os.exit, the end of the script) with calls still up, their
    // recordings are finished and closed, and their gathers and prompts end.
    binding.runtime?.shutdownObservers.append { [weak binding] in
      guard let binding else { return }
      for handle in binding.handles.values { handle.ivr.shutdown() }
    }
  }
}

@available(*, unavailable)
extension IVRServices: Sendable {}
