import Foundation
import RTPCore
import RTPMedia
import Synchronization

/// A packet as it would go on the wire, captured from an `emit` closure.
struct CapturedPacket {
  var bytes: [UInt8]
  var header: RTPHeader
  var payload: [UInt8]

  init(_ header: RTPHeader, _ payload: UnsafeRawBufferPointer) {
    var bytes: [UInt8] = []
    try? header.append(to: &bytes)
    bytes.append(contentsOf: payload)
    self.bytes = bytes
    self.header = header
    self.payload = Array(payload)
  }
}

extension MediaStreamState {
  /// Runs `frames` one-frame ticks 20 ms apart from `start` and returns what was sent.
  mutating func run(ticks: Int, start: UInt64 = 0, ticksDone: Int = 0) -> [CapturedPacket] {
    var packets: [CapturedPacket] = []
    for index in 0..<ticks {
      let now = start + UInt64(ticksDone + index) * 20_000_000
      tick(frames: 1, now: now) { header, payload in packets.append(CapturedPacket(header, payload)) }
    }
    return packets
  }

  /// Delivers a datagram and returns what the stream echoed.
  mutating func deliver(_ bytes: [UInt8], now: UInt64) -> [CapturedPacket] {
    var packets: [CapturedPacket] = []
    bytes.withUnsafeBytes { raw in
      receive(raw, now: now) { header, payload in packets.append(CapturedPacket(header, payload)) }
    }
    return packets
  }
}

/// Signal analysis for the checks: Goertzel power and zero crossings.
enum Signal {
  static func sine(frequency: Double, count: Int, amplitude: Double = 8000, rate: Double = 8000) -> [Int16] {
    (0..<count).map { Int16(amplitude * sin(2 * Double.pi * frequency * Double($0) / rate)) }
  }

  /// Relative power at `frequency` (Goertzel), normalized by the block's energy: near 1 for a
  /// pure tone at that frequency, near 0 elsewhere.
  static func goertzel(_ samples: ArraySlice<Int16>, frequency: Double, rate: Double = 8000) -> Double {
    let coefficient = 2 * cos(2 * Double.pi * frequency / rate)
    var (s1, s2) = (0.0, 0.0)
    var energy = 0.0
    for sample in samples {
      let x = Double(sample)
      energy += x * x
      let s0 = x + coefficient * s1 - s2
      s2 = s1
      s1 = s0
    }
    let power = s1 * s1 + s2 * s2 - coefficient * s1 * s2
    guard energy > 0 else { return 0 }
    return power / (energy * Double(samples.count) / 2)
  }

  static func zeroCrossings(_ samples: ArraySlice<Int16>) -> Int {
    var count = 0
    var previous = samples.first ?? 0
    for sample in samples.dropFirst() {
      if (previous < 0) != (sample < 0) { count += 1 }
      previous = sample
    }
    return count
  }

  /// A PCM 16-bit mono WAV file of `samples`.
  static func wav(_ samples: [Int16], rate: UInt32 = 8000) throws -> [UInt8] {
    var writer = try WAVWriter(sink: InMemoryWAVSink(), sampleRate: rate)
    try writer.append(samples)
    return writer.sink.bytes
  }
}

/// Events collected from any thread.
final class EventLog: Sendable {
  private let events = Mutex<[(Int, MediaEvent)]>([])

  func append(_ stream: Int, _ event: MediaEvent) {
    events.withLock { $0.append((stream, event)) }
  }

  var all: [(Int, MediaEvent)] { events.withLock { $0 } }

  func count(where predicate: (MediaEvent) -> Bool) -> Int {
    events.withLock { $0.filter { predicate($0.1) }.count }
  }

  /// Waits (bounded: `seconds`) until `predicate` holds for the log.
  func wait(seconds: Double = 5, until predicate: @escaping ([MediaEvent]) -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
      if predicate(events.withLock { $0.map(\.1) }) { return true }
      try? await Task.sleep(for: .milliseconds(10))
    }
    return predicate(events.withLock { $0.map(\.1) })
  }
}
