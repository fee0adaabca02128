internal import CLua
internal import CLuaShim
public import NIOCore

// The scheduler: a FIFO of ready tasks drained from the event loop. Events (timers, later network
// messages) never resume a coroutine directly: they queue it (`wake`) and the drain resumes it,
// so no coroutine is ever re-entered while it runs (DESIGN §3).
extension LuaRuntime {
  /// What a queued task is resumed with.
  enum Wake {
    /// First run: the function and its `n` arguments are on the coroutine's stack.
    case start(Int32)
    /// The results of the native function the task is suspended in.
    case values([LuaValue])
    /// Make the suspended native function raise this message.
    case error(String)
  }

  // MARK: - Running a script

  /// Loads and runs a script file in the main task. The future completes once when the run ends
  /// (see `RunOutcome`); a file that cannot be read or compiled ends it at once with `.failed`.
  /// `arguments` become the global `arg` (`arg[0]` = path, `arg[1..n]` the words, and
  /// `arg.key = "value"` for each `key=value` word). `require` looks beside the script first.
  public func run(scriptAt path: String, arguments: [String] = []) -> EventLoopFuture<RunOutcome> {
    eventLoop.preconditionInEventLoop()
    guard promise == nil, !isShutDown, let state else {
      return eventLoop.makeSucceededFuture(.failed("the runtime has already run a script"))
    }
    let promise = eventLoop.makePromise(of: RunOutcome.self)
    self.promise = promise
    scriptPath = path
    var directory = "."
    if let slash = path.lastIndex(of: "/") {
      directory = slash == path.startIndex ? "" : String(path[..<slash])
    }
    let prefix = "\(directory)/?.lua;\(directory)/?/init.lua;"
    _ = prefix.withCString { sipscript_prepend_package_path(state, $0) }
    setArguments(scriptPath: path, arguments)
    let status = path.withCString { sipscript_loadfile(state, $0) }
    startMain(loadStatus: status)
    return promise.futureResult
  }

  /// Runs Lua source text as the main task (tests, `-e`-style use); `chunkName` appears in
  /// messages as `chunkName:line:`.
  public func run(code: String, chunkName: String = "script", arguments: [String] = []) -> EventLoopFuture<
    RunOutcome
  > {
    eventLoop.preconditionInEventLoop()
    guard promise == nil, !isShutDown, let state else {
      return eventLoop.makeSucceededFuture(.failed("the runtime has already run a script"))
    }
    let promise = eventLoop.makePromise(of: RunOutcome.self)
    self.promise = promise
    setArguments(scriptPath: chunkName, arguments)
    var code = code
    let status = code.withUTF8 { buffer in
      buffer.withMemoryRebound(to: CChar.self) { chars in
        ("=" + chunkName).withCString { sipscript_loadbuffer(state, chars.baseAddress, chars.count, $0) }
      }
    }
    startMain(loadStatus: status)
    return promise.futureResult
  }

  /// Compiles a script without running it (`--check`): nil, or the error with `file:line:`.
  public static func checkSyntax(scriptAt path: String) -> String? {
    var host = sipscript_host()
    guard let state = sipscript_newstate(&host) else { return "cannot create the Lua state" }
    defer {
      lua_close(state)
      sipscript_host_dispose(&host)
    }
    let status = path.withCString { sipscript_loadfile(state, $0) }
    guard status != LUA_OK else { return nil }
    return String(cString: lua_tolstring(state, -1, nil))
  }

  private func setArguments(scriptPath: String, _ arguments: [String]) {
    var fields: [String: LuaValue] = [:]
    for word in arguments {
      if let equals = word.firstIndex(of: "="), equals != word.startIndex {
        fields[String(word[..<equals])] = .string(String(word[word.index(after: equals)...]))
      }
    }
    var table = LuaTable(array: arguments.map { .string($0) }, fields: fields)
    guard let state else { return }
    table.fields["0"] = nil
    lua_rawgeti(state, sipscript_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
    pushString("arg", on: state)
    push(.table(table), on: state)
    pushString(scriptPath, on: state)
    lua_rawseti(state, -2, 0)
    lua_rawset(state, -3)
    sipscript_lua_pop(state, 1)
  }

  private func startMain(loadStatus: Int32) {
    guard let state else { return }
    guard loadStatus == LUA_OK else {
      let message =
        bytes(at: -1, in: state).map { String(decoding: $0, as: UTF8.self) } ?? "cannot load the script"
      sipscript_lua_pop(state, 1)
      shutdown(.failed(message))
      return
    }
    let task = makeTask(name: "main", on: state)
    lua_xmove(state, task.thread, 1)
    mainTask = task
    start(task, arguments: 0)
  }

  // MARK: - Tasks

  /// A new coroutine, anchored in the registry; the caller pushes the function and arguments on
  /// `task.thread` and calls `start`.
  func makeTask(name: String, callID: String? = nil, on L: OpaquePointer) -> LuaTask {
    let thread = lua_newthread(L)!
    let ref = sipscript_ref(L)
    let id = nextTaskID
    nextTaskID += 1
    return LuaTask(id: id, name: name, callID: callID, thread: thread, threadRef: ref)
  }

  func start(_ task: LuaTask, arguments: Int32) {
    tasks[task.id] = task
    enqueue(task, .start(arguments))
  }

  /// Runs `function(arguments...)` in a new task (what later layers use for handlers and
  /// callbacks). Nil once the runtime is stopping.
  @discardableResult
  public func spawn(_ function: LuaReference, arguments: [LuaValue] = [], name: String = "task") -> LuaTask? {
    spawn(function, arguments: arguments, name: name, callID: nil)
  }

  /// ``spawn(_:arguments:name:)`` for a task of a call: its name (`NAME call-id=ID#N`) is made
  /// only when a log or the script reads it.
  func spawn(_ function: LuaReference, arguments: [LuaValue], name: String, callID: String?) -> LuaTask? {
    eventLoop.preconditionInEventLoop()
    guard let state, !isShuttingDown else { return nil }
    let task = makeTask(name: name, callID: callID, on: state)
    lua_checkstack(task.thread, Int32(clamping: arguments.count + 2))
    push(.reference(function), on: task.thread)
    for argument in arguments {
      push(argument, on: task.thread)
    }
    start(task, arguments: Int32(arguments.count))
    return task
  }

  func enqueue(_ task: LuaTask, _ wake: Wake) {
    task.state = .ready
    readyQueue.append((task, wake))
    scheduleDrain()
  }

  func scheduleDrain() {
    guard !drainScheduled, !isShutDown else { return }
    drainScheduled = true
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    eventLoop.execute { bound.value.drain() }
  }

  /// Resumes the tasks that were ready when the drain began; later ones wait for the next drain,
  /// so a task that keeps yielding cannot starve the event loop.
  func drain() {
    drainScheduled = false
    guard !isShutDown else { return }
    if let request = stopRequest {
      shutdown(request)
      return
    }
    var remaining = readyQueue.count - readyHead
    isDraining = true
    while remaining > 0, !isShutDown {
      remaining -= 1
      let (task, wake) = readyQueue[readyHead]
      readyHead += 1
      step(task, wake)
    }
    isDraining = false
    guard !isShutDown else { return }
    if readyHead >= readyQueue.count {
      readyQueue.removeAll(keepingCapacity: true)
      readyHead = 0
      checkIdle()
    } else {
      if readyHead > 1024 {
        readyQueue.removeFirst(readyHead)
        readyHead = 0
      }
      scheduleDrain()
    }
  }

  /// One resume of one task, and what follows from its status.
  func step(_ task: LuaTask, _ wake: Wake) {
    guard let state, task.state == .ready else { return }
    let co = task.thread
    var arguments: Int32 = 0
    switch wake {
    case .start(let n):
      arguments = n
    case .values(let values):
      lua_checkstack(co, Int32(clamping: values.count + 2))
      for value in values {
        push(value, on: co)
      }
      arguments = Int32(values.count)
    case .error(let message):
      lua_checkstack(co, 2)
      sipscript_pushresumeerror(co)
      pushString(message, on: co)
      arguments = 2
    }
    task.state = .running
    currentTask = task
    var results: Int32 = 0
    let status = sipscript_resume(co, state, arguments, &results)
    currentTask = nil
    switch status {
    case LUA_OK:
      finish(task, .returned(packResults(of: task, count: results)))
    case LUA_YIELD:
      sipscript_lua_pop(co, results)
      if task.awaitingWake {
        task.awaitingWake = false
        if let early = task.earlyWake {
          task.earlyWake = nil
          enqueue(task, early)
        } else {
          task.state = .suspended
        }
      } else if stopRequest == nil {
        // A bare coroutine.yield() at the task's top level: let the others run, then go on.
        enqueue(task, .values([]))
      } else {
        task.state = .suspended
      }
    case SIPSCRIPT_STATUS_WATCHDOG:
      let seconds = configuration.watchdogSeconds
      let location = withUnsafeBytes(of: host.pointee.watchdog_where) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      let prefix = location.isEmpty ? "" : "\(location): "
      pushString("\(prefix)watchdog: task ran for more than \(seconds) s without yielding", on: co)
      fail(task, message: describeError(of: co))
    default:
      if stopRequest != nil {
        // os.exit raised where it could not yield: not a script error.
        closeThread(of: task, reportErrors: false)
        finish(task, .abandoned)
      } else {
        fail(task, message: describeError(of: co))
      }
    }
    releaseCollectedObjects()
    if task === mainTask, case .failed(let message) = task.outcome {
      shutdown(.failed(message))
    } else if let request = stopRequest {
      shutdown(request)
    }
  }

  /// Moves the `count` results on top of the coroutine into a `table.pack`-like table.
  private func packResults(of task: LuaTask, count: Int32) -> LuaReference {
    let co = task.thread
    if count == 0 {
      // Nothing returned (a call's handler, its init_media): the table is made if it is read.
      lua_settop(co, 0)
      return LuaReference.emptyPack(runtime: self)
    }
    lua_checkstack(co, 4)
    let base = lua_gettop(co) - count
    lua_createtable(co, count, 1)
    if count > 0 {
      for i in 1...count {
        lua_pushvalue(co, base + i)
        lua_rawseti(co, -2, lua_Integer(i))
      }
    }
    setField("n", .integer(Int64(count)), in: co)
    let reference = LuaReference(runtime: self, ref: sipscript_ref(co))
    lua_settop(co, 0)
    return reference
  }

  /// The error on top of `co` with its traceback (`file:line:` frames), converted safely.
  func describeError(of co: OpaquePointer) -> String {
    guard let state else { return "?" }
    sipscript_describe_error(state, co)
    let text = bytes(at: -1, in: state).map { String(decoding: $0, as: UTF8.self) } ?? "?"
    sipscript_lua_pop(state, 1)
    return text
  }

  private func fail(_ task: LuaTask, message: String) {
    // The traceback was taken first: closing unwinds the coroutine, running its `<close>`s.
    closeThread(of: task, reportErrors: false)
    if task !== mainTask {
      logger.error("task failed: \(message)", metadata: ["task": .string(task.name)])
    }
    finish(task, .failed(message))
  }

  /// Closes a task's coroutine, running its pending `<close>` variables.
  func closeThread(of task: LuaTask, reportErrors: Bool) {
    guard let state else { return }
    currentTask = nil
    let status = sipscript_closethread(task.thread, state)
    if status != LUA_OK && reportErrors {
      let message = describeError(of: task.thread)
      logger.error("error while closing the task: \(message)", metadata: ["task": .string(task.name)])
    }
    lua_settop(task.thread, 0)
  }

  func finish(_ task: LuaTask, _ outcome: LuaTask.Outcome) {
    if let cleanup = task.onAbandon {
      task.onAbandon = nil
      cleanup()
    }
    task.state = .done
    task.outcome = outcome
    task.suspensionGeneration += 1
    tasks[task.id] = nil
    if let state {
      sipscript_unref(state, task.threadRef)
    }
    let callbacks = task.whenDone
    task.whenDone = []
    for callback in callbacks {
      callback(task)
    }
    // For the idle check (and the tasks the callbacks woke); a drain under way does both.
    if !isDraining { scheduleDrain() }
  }

  // MARK: - Suspension

  /// The running task whose own coroutine is `L`, if it may yield there.
  func canSuspend(_ L: OpaquePointer) -> Bool {
    guard !isShuttingDown, let task = currentTask else { return false }
    return task.thread == L && sipscript_isyieldable(L) != 0
  }

  func makeSuspension(for L: OpaquePointer) -> LuaSuspension? {
    guard canSuspend(L), let task = currentTask else { return nil }
    task.suspensionGeneration += 1
    task.earlyWake = nil
    task.onAbandon = nil
    suspensionRequested = true
    return LuaSuspension(runtime: self, task: task, generation: task.suspensionGeneration)
  }

  func abandonSuspension(of L: OpaquePointer) {
    guard let task = currentTask, task.thread == L else { return }
    task.suspensionGeneration += 1
    task.earlyWake = nil
    if let cleanup = task.onAbandon {
      task.onAbandon = nil
      cleanup()
    }
  }

  /// Queues a suspended task (or remembers the wake if it has not yielded yet).
  func wake(_ task: LuaTask, with wake: Wake) {
    guard !isShuttingDown else { return }
    task.suspensionGeneration += 1
    task.onAbandon = nil
    switch task.state {
    case .suspended:
      enqueue(task, wake)
    case .running where task.awaitingWake || task === currentTask:
      task.earlyWake = wake
    default:
      break
    }
  }

  // MARK: - The end

  /// Ends the run when the main task is done and nothing is pending: no task alive, no timer
  /// armed, no `retainPendingWork` hold.
  func checkIdle() {
    guard !isShutDown, promise != nil, let main = mainTask, main.state == .done else { return }
    if tasks.isEmpty && timers.isEmpty && holds == 0 && readyHead >= readyQueue.count {
      shutdown(.finished)
    }
  }

  /// Abandons every task (their `<close>` variables run, in creation order), cancels the timers,
  /// closes the state and completes the run's future.
  func shutdown(_ outcome: RunOutcome) {
    guard !isShutDown, let state else { return }
    isShuttingDown = true
    let observers = shutdownObservers
    shutdownObservers.removeAll()
    for observer in observers { observer() }
    for timer in timers.values {
      timer.disarm()
    }
    timers.removeAll()
    for task in tasks.values.sorted(by: { $0.id < $1.id }) where task.state != .done {
      closeThread(of: task, reportErrors: true)
      finish(task, .abandoned)
    }
    readyQueue.removeAll()
    readyHead = 0
    isShutDown = true
    lua_close(state)
    self.state = nil
    releaseCollectedObjects()
    let promise = self.promise
    self.promise = nil
    promise?.succeed(outcome)
  }
}
