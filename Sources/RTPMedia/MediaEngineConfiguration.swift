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

  public init(
    portRange: ClosedRange<Int> = 30000...39999, receiveBufferSize: Int = 4 << 20,
    tickInterval: TimeAmount = .milliseconds(20), maximumBurst: Int = 3, vectorReadCount: Int = 8
  ) {
    self.portRange = portRange
    self.receiveBufferSize = receiveBufferSize
    self.tickInterval = tickInterval
    self.maximumBurst = maximumBurst
    self.vectorReadCount = vectorReadCount
  }
}
