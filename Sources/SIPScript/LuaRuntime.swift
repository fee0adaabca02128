// SIPScript — the Lua runtime: one lua_State on a SwiftNIO event loop, a coroutine per task, and the
// `sip` module. The rules of the bridge are in docs/architecture-runtime.md (DESIGN §3).
internal import CLua
internal import CLuaShim
public import Logging
public import NIOCore

/// The Lua 5.4 runtime of sipscript: one `lua_State`, owned by one SwiftNIO event loop.
///
/// Every piece of script work runs in its own coroutine (a `LuaTask`); native functions written in
/// Swift are registered with `register(_:in:_:)` and never raise or yield themselves (they return a
/// `LuaResult` and the C trampoline acts on it). The process-level life cycle:
///
/// ```swift
/// let runtime = try LuaRuntime(eventLoop: loop, logger: logger)   // on `loop`
/// runtime.run(scriptAt: "ivr.lua", arguments: ["to=alice"]).whenSuccess { outcome in
///   exit(outcome.exitStatus)
/// }
/// ```
///
/// Threading: not thread-safe. Create it and call every method on `eventLoop` (checked with
/// `preconditionInEventLoop` in debug builds). Any `EventLoop` works, including NIOEmbedded's
/// `EmbeddedEventLoop`, whose virtual clock then drives `sip.sleep` and timers.
public final class LuaRuntime {
  public let eventLoop: any EventLoop
  public let configuration: Configuration
  /// The logger of `sip.log` and of task failures (metadata `task`).
  public var logger: Logger

  let host: UnsafeMutablePointer<sipscript_host>
  /// The main thread of the Lua state; nil once the state is closed.
  var state: OpaquePointer?
  var natives: [NativeEntry] = []
  var classes: [ObjectIdentifier: ClassEntry] = [:]
  var sipTableRef: Int32 = -1
  /// `sip.message` values stored in userdata and not yet destroyed (LuaRuntime+Messages.swift).
  var liveMessageCount = 0

  // Scheduler (LuaRuntime+Scheduler.swift).
  var tasks: [Int: LuaTask] = [:]
  var nextTaskID = 1
  var readyQueue: [(LuaTask, Wake)] = []
  var readyHead = 0
  var drainScheduled = false
  /// A drain is resuming tasks: it checks for idleness itself when it ends, so a task finishing
  /// meanwhile need not schedule another drain for that.
  var isDraining = false
  var currentTask: LuaTask?
  var suspensionRequested = false
  var mainTask: LuaTask?
  var timers: [ObjectIdentifier: LuaTimer] = [:]
  var holds = 0
  var stopRequest: RunOutcome?
  var isShuttingDown = false
  var isShutDown = false
  /// Run once when the run ends, before the tasks are abandoned (the IVR closes its recordings).
  var shutdownObservers: [() -> Void] = []
  var promise: EventLoopPromise<RunOutcome>?
  /// The script's path (chunk name and `require` directory), once `run` was called.
  public internal(set) var scriptPath: String?

  struct NativeEntry {
    let name: String
    let isMethod: Bool
    let function: LuaNativeFunction
  }

  struct ClassEntry {
    let name: String
    let metatableRef: Int32
  }

  /// Creates the Lua state with the standard libraries, the `sip` module (also the global `sip`)
  /// and a safe `os.exit`. Call on `eventLoop`.
  public init(eventLoop: any EventLoop, configuration: Configuration = .init(), logger: Logger)
    throws(LuaRuntimeError)
  {
    eventLoop.preconditionInEventLoop()
    self.eventLoop = eventLoop
    self.configuration = configuration
    self.logger = logger
    host = .allocate(capacity: 1)
    host.initialize(to: sipscript_host())
    host.pointee.watchdog_seconds = max(0, configuration.watchdogSeconds)
    host.pointee.watchdog_interval = Int32(clamping: max(1, configuration.watchdogCheckInterval))
    // The one entry point from C into Swift. It is a plain function (no captures): the runtime
    // comes back through the host's unretained pointer, valid while the state is open.
    host.pointee.dispatch = { luaState, index, runtimePointer in
      guard let luaState, let runtimePointer else { return SIPSCRIPT_RESULT_RAW_ERROR }
      // Borrowed, not retained: the state belongs to the runtime, and retaining it would take the
      // slow path of its side table (it is weakly referenced) on every call.
      return Unmanaged<LuaRuntime>.fromOpaque(runtimePointer)._withUnsafeGuaranteedRef {
        $0.dispatch(luaState, Int(index))
      }
    }
    guard let state = sipscript_newstate(host) else {
      host.deinitialize(count: 1)
      host.deallocate()
      throw LuaRuntimeError("cannot create the Lua state")
    }
    self.state = state
    host.pointee.runtime = Unmanaged.passUnretained(self).toOpaque()
    installSIPModule()
  }

  deinit {
    // A run still in progress ends here (NIO reports unfulfilled promises as leaks).
    promise?.succeed(.failed("the runtime was released before the run ended"))
    if let state {
      lua_close(state)
    }
    state = nil
    releaseCollectedObjects()
    sipscript_host_dispose(host)
    host.deinitialize(count: 1)
    host.deallocate()
  }

  // MARK: - Registration

  /// Registers a native function as `table.name`, e.g. `register("sleep", in: "sip")` for
  /// `sip.sleep`, `register("parse", in: "sip.sdp")` for `sip.sdp.parse` (sub-tables are created).
  /// A path not starting with `sip` names a global table (`"os"`). Call before or during a run.
  ///
  /// ```swift
  /// runtime.register("twice", in: "sip") { call in
  ///   .value(.number(try call.number(1) * 2))
  /// }
  /// ```
  public func register(_ name: String, in path: String = "sip", _ function: @escaping LuaNativeFunction) {
    eventLoop.preconditionInEventLoop()
    guard let state else { return }
    lua_checkstack(state, 4)
    pushTable(path: path, on: state)
    pushString(name, on: state)
    pushNative(name: name, isMethod: false, function, on: state)
    lua_rawset(state, -3)
    sipscript_lua_pop(state, 1)
  }

  /// Pushes the table at a dotted path, creating plain tables on the way (raw accesses only).
  func pushTable(path: String, on L: OpaquePointer) {
    var components = path.split(separator: ".").map(String.init)
    if components.first == "sip" {
      sipscript_getref(L, sipTableRef)
      components.removeFirst()
    } else {
      lua_rawgeti(L, sipscript_registryindex(), lua_Integer(LUA_RIDX_GLOBALS))
    }
    for component in components {
      pushString(component, on: L)
      lua_rawget(L, -2)
      if lua_type(L, -1) != LUA_TTABLE {
        sipscript_lua_pop(L, 1)
        sipscript_newtable(L)
        pushString(component, on: L)
        lua_pushvalue(L, -2)
        lua_rawset(L, -4)
      }
      sipscript_remove(L, -2)
    }
  }

  /// Pushes a Swift function as a C closure of the trampoline.
  func pushNative(name: String, isMethod: Bool, _ function: @escaping LuaNativeFunction, on L: OpaquePointer)
  {
    let index = natives.count
    natives.append(NativeEntry(name: name, isMethod: isMethod, function: function))
    sipscript_pushnative(L, lua_Integer(index))
  }

  // MARK: - Dispatch (called by the C trampoline)

  /// Runs native function `index` for the trampoline and returns its protocol code: the number of
  /// results pushed, or SIPSCRIPT_RESULT_ERROR / _RAW_ERROR (error value pushed) / _SUSPEND.
  func dispatch(_ L: OpaquePointer, _ index: Int) -> Int32 {
    guard natives.indices.contains(index) else {
      pushString("sipscript: unknown native function #\(index)", on: L)
      return SIPSCRIPT_RESULT_RAW_ERROR
    }
    let entry = natives[index]
    // A native function may run Lua code (a protected __tostring) that calls another native
    // function: keep the outer call's suspension flag apart.
    let outerRequested = suspensionRequested
    suspensionRequested = false
    let call = LuaCall(runtime: self, state: L, name: entry.name, isMethod: entry.isMethod)
    var result: LuaResult
    do {
      result = try entry.function(call)
    } catch {
      result = .error("\(error)")
    }
    let requested = suspensionRequested
    suspensionRequested = outerRequested
    if requested, case .suspend = result {
    } else if requested {
      // The function took a token but did not suspend: the token must not wake the task later.
      abandonSuspension(of: L)
    }
    switch result {
    case .values(let values):
      guard lua_checkstack(L, Int32(clamping: values.count + 4)) != 0 else {
        pushString("too many results from '\(entry.name)'", on: L)
        return SIPSCRIPT_RESULT_ERROR
      }
      for value in values {
        push(value, on: L)
      }
      return Int32(values.count)
    case .error(let message):
      pushString(message, on: L)
      return SIPSCRIPT_RESULT_ERROR
    case .errorValue(let value):
      push(value, on: L)
      return SIPSCRIPT_RESULT_RAW_ERROR
    case .suspend:
      guard requested else {
        pushString("'\(entry.name)' returned .suspend without taking a suspension token", on: L)
        return SIPSCRIPT_RESULT_ERROR
      }
      currentTask?.awaitingWake = true
      return SIPSCRIPT_RESULT_SUSPEND
    }
  }

  // MARK: - Values

  func pushString(_ text: String, on L: OpaquePointer) {
    var text = text
    text.withUTF8 { buffer in
      buffer.withMemoryRebound(to: CChar.self) { sipscript_pushlstring(L, $0.baseAddress, $0.count) }
    }
  }

  func pushBytes(_ bytes: [UInt8], on L: OpaquePointer) {
    bytes.withUnsafeBufferPointer { buffer in
      buffer.withMemoryRebound(to: CChar.self) { sipscript_pushlstring(L, $0.baseAddress, $0.count) }
    }
  }

  /// Pushes a value; tables are built with raw sets (no metamethods can run).
  func push(_ value: LuaValue, on L: OpaquePointer) {
    switch value {
    case .nil: lua_pushnil(L)
    case .boolean(let b): lua_pushboolean(L, b ? 1 : 0)
    case .integer(let i): lua_pushinteger(L, i)
    case .number(let n): lua_pushnumber(L, n)
    case .string(let s): pushString(s, on: L)
    case .bytes(let b): pushBytes(b, on: L)
    case .table(let table):
      lua_checkstack(L, 4)
      lua_createtable(L, Int32(clamping: table.array.count), Int32(clamping: table.fields.count))
      for (i, element) in table.array.enumerated() {
        push(element, on: L)
        lua_rawseti(L, -2, lua_Integer(i + 1))
      }
      for (key, element) in table.fields {
        pushString(key, on: L)
        push(element, on: L)
        lua_rawset(L, -3)
      }
    case .object(let object): pushObject(object, on: L)
    case .reference(let reference): sipscript_getref(L, reference.ref)
    }
  }

  /// Anchors the value at `index` of `L` in the registry.
  func makeReference(at index: Int32, in L: OpaquePointer) -> LuaReference {
    lua_pushvalue(L, index)
    return LuaReference(runtime: self, ref: sipscript_ref(L))
  }

  /// Converts the value at `index` like Lua's `tostring` (under protection: `__tostring` may fail).
  func describe(at index: Int32, in L: OpaquePointer) -> String {
    lua_checkstack(L, 4)
    _ = sipscript_protected_tostring(L, index)
    defer { sipscript_lua_pop(L, 1) }
    var length = 0
    guard let pointer = sipscript_tolstring(L, -1, &length) else { return "?" }
    return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
      String(decoding: UnsafeBufferPointer(start: $0, count: length), as: UTF8.self)
    }
  }

  /// Reads a string or number at `index` as bytes without converting the slot in place.
  func bytes(at index: Int32, in L: OpaquePointer) -> [UInt8]? {
    let type = lua_type(L, index)
    guard type == LUA_TSTRING || type == LUA_TNUMBER else { return nil }
    lua_pushvalue(L, index)
    defer { sipscript_lua_pop(L, 1) }
    var length = 0
    guard let pointer = sipscript_tolstring(L, -1, &length) else { return nil }
    return pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
      Array(UnsafeBufferPointer(start: $0, count: length))
    }
  }

  // MARK: - Keeping the loop open

  /// Keeps the run alive (the process does not end by itself) until a matching
  /// `releasePendingWork()`: what a listener or a call does in later layers.
  public func retainPendingWork() {
    eventLoop.preconditionInEventLoop()
    holds += 1
  }

  /// Ends one `retainPendingWork()`; when nothing else is pending, the run finishes.
  public func releasePendingWork() {
    eventLoop.preconditionInEventLoop()
    guard holds > 0 else { return }
    holds -= 1
    scheduleDrain()
  }

  /// Ends the run from the host (signals): pending tasks are abandoned, their `<close>`
  /// variables run, the state is closed, and the run's future gets `outcome`.
  public func stop(_ outcome: RunOutcome) {
    eventLoop.preconditionInEventLoop()
    if stopRequest == nil {
      stopRequest = outcome
    }
    scheduleDrain()
  }
}

@available(*, unavailable)
extension LuaRuntime: Sendable {}

/// The runtime could not be created or could not load a script.
public struct LuaRuntimeError: Error, Sendable, CustomStringConvertible {
  public let description: String

  public init(_ description: String) {
    self.description = description
  }
}
