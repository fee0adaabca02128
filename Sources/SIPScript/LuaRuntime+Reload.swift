internal import CLua
internal import CLuaShim
import Foundation
import Logging
public import NIOCore

// Hot reload (SIGHUP, `--watch`): the script file runs again in the same state. What it
// registers anew — `sip.listen`'s handler and options above all — applies to new calls; calls in
// progress keep the functions they started with. Legs already open stay (`sip.config` does not
// open a leg twice).
extension LuaRuntime {
  /// Compiles the script file again and runs it in a new task. A script that does not compile
  /// leaves everything as it was; the error (with `file:line:`) is logged and returned.
  @discardableResult
  public func reload() -> String? {
    eventLoop.preconditionInEventLoop()
    guard let path = scriptPath, let state, !isShuttingDown else { return "nothing to reload" }
    let status = path.withCString { sipscript_loadfile(state, $0) }
    guard status == LUA_OK else {
      let message = bytes(at: -1, in: state).map { String(decoding: $0, as: UTF8.self) } ?? "cannot load"
      sipscript_lua_pop(state, 1)
      logger.error("reload: keeping the running script: \(message)")
      return message
    }
    let task = makeTask(name: "reload", on: state)
    lua_xmove(state, task.thread, 1)
    start(task, arguments: 0)
    logger.info("reloaded \(path): new calls use the new code")
    return nil
  }

  /// `--watch`: reloads the script whenever its modification time changes (checked every second).
  public func watchScript(every interval: TimeAmount = .seconds(1)) {
    eventLoop.preconditionInEventLoop()
    guard let path = scriptPath else { return }
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    let last = NIOLoopBoundBox(Self.modificationDate(of: path), eventLoop: eventLoop)
    eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { task in
      let runtime = bound.value
      guard !runtime.isShuttingDown else { return task.cancel() }
      let now = Self.modificationDate(of: path)
      guard let now, now != last.value else { return }
      last.value = now
      runtime.reload()
    }
  }

  static func modificationDate(of path: String) -> Date? {
    (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
  }
}
