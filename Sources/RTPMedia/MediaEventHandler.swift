public import NIOCore

/// Where a stream's events go: `handler` runs on `eventLoop` (the script's loop), posted with
/// `execute`, so the media loop never waits for it and never runs script code (DESIGN §2).
public struct MediaEventHandler: Sendable {
  public var eventLoop: any EventLoop
  public var handler: @Sendable (_ stream: Int, _ event: MediaEvent) -> Void

  public init(
    eventLoop: any EventLoop, handler: @escaping @Sendable (_ stream: Int, _ event: MediaEvent) -> Void
  ) {
    self.eventLoop = eventLoop
    self.handler = handler
  }
}
