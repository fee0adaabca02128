import NIOCore

/// What the IVR words of all calls of one runtime share: the prompt loader (clip cache, speech
/// synthesizer) and the matcher of `gather`'s `valid` patterns.
final class IVRServices {
  let loader: PromptLoader
  /// Made on the first gather with `valid`.
  var matcher: LuaPatternMatcher?

  init(eventLoop: any EventLoop) {
    loader = PromptLoader(eventLoop: eventLoop)
  }
}

@available(*, unavailable)
extension IVRServices: Sendable {}
