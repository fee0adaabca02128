/// Why `call:say` produced no audio. `description` is the message the Lua layer returns.
public struct SpeechError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: Sendable, Hashable {
    /// The espeak-ng program is not installed (or not executable).
    case synthesizerMissing
    /// The voice name is empty, too long, or has characters a voice name never has.
    case invalidVoice
    /// The text is empty, too long, or holds a NUL character.
    case invalidText
    /// espeak-ng ran and failed (an unknown voice, for one); the message carries its error output.
    case synthesisFailed
    /// espeak-ng ran longer than the synthesizer's timeout and was killed.
    case timedOut
    /// The cache directory could not be created, or the file not written or renamed.
    case cacheFailed
    /// espeak-ng's output is not a WAV file RTPCore reads.
    case invalidOutput
  }

  public var code: Code
  public var message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "say: \(message)" }
}
