internal import CLuaShim

/// A Lua value anchored in the registry (`luaL_ref`) for as long as this object lives: how Swift
/// keeps a script's callback or table (timer callbacks, handlers of later layers).
///
/// Create and drop on the runtime's event loop. After the runtime has closed its state the
/// reference is inert.
public final class LuaReference {
  weak var runtime: LuaRuntime?
  let ref: Int32

  init(runtime: LuaRuntime, ref: Int32) {
    self.runtime = runtime
    self.ref = ref
  }

  deinit {
    // luaL_unref is a raw table write: it cannot raise or run Lua code.
    if let runtime, let state = runtime.state {
      sipscript_unref(state, ref)
    }
  }
}

@available(*, unavailable)
extension LuaReference: Sendable {}
