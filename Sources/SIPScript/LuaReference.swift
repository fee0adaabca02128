internal import CLua
internal import CLuaShim

/// A Lua value anchored in the registry (`luaL_ref`) for as long as this object lives: how Swift
/// keeps a script's callback or table (timer callbacks, handlers of later layers).
///
/// Create and drop on the runtime's event loop. After the runtime has closed its state the
/// reference is inert.
public final class LuaReference {
  weak var runtime: LuaRuntime?
  private var anchored: Int32
  /// The value is `{n = 0}`, made and anchored when ``ref`` is first read (``emptyPack(runtime:)``).
  private var isPendingEmptyPack: Bool

  init(runtime: LuaRuntime, ref: Int32) {
    self.runtime = runtime
    self.anchored = ref
    self.isPendingEmptyPack = false
  }

  private init(pendingEmptyPackOf runtime: LuaRuntime) {
    self.runtime = runtime
    self.anchored = LUA_REFNIL
    self.isPendingEmptyPack = true
  }

  /// The packed results of a task that returned nothing (`table.pack()`: `{n = 0}`), made only
  /// when someone reads them: almost no task's results are read (a call's handler, its
  /// `init_media`), and making the table, its field and its registry slot for each was ~4,500
  /// instructions per task. A reader sees the same table on every read, as with a made one.
  static func emptyPack(runtime: LuaRuntime) -> LuaReference {
    LuaReference(pendingEmptyPackOf: runtime)
  }

  /// The registry slot of the value (nil's slot, `LUA_REFNIL`, once the runtime has closed).
  var ref: Int32 {
    if isPendingEmptyPack, let runtime, let state = runtime.state {
      isPendingEmptyPack = false
      lua_checkstack(state, 3)
      lua_createtable(state, 0, 1)
      runtime.setField("n", .integer(0), in: state)
      anchored = sipscript_ref(state)
    }
    return anchored
  }

  deinit {
    // luaL_unref is a raw table write: it cannot raise or run Lua code.
    if !isPendingEmptyPack, let runtime, let state = runtime.state {
      sipscript_unref(state, anchored)
    }
  }
}

@available(*, unavailable)
extension LuaReference: Sendable {}
