/// One unit of script work — the main chunk, a `sip.spawn`ed function, a timer callback, later a
/// call handler — running in its own coroutine, anchored in the registry until it is done.
///
/// Lua sees a task as the userdata `sip.task` (returned by `sip.spawn`, accepted by
/// `sip.wait_all`). State changes happen on the runtime's event loop only.
public final class LuaTask {
  /// The life of a task. `ready` tasks wait in the scheduler's queue; `suspended` ones wait for an
  /// event (a `LuaSuspension`).
  public enum State: Sendable {
    case ready
    case running
    case suspended
    case done
  }

  /// How a task ended.
  public enum Outcome {
    /// Returned normally; the results are kept as a packed table (`table.pack` layout).
    case returned(LuaReference)
    /// Raised an error (or was stopped by the watchdog); the message carries the traceback.
    case failed(String)
    /// Abandoned by `sip.stop`, `os.exit` or shutdown; `<close>` variables have run.
    case abandoned
  }

  /// Where the task came from, for logs (`task=main`, `task=spawn#3`, `task=timer#4`,
  /// `task=handler call-id=…#7`). Made when read (logs, `task.name`): a call's tasks are
  /// started for every call, their names are seldom needed.
  public var name: String {
    if label == "main", callID == nil { return label }
    guard let callID else { return "\(label)#\(id)" }
    return "\(label) call-id=\(callID)#\(id)"
  }
  /// What started the task (`main`, `spawn`, `handler`…), and the Call-ID of the call it runs for.
  let label: String
  let callID: String?
  let id: Int
  let thread: OpaquePointer
  let threadRef: Int32
  public internal(set) var state: State = .ready
  public internal(set) var outcome: Outcome?
  /// Bumped by every suspension token taken and every wake: a token resumes only while its
  /// generation is current, so it acts at most once.
  var suspensionGeneration = 0
  /// The running task returned `.suspend` from a native function and is about to yield.
  var awaitingWake = false
  /// A wake that arrived before the yield took effect (a token resumed synchronously).
  var earlyWake: LuaRuntime.Wake?
  /// Cleanup of the operation the task waits on (cancel a timer, drop a pending request), run
  /// if the task ends without being woken (abandoned at shutdown, closed after an error).
  var onAbandon: (() -> Void)?
  /// Called once when the task is done (wait_all, later: call cleanup).
  var whenDone: [(LuaTask) -> Void] = []

  init(id: Int, name: String, callID: String? = nil, thread: OpaquePointer, threadRef: Int32) {
    self.id = id
    self.label = name
    self.callID = callID
    self.thread = thread
    self.threadRef = threadRef
  }

  /// Registers `body` to run when the task ends (at once if it already has).
  public func onDone(_ body: @escaping (LuaTask) -> Void) {
    if state == .done {
      body(self)
    } else {
      whenDone.append(body)
    }
  }
}

@available(*, unavailable)
extension LuaTask: Sendable {}
