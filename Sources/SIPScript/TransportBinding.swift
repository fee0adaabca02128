public import NIOCore
import SIPCore
import SIPProtocol
public import SIPTransport

#if canImport(Glibc)
  import Glibc
#endif

/// The SIP transport of a Lua runtime and its Lua functions (docs/lua-api-transport.md):
/// `sip.config{legs = ...}`, `sip.legs()`, `sip.request(method, uri, opts)`,
/// `sip.listen{cb_request = fn}`.
///
/// ```swift
/// let runtime = try LuaRuntime(eventLoop: loop, configuration: configuration, logger: logger)
/// let binding = runtime.installTransport()   // opens the --listen legs
/// runtime.run(scriptAt: path).whenComplete { _ in _ = binding.close() }
/// ```
///
/// Legs opened by `--listen` or `sip.config` keep the run alive (`retainPendingWork`) until the
/// script stops (`sip.stop`, `os.exit`, a signal); a leg opened implicitly by `sip.request`
/// does not. Not thread-safe: on the runtime's event loop.
public final class TransportBinding {
  public let transport: SIPTransport
  weak var runtime: LuaRuntime?
  /// Binds in progress; `sip.legs()` and requests wait for them.
  var pendingBinds = 0
  var bindErrors: [String] = []
  var waitingForLegs: [() -> Void] = []
  /// Holds taken with `retainPendingWork` (one per explicit leg).
  var holds = 0
  /// Default From of `sip.request` (`sip.config{from}`), and the domain for a made-up one.
  var from: String?
  var domain: String?
  /// The script's `cb_request` and the prelude's wrapper that runs it.
  var requestCallback: LuaReference?
  var requestRunner: LuaReference?
  /// The prelude's header-table flattener, shared with the call prelude.
  var headerFlattener: LuaReference?
  var rng = BufferedRandomNumberGenerator()
  /// The call layer on this transport (it owns the transport's request handler; requests that
  /// are not for calls reach `cb_request` through it).
  public internal(set) var calls: CallBinding?

  init(runtime: LuaRuntime, transport: SIPTransport) {
    self.runtime = runtime
    self.transport = transport
  }

  /// Closes the transport (legs, connections, timers) and releases the run's holds.
  public func close() -> EventLoopFuture<Void> {
    let bound = NIOLoopBound(transport, eventLoop: transport.eventLoop)
    let ending = calls?.close() ?? transport.eventLoop.makeSucceededVoidFuture()
    let future = ending.flatMap { bound.value.close() }
    if let runtime {
      for _ in 0..<holds { runtime.releasePendingWork() }
    }
    holds = 0
    return future
  }

  // MARK: - Legs

  /// Opens legs; `completion` gets the errors (empty when all bound), on the loop.
  func open(_ addresses: [ListenAddress], hold: Bool, completion: (([String]) -> Void)? = nil) {
    var remaining = addresses.count
    var errors: [String] = []
    if remaining == 0 {
      completion?([])
      return
    }
    pendingBinds += addresses.count
    for address in addresses {
      let transportKind: SIPLeg.Transport = address.transport == .tcp ? .tcp : .udp
      if hold, let runtime {
        runtime.retainPendingWork()
        holds += 1
      }
      transport.bind(transportKind, host: address.host, port: Int(address.port)) { [weak self] result in
        guard let self else { return }
        if case .failure(let error) = result {
          let message = "cannot listen on \(address): \(error)"
          errors.append(message)
          bindErrors.append(message)
          if hold, holds > 0, let runtime {
            holds -= 1
            runtime.releasePendingWork()
          }
        }
        pendingBinds -= 1
        remaining -= 1
        if remaining == 0 { completion?(errors) }
        if pendingBinds == 0 {
          let waiting = waitingForLegs
          waitingForLegs.removeAll()
          for body in waiting { body() }
        }
      }
    }
  }

  /// Runs `body` once no bind is in progress.
  func whenLegsReady(_ body: @escaping () -> Void) {
    if pendingBinds == 0 {
      body()
    } else {
      waitingForLegs.append(body)
    }
  }

  /// The legs as Lua sees them: `{transport = "udp", host = "127.0.0.1", port = 5060,
  /// address = "udp:127.0.0.1:5060"}`.
  func legsValue() -> LuaValue {
    .table(
      LuaTable(
        array: transport.legs.map { leg in
          .table(
            LuaTable(fields: [
              "transport": .string(leg.transport.rawValue), "host": .string(leg.host),
              "port": .integer(Int64(leg.port)), "address": .string(leg.description),
            ]))
        }))
  }
}

@available(*, unavailable)
extension TransportBinding: Sendable {}

extension LuaRuntime {
  /// Creates the runtime's SIP transport on its event loop, registers the transport functions
  /// of the `sip` module and opens the `--listen` legs of the configuration (a leg that cannot
  /// be opened ends the run with an error). Call once, before `run`.
  @discardableResult
  public func installTransport(configuration transportConfiguration: SIPTransportConfiguration? = nil)
    -> TransportBinding
  {
    eventLoop.preconditionInEventLoop()
    var settings = transportConfiguration ?? SIPTransportConfiguration()
    if configuration.trace, settings.trace == nil {
      settings.trace = { text in
        var text = text
        text.withUTF8 { buffer in _ = write(2, buffer.baseAddress, buffer.count) }
      }
    }
    let binding = TransportBinding(
      runtime: self, transport: SIPTransport(eventLoop: eventLoop, configuration: settings, logger: logger))
    binding.installFunctions()
    _ = installCalls(binding)
    binding.open(configuration.listenAddresses, hold: true) { [weak self] errors in
      guard let self, let first = errors.first else { return }
      self.stop(.failed(first))
    }
    return binding
  }
}
