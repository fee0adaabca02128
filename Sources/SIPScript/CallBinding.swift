internal import CLua
internal import CLuaShim
import Logging
public import NIOCore
import RTPMedia
import SDP
public import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport

/// The call layer of a Lua runtime (docs/lua-api.md, "Calls"): SIPCall's ``UserAgent`` on the
/// runtime's transport and loop, and its Lua face — `sip.invite`, `sip.listen{...}` for calls,
/// `sip.rtp`, and the `sip.call` objects.
///
/// Every callback of a call runs in a task of its own; an incoming call's script side (filter,
/// cb_create, handler) runs in the call's task. A failing task ends its call only (500 before
/// the answer, BYE after) and is counted in `sip.stats().script_errors`. Each live call and an
/// active listener keep the run alive. Not thread-safe: on the runtime's event loop.
public final class CallBinding {
  public let agent: UserAgent
  weak var runtime: LuaRuntime?
  /// The Lua side of each live call, by the call's identity (the handle holds its call, so the
  /// identity is not reused while the entry is there; hashing it is cheaper than a Call-ID).
  var handles: [ObjectIdentifier: LuaCallHandle] = [:]
  /// `sip.listen`'s options table and the prelude's incoming-call runner.
  var listenOptions: LuaReference?
  var incomingRunner: LuaReference?
  var listenHold = false
  /// A graceful stop (SIGTERM) is under way.
  public var stopping = false
  /// Tasks of calls that failed (script errors, watchdog).
  public internal(set) var scriptErrors = 0
  /// Prompts, speech and patterns of the IVR words (LuaCallIVR).
  lazy var ivr = IVRServices(binding: self)
  /// The transport layer's Lua side, for the legs `sip.register` opens when none suits.
  weak var transportBinding: TransportBinding?

  init(runtime: LuaRuntime, transport: SIPTransport, media: MediaEngine) {
    self.runtime = runtime
    agent = UserAgent(transport: transport, media: media, logger: runtime.logger)
    agent.observer = { [unowned self] call, event in self.observe(call, event) }
  }

  /// Ends every call (BYE, CANCEL or 480), removes the bindings of `sip.register` (waiting a
  /// few seconds for the registrars) and stops the media engine.
  public func close() -> EventLoopFuture<Void> {
    agent.cleanup()
    if listenHold, let runtime {
      listenHold = false
      runtime.releasePendingWork()
    }
    let media = agent.media
    return agent.unregisterAll().assumeIsolated().flatMap { media.shutdown() }.nonisolated()
  }

  // MARK: - Handles

  /// The Lua object of a call (made on first need; it lives as long as the call, then as long as
  /// the script keeps it).
  func handle(for call: Call) -> LuaCallHandle {
    if let handle = handles[ObjectIdentifier(call)] { return handle }
    let handle = LuaCallHandle(binding: self, call: call)
    if call.isAlive {
      handles[ObjectIdentifier(call)] = handle
      runtime?.retainPendingWork()
      handle.holdsRun = true
    }
    return handle
  }

  func observe(_ call: Call, _ event: CallEvent) {
    // Only these reach a handle (``LuaCallHandle/observe(_:)``): the others are not looked up.
    switch event {
    case .established, .dtmf, .terminated: break
    default: return
    }
    guard let handle = handles[ObjectIdentifier(call)] else { return }
    handle.observe(event)
    if case .terminated = event {
      // After cb_cleanup and the other callbacks of the end have been given the call.
      let bound = NIOLoopBound((self, call), eventLoop: agent.eventLoop)
      agent.eventLoop.execute {
        let (binding, call) = bound.value
        guard let handle = binding.handles.removeValue(forKey: ObjectIdentifier(call)) else { return }
        handle.released()
      }
    }
  }

  // MARK: - Running script code of a call

  /// Runs `function(arguments...)` in a new task for `call`; a failure ends the call.
  @discardableResult
  func run(_ function: LuaReference, for call: Call, _ arguments: [LuaValue], name: String) -> LuaTask? {
    guard let runtime else { return nil }
    guard let task = runtime.spawn(function, arguments: arguments, name: name, callID: call.id) else {
      return nil
    }
    task.onDone { [weak self] task in
      guard let self, case .failed(let message)? = task.outcome else { return }
      scriptFailed(call, message)
    }
    return task
  }

  /// DESIGN §3: a script error ends that call only — 500 before the answer, BYE after.
  func scriptFailed(_ call: Call, _ message: String) {
    scriptErrors += 1
    // The runtime has logged the traceback (its task name carries the Call-ID).
    _ = message
    agent.logger.warning("script error: ending the call", metadata: ["call-id": "\(call.id)"])
    guard call.isAlive else { return }
    switch call.state {
    case .incoming, .early:
      if call.role == .uas { _ = call.reject(code: 500) } else { _ = call.bye() }
    default:
      _ = call.bye()
    }
  }
}

@available(*, unavailable)
extension CallBinding: Sendable {}

extension TransportBinding {
  /// SIGTERM (issue 6): no new calls; the calls in progress end with BYE (CANCEL, 480 as their
  /// state wants; their recordings are closed), then the run stops with status 0. Called again
  /// while stopping, or when calls have not ended after `grace`, it stops at once with 143.
  public func stopGracefully(grace: Duration = .seconds(10)) {
    guard let runtime else { return }
    guard let calls else { return runtime.stop(.exited(0)) }
    let agent = calls.agent
    if calls.stopping { return runtime.stop(.exited(143)) }
    calls.stopping = true
    if agent.calls.isEmpty { return runtime.stop(.exited(0)) }
    runtime.logger.info("SIGTERM: ending \(agent.calls.count) calls, then stopping")
    agent.stopListening()
    agent.cleanup()
    let bound = NIOLoopBound(runtime, eventLoop: agent.eventLoop)
    agent.loop(timeout: grace) { agent.calls.isEmpty }.whenSuccess { ended in
      bound.value.stop(.exited(ended ? 0 : 143))
    }
  }
}

extension LuaRuntime {
  /// Makes the call layer on the transport of `transportBinding` (a media engine on the same
  /// loop) and registers `sip.invite`, `sip.rtp`, call listening in `sip.listen`, and the
  /// `sip.call` class. Called by ``installTransport(configuration:)``.
  func installCalls(_ transportBinding: TransportBinding) -> CallBinding {
    let media = MediaEngine(
      eventLoop: eventLoop, configuration: MediaEngineConfiguration(portRange: 40000...49999))
    let binding = CallBinding(runtime: self, transport: transportBinding.transport, media: media)
    transportBinding.calls = binding
    binding.transportBinding = transportBinding
    installSDPBinding()
    binding.installFunctions(flattener: transportBinding.headerFlattener)
    binding.installRegistration()  // sip.register/unregister, digest (CallBinding+Registration.swift)
    return binding
  }
}
