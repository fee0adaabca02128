/// The token of a suspended task: `LuaCall.suspension()` gives it to a native function that then
/// returns `.suspend`; an event handler later calls `resume(with:)`, and the values become the
/// results of the native function in Lua.
///
/// ```swift
/// let suspension = try call.suspension()
/// eventLoop.scheduleTask(in: .seconds(1)) { suspension.resume(with: [.boolean(true)]) }
/// return .suspend
/// ```
/// Resuming never re-enters Lua: it queues the task, and the scheduler resumes it from the event
/// loop (DESIGN §3). A token resumes at most once; after the task was abandoned (`sip.stop`,
/// shutdown) resuming does nothing. Use on the event loop only.
public final class LuaSuspension {
  weak var runtime: LuaRuntime?
  let task: LuaTask
  let generation: Int

  init(runtime: LuaRuntime, task: LuaTask, generation: Int) {
    self.runtime = runtime
    self.task = task
    self.generation = generation
  }

  /// Whether resuming would still wake the task.
  public var isPending: Bool {
    guard let runtime, !runtime.isShuttingDown else { return false }
    // Running counts too: a token may be resumed before its function has returned `.suspend`.
    return task.state != .done && task.suspensionGeneration == generation
  }

  /// Resumes the task; `values` are the results of the suspended call.
  /// Returns false if the token was already used or the task is gone.
  @discardableResult
  public func resume(with values: [LuaValue]) -> Bool {
    guard isPending, let runtime else { return false }
    runtime.wake(task, with: .values(values))
    return true
  }

  /// Resumes the task by raising `message` (with the caller's position) from the suspended call.
  @discardableResult
  public func resume(throwing message: String) -> Bool {
    guard isPending, let runtime else { return false }
    runtime.wake(task, with: .error(message))
    return true
  }
}

@available(*, unavailable)
extension LuaSuspension: Sendable {}
