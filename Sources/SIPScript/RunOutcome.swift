/// How a script run ended; the executable turns it into the exit status (DESIGN §5).
public enum RunOutcome: Sendable, Equatable {
  /// The main chunk returned and no work was pending any more.
  case finished
  /// The script called `sip.stop()`; pending tasks were abandoned with their `<close>` run.
  case stopped
  /// `os.exit(code)` in the script, or the host's `stop(exitCode:)` (signals).
  case exited(Int32)
  /// The main chunk could not be loaded or raised an error: the message with its traceback.
  case failed(String)

  /// The process exit status: 0, the `os.exit` code, or 1 after an error.
  public var exitStatus: Int32 {
    switch self {
    case .finished, .stopped: 0
    case .exited(let code): code
    case .failed: 1
    }
  }
}
