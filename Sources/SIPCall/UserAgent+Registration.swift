public import NIOCore
import SIPCore
import SIPProtocol
import SIPTransport

// Net::SIP::Simple's `register`, and removing every binding when the agent stops.
extension UserAgent {
  /// Registers at `parameters.registrar` and returns the registration at once; its
  /// ``Registration/onOutcome`` (set it right away, on the loop) tells how each REGISTER went.
  /// A registration of the same address at the same registrar is replaced (its timers stop; the
  /// new REGISTERs update the binding).
  public func register(_ parameters: Registration.Parameters) throws(CallError) -> Registration {
    eventLoop.preconditionInEventLoop()
    guard parameters.registrar.isSIP else {
      throw CallError("register: the registrar must be a sip: or sips: URI")
    }
    guard parameters.expires <= 0x7FFF_FFFF else { throw CallError("register: expires is too large") }
    guard let leg = chooseLeg(parameters.leg, for: configuration.outgoingProxy ?? parameters.registrar) else {
      throw CallError(
        parameters.leg.map { "register: no leg \($0)" }
          ?? "register: no leg can reach \(parameters.registrar) (open one first)")
    }
    let registration = Registration(agent: self, parameters: parameters, leg: leg)
    for old in registrations
    where old.addressOfRecord.uri.isEquivalent(to: registration.addressOfRecord.uri)
      && old.parameters.registrar.isEquivalent(to: parameters.registrar)
    {
      old.close()
    }
    registrations.append(registration)
    // Started on the next turn of the loop, so that the caller can set onOutcome first even when
    // the transport fails at once.
    let bound = NIOLoopBound(registration, eventLoop: eventLoop)
    eventLoop.execute { bound.value.start() }
    return registration
  }

  /// Un-registers every registration (RFC 3261 §10.2.2) and waits for the registrars' answers,
  /// at most `timeout`; the ones still waiting then are closed without an answer. For the end
  /// of a run, before the transport closes.
  public func unregisterAll(timeout: TimeAmount = .seconds(3)) -> EventLoopFuture<Void> {
    eventLoop.preconditionInEventLoop()
    let pending = registrations.filter { !$0.isStopped }
    guard !pending.isEmpty else { return eventLoop.makeSucceededVoidFuture() }
    let promise = eventLoop.makePromise(of: Void.self)
    let remaining = Counter(pending.count)
    let bound = NIOLoopBound(self, eventLoop: eventLoop)
    let deadline = eventLoop.scheduleTask(in: timeout) {
      for registration in bound.value.registrations where !registration.isStopped { registration.close() }
    }
    for registration in pending {
      registration.unregister {
        remaining.value -= 1
        if remaining.value == 0 {
          deadline.cancel()
          promise.succeed()
        }
      }
    }
    return promise.futureResult
  }

  func forget(_ registration: Registration) {
    registrations.removeAll { $0 === registration }
  }
}

/// A count shared by completion callbacks on one loop.
final class Counter {
  var value: Int
  init(_ value: Int) { self.value = value }
}
