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

  /// Set for stop/exit tokens, which are never meant to be resumed.
  var isDetached = false

  init(runtime: LuaRuntime, task: LuaTask, generation: Int) {
    self.runtime = runtime
    self.task = task
    self.generation = generation
  }

  deinit {
    // The last reference to a pending token is gone: nobody can wake the task any more. Rather
    // than let it (and the process) wait forever, resume it with the sip API's failure values.
    guard !isDetached, isPending, let runtime else { return }
    runtime.logger.warning(
      "a suspended task's token was dropped without being resumed",
      metadata: ["task": .string(task.name)])
    runtime.wake(task, with: .values([.nil, .string("abandoned: the awaited operation was dropped")]))
  }

  /// Whether resuming would still wake the task.
  public var isPending: Bool {
    guard let runtime, !runtime.isShuttingDown else { return false }
    // Running counts too: a token may be resumed before its function has returned `.suspend`.
    return task.state != .done && task.suspensionGeneration == generation
  }

  /// Registers the cleanup of the awaited operation (cancel its timer, forget its request): it
  /// runs if the task is abandoned instead of resumed (`sip.stop`, shutdown, the function
  /// returning something other than `.suspend`). Resuming the token discards it.
  public func onAbandon(_ cleanup: @escaping () -> Void) {
    guard isPending else { return }
    task.onAbandon = cleanup
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
