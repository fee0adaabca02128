internal import CLua
internal import CLuaShim
internal import Logging
internal import NIOCore

// The `sip` module's runtime functions (docs/lua-api.md): sleep, add_timer, spawn, wait_all, now,
// log, stop, listen_addresses; and the replacement of `os.exit`.
extension LuaRuntime {
  func installSIPModule() {
    guard let state else { return }
    // sip is a plain table: global `sip` and package.loaded.sip, so `require "sip"` finds it.
    sipscript_newtable(state)
    lua_pushvalue(state, -1)
    sipTableRef = sipscript_ref(state)
    lua_rawgeti(state, sipscript_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
    pushString("sip", on: state)
    lua_pushvalue(state, -3)
    lua_rawset(state, -3)
    sipscript_lua_pop(state, 1)
    pushString(LUA_LOADED_TABLE, on: state)
    lua_rawget(state, sipscript_registryindex())
    if lua_type(state, -1) == LUA_TTABLE {
      pushString("sip", on: state)
      lua_pushvalue(state, -3)
      lua_rawset(state, -3)
    }
    sipscript_lua_pop(state, 2)

    registerTaskClasses()
    installMessageBinding()
    register("sleep", in: "sip") { try $0.runtime.sleep($0) }
    register("add_timer", in: "sip") { try $0.runtime.addTimer($0) }
    register("spawn", in: "sip") { try $0.runtime.spawn($0) }
    register("wait_all", in: "sip") { try $0.runtime.waitAll($0) }
    register("now", in: "sip") { call in
      .value(.number(Double(call.runtime.eventLoop.now.uptimeNanoseconds) / 1e9))
    }
    register("log", in: "sip") { call in
      call.runtime.log(call)
      return .none
    }
    register("stop", in: "sip") { call in
      call.runtime.requestStop(.stopped, call)
    }
    register("listen_addresses", in: "sip") { call in
      .value(
        .table(
          LuaTable(
            array: call.runtime.configuration.listenAddresses.map { address in
              .table(
                LuaTable(fields: [
                  "transport": .string(address.transport.rawValue),
                  "host": .string(address.host),
                  "port": .integer(Int64(address.port)),
                ]))
            })))
    }
    register("exit", in: "os") { call in
      let code: Int32
      switch call.type(1) {
      case .none, .nil: code = 0
      case .boolean: code = call.boolean(1) ? 0 : 1
      default: code = Int32(truncatingIfNeeded: try call.integer(1))
      }
      return call.runtime.requestStop(.exited(code), call)
    }
  }

  /// sip.stop / os.exit: remember the request; suspend the caller so nothing after the call runs
  /// (a yield cannot be caught by pcall). Where it cannot yield, raise instead.
  func requestStop(_ outcome: RunOutcome, _ call: LuaCall) -> LuaResult {
    if stopRequest == nil {
      stopRequest = outcome
    }
    scheduleDrain()
    if call.canSuspend, let token = try? call.suspension() {
      token.isDetached = true
      return .suspend
    }
    return .errorValue(.string("sipscript: stopping (\(call.name) called where the task cannot yield)"))
  }

  private func registerTaskClasses() {
    var task = LuaClass<LuaTask>("sip.task")
    task.fields["name"] = { .string($0.name) }
    task.methods["status"] = { task, _ in
      .value(.string("\(task.state)"))
    }
    task.description = { "sip.task \($0.name) (\($0.state))" }
    register(task)

    var timer = LuaClass<LuaTimer>("sip.timer")
    timer.methods["cancel"] = { timer, call in
      let wasArmed = timer.isArmed
      call.runtime.cancel(timer)
      return .value(.boolean(wasArmed))
    }
    timer.fields["armed"] = { .boolean($0.isArmed) }
    timer.description = { "sip.timer #\($0.id)\($0.isArmed ? "" : " (cancelled)")" }
    register(timer)
  }

  // MARK: - sip.sleep(seconds)

  private func sleep(_ call: LuaCall) throws -> LuaResult {
    let seconds = try call.number(1)
    guard seconds.isFinite, seconds >= 0 else {
      throw LuaArgumentError(
        argument: 1, function: call.name, isMethod: false, "non-negative number expected")
    }
    let suspension = try call.suspension()
    if seconds == 0 {
      // Yield to the other ready tasks and come back in the same turn of the loop.
      suspension.resume(with: [])
      return .suspend
    }
    let bound = NIOLoopBound(suspension, eventLoop: eventLoop)
    let scheduled = eventLoop.scheduleTask(in: .seconds(lua: seconds)) {
      bound.value.resume(with: [])
    }
    // A task abandoned while sleeping must not leave its timer armed on the loop.
    suspension.onAbandon { scheduled.cancel() }
    return .suspend
  }

  // MARK: - sip.add_timer(when, fn [, repeat])

  private func addTimer(_ call: LuaCall) throws -> LuaResult {
    let when = try call.number(1)
    guard when.isFinite, when >= 0 else {
      throw LuaArgumentError(
        argument: 1, function: call.name, isMethod: false, "non-negative number expected")
    }
    let callback = try call.function(2)
    let interval = try call.optionalNumber(3)
    if let interval, !(interval.isFinite && interval > 0) {
      throw LuaArgumentError(argument: 3, function: call.name, isMethod: false, "positive number expected")
    }
    guard !isShuttingDown else { return .failure("the runtime is stopping") }
    let timer = LuaTimer(id: nextTaskID, callback: callback, interval: interval)
    nextTaskID += 1
    arm(timer, after: when)
    return .value(.object(timer))
  }

  private func arm(_ timer: LuaTimer, after seconds: Double) {
    timers[ObjectIdentifier(timer)] = timer
    let bound = NIOLoopBound((self, timer), eventLoop: eventLoop)
    timer.scheduled = eventLoop.scheduleTask(in: .seconds(lua: seconds)) {
      let (runtime, timer) = bound.value
      runtime.fire(timer)
    }
  }

  private func fire(_ timer: LuaTimer) {
    guard timer.isArmed, !isShuttingDown else { return }
    timer.scheduled = nil
    timer.fired += 1
    // The callback gets the timer, so a repeating timer can cancel itself.
    spawn(timer.callback, arguments: [.object(timer)], name: "timer")
    if let interval = timer.interval {
      arm(timer, after: interval)
    } else {
      timers[ObjectIdentifier(timer)] = nil
      scheduleDrain()
    }
  }

  func cancel(_ timer: LuaTimer) {
    timer.disarm()
    timers[ObjectIdentifier(timer)] = nil
    scheduleDrain()
  }

  // MARK: - sip.spawn(fn, ...)

  private func spawn(_ call: LuaCall) throws -> LuaResult {
    guard call.type(1) == .function else {
      throw LuaArgumentError(
        argument: 1, function: call.name, isMethod: false,
        "function expected, got \(call.type(1) == .none ? "no value" : call.type(1).name)")
    }
    guard !isShuttingDown else { return .failure("the runtime is stopping") }
    let L = call.state
    let task = makeTask(name: "spawn", on: L)
    let count = Int32(call.count)
    guard lua_checkstack(L, count + 2) != 0, lua_checkstack(task.thread, count + 2) != 0 else {
      return .error("too many arguments to spawn")
    }
    for i in 1...count {
      lua_pushvalue(L, i)
    }
    lua_xmove(L, task.thread, count)
    start(task, arguments: count - 1)
    return .value(.object(task))
  }

  // MARK: - sip.wait_all(tasks)

  private func waitAll(_ call: LuaCall) throws -> LuaResult {
    guard call.type(1) == .table else {
      throw LuaArgumentError(
        argument: 1, function: call.name, isMethod: false,
        "table of tasks expected, got \(call.type(1) == .none ? "no value" : call.type(1).name)")
    }
    let L = call.state
    let length = Int(lua_rawlen(L, 1))
    var awaited: [LuaTask] = []
    for i in 0..<length {
      lua_rawgeti(L, 1, lua_Integer(i + 1))
      defer { sipscript_lua_pop(L, 1) }
      let element = LuaCall(runtime: self, state: L, name: call.name, isMethod: false)
      guard let task = try? element.object(element.count, as: LuaTask.self) else {
        throw LuaArgumentError(
          argument: 1, function: call.name, isMethod: false,
          "element \(i + 1) is not a task (\(LuaType(rawValue: lua_type(L, -1))?.name ?? "?"))")
      }
      if task === currentTask {
        throw LuaArgumentError(
          argument: 1, function: call.name, isMethod: false, "a task cannot wait for itself")
      }
      awaited.append(task)
    }
    let pending = awaited.filter { $0.state != .done }
    if pending.isEmpty {
      return .value(results(of: awaited))
    }
    let suspension = try call.suspension()
    let counter = Counter(pending.count)
    for task in pending {
      task.onDone { _ in
        counter.value -= 1
        if counter.value == 0 {
          suspension.resume(with: [suspension.runtime?.results(of: awaited) ?? .nil])
        }
      }
    }
    return .suspend
  }

  /// One `table.pack`-like table per task: its return values, or `{nil, err, n = 2}`.
  func results(of tasks: [LuaTask]) -> LuaValue {
    .table(
      LuaTable(
        array: tasks.map { task in
          switch task.outcome {
          case .returned(let values): .reference(values)
          case .failed(let message):
            .table(LuaTable(array: [.nil, .string(message)], fields: ["n": .integer(2)]))
          case .abandoned, nil:
            .table(LuaTable(array: [.nil, .string("abandoned")], fields: ["n": .integer(2)]))
          }
        }))
  }

  // MARK: - sip.log([level,] ...)

  func log(_ call: LuaCall) {
    var first = 1
    var level = Logger.Level.info
    if call.count >= 2, call.type(1) == .string, let text = try? call.string(1),
      let named = Logger.Level(rawValue: text)
    {
      level = named
      first = 2
    }
    var parts: [String] = []
    if first <= call.count {
      for i in first...call.count {
        parts.append(describe(at: Int32(i), in: call.state))
      }
    }
    logger.log(
      level: level, "\(parts.joined(separator: " "))",
      metadata: ["task": .string(currentTask?.name ?? "-")])
  }
}

/// A count shared by the completion callbacks of one `wait_all`.
final class Counter {
  var value: Int
  init(_ value: Int) { self.value = value }
}
