import IVRCore
import NIOCore
import NIOPosix

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
      for handle in binding.handles.values { handle.ivrIfMade?.shutdown() }
    }
  }
}

@available(*, unavailable)
extension IVRServices: Sendable {}

extension CallBinding {
  /// The speech cache keys of `sip.config` (docs/lua-api.md, `call:say`): `speech_cache_dir`,
  /// `speech_cache_entries` (WAV files kept) and `speech_cache_bytes` (their total size); the
  /// least recently used files are removed past either bound. The cache is pruned at once, so a
  /// lowered bound takes effect before the next `say`.
  func configureSpeech(_ table: TransportTableReader) throws(LuaArgumentError) {
    var speech = ivr.loader.speech
    let before = speech
    if let directory = try table.string("speech_cache_dir") {
      guard !directory.isEmpty else { throw table.error("speech_cache_dir", "must not be empty") }
      speech.cacheDirectory = directory
    }
    if let entries = try table.number("speech_cache_entries") {
      guard entries >= 1, entries <= 10_000_000, entries == entries.rounded() else {
        throw table.error("speech_cache_entries", "must be a whole number, 1 to 10000000")
      }
      speech.cacheLimit.entries = Int(entries)
    }
    if let bytes = try table.number("speech_cache_bytes") {
      guard bytes >= 1, bytes <= 1e15, bytes == bytes.rounded() else {
        throw table.error("speech_cache_bytes", "must be a whole number of bytes, at least 1")
      }
      speech.cacheLimit.bytes = Int(bytes)
    }
    guard speech.cacheDirectory != before.cacheDirectory || speech.cacheLimit != before.cacheLimit else {
      return
    }
    ivr.loader.speech = speech
    // Off the loop: a directory listing and a few unlinks.
    let synthesizer = speech
    NIOThreadPool.singleton.runIfActive(eventLoop: agent.eventLoop) { synthesizer.pruneCache() }
      .whenComplete { _ in }
  }
}
