internal import CLuaShim

extension LuaRuntime {
  /// Tunes the process's allocator for a long-running event loop; call once at start-up, before
  /// the event loop starts. On glibc it keeps freed memory in the loop thread's arena instead of
  /// returning it to the kernel after every burst (see `sipscript_tune_malloc` in CLuaShim).
  public static func tuneProcessMemory() {
    sipscript_tune_malloc()
  }
}
