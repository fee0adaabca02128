public import NIOCore

/// Settings of a ``MediaEngine``.
public struct MediaEngineConfiguration: Sendable {
  /// Ports for streams that ask the engine to allocate one (``MediaSocket/allocate(host:)``).
  public var portRange: ClosedRange<Int>
  /// SO_RCVBUF asked for every socket the engine opens: a few MiB (DESIGN §8; Linux caps it at
  /// `net.core.rmem_max` unless the process may raise it).
  public var receiveBufferSize: Int
  /// The pacing interval: 20 ms, one G.711 frame.
  public var tickInterval: TimeAmount
  /// Frames one late wake-up may send per stream before older ones are skipped (``RTPPacer``).
  public var maximumBurst: Int
  /// Datagrams read per system call (`recvmmsg` on Linux; 1 disables vector reads).
  public var vectorReadCount: Int
  /// Read every stream's RTP socket on the tick (one `recvmmsg` per socket per 20 ms, after all
  /// streams sent) instead of when it becomes readable: no epoll wake-ups, no NIO read events
  /// or buffers per packet, at the price of up to one tick (20 ms) of added latency for echoes
  /// and received events, and one system call per idle stream per tick. Linux only; elsewhere,
  /// and for caller-bound channels, reads go through NIO as usual.
  public var pollsOnTick: Bool

  public init(
    portRange: ClosedRange<Int> = 30000...39999, receiveBufferSize: Int = 4 << 20,
    tickInterval: TimeAmount = .milliseconds(20), maximumBurst: Int = 3, vectorReadCount: Int = 8,
    pollsOnTick: Bool = false
  ) {
    self.portRange = portRange
    self.receiveBufferSize = receiveBufferSize
    self.tickInterval = tickInterval
    self.maximumBurst = maximumBurst
    self.vectorReadCount = vectorReadCount
    self.pollsOnTick = pollsOnTick
  }
}
