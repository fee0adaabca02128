internal import CLua
internal import CLuaShim
import NIOCore
import RTPMedia
import SDP
import SIPCall
import SIPCore
import SIPProtocol

/// A call as Lua sees it: the userdata `sip.call` (docs/lua-api.md, "Calls"). Holds the script's
/// parameter table (`get_param`), `call.data`, the digits nobody has waited for yet, and the
/// tasks suspended on the call, which a hangup resumes with `nil, "hangup"`.
final class LuaCallHandle {
  unowned let binding: CallBinding
  let call: Call
  /// The script's parameter table (extra keys included).
  var params: LuaReference?
  var data: LuaReference?
  /// The userdata, so every callback gets the same object.
  var userdata: LuaReference?
  var holdsRun = false
  /// Keys pressed that no `wait_dtmf` took yet.
  var digits: [DTMFEvent] = []
  var waiters: [Waiter] = []
  /// Run once when the call ends (bridges watch both their calls).
  var hangupObservers: [() -> Void] = []
  var nextWaiterID = 0
  /// Prompts, gather and recordings in progress (LuaCallIVR), made by the first IVR word.
  var ivr: LuaCallIVR {
    if let ivrIfMade { return ivrIfMade }
    let made = LuaCallIVR(handle: self)
    ivrIfMade = made
    return made
  }
  /// ``ivr`` if an IVR word made it: a key or the hangup has nothing to end in one never made
  /// (an object per call less).
  private(set) var ivrIfMade: LuaCallIVR?

  enum Wanted { case established, hangup, dtmf, final }

  final class Waiter {
    let id: Int
    let wanted: Wanted
    let suspension: LuaSuspension
    var timer: Scheduled<Void>?

    init(id: Int, wanted: Wanted, suspension: LuaSuspension) {
      self.id = id
      self.wanted = wanted
      self.suspension = suspension
    }
  }

  init(binding: CallBinding, call: Call) {
    self.binding = binding
    self.call = call
  }

  var runtime: LuaRuntime? { binding.runtime }

  /// The userdata of this handle, made once.
  func reference() -> LuaReference {
    if let userdata { return userdata }
    guard let runtime, let state = runtime.state else { fatalError("call handle without a Lua state") }
    lua_checkstack(state, 2)
    runtime.push(.object(self), on: state)
    let reference = runtime.makeReference(at: -1, in: state)
    sipscript_lua_pop(state, 1)
    userdata = reference
    return reference
  }

  /// The call has ended and every callback has had it: drop the anchors (the script may still
  /// hold the object and read `hangup_cause`).
  func released() {
    userdata = nil
    if holdsRun {
      holdsRun = false
      runtime?.releasePendingWork()
    }
  }

  // MARK: - Waiting

  func wait(_ wanted: Wanted, _ suspension: LuaSuspension, timeout seconds: Double?) {
    let waiter = Waiter(id: nextWaiterID, wanted: wanted, suspension: suspension)
    nextWaiterID += 1
    waiters.append(waiter)
    if let seconds {
      let bound = NIOLoopBound(self, eventLoop: call.eventLoop)
      let id = waiter.id
      waiter.timer = call.eventLoop.scheduleTask(in: .nanoseconds(Int64(seconds * 1e9))) {
        bound.value.finish(waiterID: id, with: [.nil, .string("timeout")])
      }
    }
    suspension.onAbandon { [weak self] in self?.waiters.removeAll { $0 === waiter } }
  }

  func finish(waiterID: Int, with values: [LuaValue]) {
    guard let index = waiters.firstIndex(where: { $0.id == waiterID }) else { return }
    let waiter = waiters.remove(at: index)
    waiter.timer?.cancel()
    waiter.suspension.resume(with: values)
  }

  func finishAll(_ wanted: Wanted, with values: [LuaValue]) {
    for waiter in waiters where waiter.wanted == wanted { finish(waiterID: waiter.id, with: values) }
  }

  /// `wait_dtmf`'s results: `key, method, duration_ms` (nil when the method did not tell).
  static func values(of key: DTMFEvent) -> [LuaValue] {
    [
      .string(String(key.key)), .string(key.method.rawValue),
      key.duration.map { .integer(Int64($0)) } ?? .nil,
    ]
  }

  func observe(_ event: CallEvent) {
    switch event {
    case .established:
      finishAll(.established, with: [.boolean(true)])
    case .dtmf(let key):
      if ivrIfMade?.route(key.key) == true { break }
      if let waiter = waiters.first(where: { $0.wanted == .dtmf }) {
        finish(waiterID: waiter.id, with: Self.values(of: key))
      } else if digits.count < 256 {
        digits.append(key)
      }
    case .terminated(let cause):
      ivrIfMade?.hangup()
      let observers = hangupObservers
      hangupObservers.removeAll()
      for observer in observers { observer() }
      finishAll(.hangup, with: [.boolean(true), .string(Self.name(of: cause))])
      for waiter in waiters { finish(waiterID: waiter.id, with: [.nil, .string("hangup")]) }
    default:
      // CallBinding.observe does not even look the handle up for these: keep the two in step.
      break
    }
  }

  static func name(of cause: InviteSession.HangupCause) -> String {
    switch cause {
    case .localBye: "local_bye"
    case .remoteBye: "remote_bye"
    case .localCancel: "local_cancel"
    case .remoteCancel: "remote_cancel"
    case .rejected(let code): "rejected \(code)"
    case .noAnswer: "no_answer"
    case .timeout: "timeout"
    case .transportError: "transport_error"
    case .badMedia(let reason): "bad_media: \(reason)"
    }
  }
}

@available(*, unavailable)
extension LuaCallHandle: Sendable {}
