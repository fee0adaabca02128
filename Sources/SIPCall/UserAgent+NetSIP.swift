public import NIOCore

// The rest of Net::SIP::Simple's surface: add_timer, loop, rtp, error.
extension UserAgent {
  /// Net::SIP `add_timer(WHEN, CALLBACK, REPEAT)`: runs `body` after `delay`, then every
  /// `repeatEvery` if given, on the agent's loop. Cancel with the returned handle.
  @discardableResult
  public func addTimer(after delay: Duration, repeatEvery: Duration? = nil, _ body: @escaping () -> Void)
    -> UserAgentTimer
  {
    let timer = UserAgentTimer()
    schedule(timer, after: delay, repeatEvery: repeatEvery, body)
    return timer
  }

  func schedule(
    _ timer: UserAgentTimer, after delay: Duration, repeatEvery: Duration?, _ body: @escaping () -> Void
  ) {
    guard !timer.isCancelled else { return }
    let bound = NIOLoopBound((self, timer, body), eventLoop: eventLoop)
    timer.scheduled = eventLoop.scheduleTask(in: delay.timeAmount) {
      let (agent, timer, body) = bound.value
      guard !timer.isCancelled else { return }
      body()
      if let repeatEvery { agent.schedule(timer, after: repeatEvery, repeatEvery: repeatEvery, body) }
    }
  }

  /// Net::SIP `loop(TIMEOUT, @STOPVAR)`: completes when `until` holds (checked every `poll`) or
  /// after `timeout`, with whether the condition held. The event loop itself never blocks.
  public func loop(timeout: Duration? = nil, poll: Duration = .milliseconds(10), until: @escaping () -> Bool)
    -> EventLoopFuture<Bool>
  {
    let promise = eventLoop.makePromise(of: Bool.self)
    let deadline = timeout.map { NIODeadline.now() + $0.timeAmount }
    let bound = NIOLoopBound(until, eventLoop: eventLoop)
    let loop = eventLoop
    eventLoop.execute { Self.poll(bound, promise, deadline: deadline, every: poll.timeAmount, on: loop) }
    return promise.futureResult
  }

  static func poll(
    _ condition: NIOLoopBound<() -> Bool>, _ promise: EventLoopPromise<Bool>, deadline: NIODeadline?,
    every interval: TimeAmount, on loop: any EventLoop
  ) {
    if condition.value() { return promise.succeed(true) }
    if let deadline, NIODeadline.now() >= deadline { return promise.succeed(false) }
    loop.scheduleTask(in: interval) {
      poll(condition, promise, deadline: deadline, every: interval, on: loop)
    }
  }

  /// Net::SIP `rtp(METHOD, @ARGS)`: the canned `init_media` functions by Net::SIP's names.
  public static func rtp(_ method: String, _ arguments: [String]) throws(CallError) -> (Call) -> Void {
    switch method {
    case "media_send_recv":
      guard let input = arguments.first else { throw CallError("media_send_recv needs an input file") }
      return CallMedia.sendReceive(
        input: input, repeat: arguments.count > 1 ? Int(arguments[1]) : nil,
        output: arguments.count > 2 ? arguments[2] : nil)
    case "media_recv_echo":
      return CallMedia.receiveEcho(
        output: arguments.first, delay: arguments.count > 1 ? Int(arguments[1]) : nil)
    default:
      throw CallError("rtp: unknown method '\(method)' (media_send_recv, media_recv_echo)")
    }
  }
}

/// A timer of ``UserAgent/addTimer(after:repeatEvery:_:)``.
public final class UserAgentTimer {
  var scheduled: Scheduled<Void>?
  public private(set) var isCancelled = false

  public func cancel() {
    isCancelled = true
    scheduled?.cancel()
  }
}

@available(*, unavailable)
extension UserAgentTimer: Sendable {}
