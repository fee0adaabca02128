import NIOCore
import Testing

@testable import RTPMedia

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// A stream's RTCP socket without an NIO channel (``RTCPSocket``), on real UDP on 127.0.0.1.
@Suite(.serialized) struct RTCPSocketTests {
  /// An RTCP socket on a free port of 45900–45998.
  static func open() throws -> RTCPSocket {
    for port in stride(from: 45901, to: 45999, by: 2) {
      if let socket = try? RTCPSocket.open(host: "127.0.0.1", port: port, receiveBufferSize: 65_536) {
        return socket
      }
    }
    throw MediaError.portRangeExhausted(lower: 45900, upper: 45998)
  }

  /// Waits (bounded: 200 tries of 5 ms) for a datagram on `socket`.
  static func receive(_ socket: RTCPSocket, into buffer: inout [UInt8]) async throws -> RTCPSocket.Received? {
    for _ in 0..<200 {
      if let received = buffer.withUnsafeMutableBytes({ socket.receive(into: $0) }) { return received }
      try await Task.sleep(for: .milliseconds(5))
    }
    return nil
  }

  @Test func sendsAndReceivesWithTheSourceAndTheKernelsArrivalTime() async throws {
    let a = try Self.open()
    let b = try Self.open()
    let bAddress = try #require(b.localAddress)
    var buffer = [UInt8](repeating: 0, count: 2048)
    #expect(buffer.withUnsafeMutableBytes { b.receive(into: $0) } == nil)  // nothing waits: no wait
    let before = MediaEngine.wallClockNanoseconds()
    #expect(a.send([0x81, 0xC9, 0x00, 0x01, 1, 2, 3, 4], to: bAddress))
    let received = try #require(try await Self.receive(b, into: &buffer))
    let after = MediaEngine.wallClockNanoseconds()
    #expect(Array(buffer[0..<received.count]) == [0x81, 0xC9, 0x00, 0x01, 1, 2, 3, 4])
    #expect(received.source?.port == a.port)
    #expect(received.source?.ipAddress == "127.0.0.1")
    #if os(Linux)
      // Stamped by the kernel between the send and the read (the tick may read it much later).
      let arrival = try #require(received.arrival)
      #expect(arrival >= before - 1_000_000 && arrival <= after + 1_000_000)
    #endif
    a.close()
    b.close()
  }

  @Test func aClosedSocketNeitherSendsNorReceives() throws {
    let a = try Self.open()
    let address = try #require(a.localAddress)
    a.close()
    a.close()  // once only
    #expect(!a.isOpen)
    #expect(!a.send([1, 2, 3], to: address))
    var buffer = [UInt8](repeating: 0, count: 16)
    #expect(buffer.withUnsafeMutableBytes { a.receive(into: $0) } == nil)
  }

  @Test func drainDropsWhatWaits() async throws {
    let a = try Self.open()
    let b = try Self.open()
    let bAddress = try #require(b.localAddress)
    for index in UInt8(0)..<3 { #expect(a.send([index], to: bAddress)) }
    var buffer = [UInt8](repeating: 0, count: 64)
    // Loopback delivers at once; wait for the first anyway, then drain the rest.
    let first = try #require(try await Self.receive(b, into: &buffer))
    #expect(first.count == 1)
    b.drain()
    #expect(buffer.withUnsafeMutableBytes { b.receive(into: $0) } == nil)
    a.close()
    b.close()
  }

  /// NTP timestamps (RFC 3550 §4) from the wall clock: seconds since 1900, a 32-bit fraction.
  @Test func ntpFromWallClock() {
    #expect(MediaEngine.ntp(wallClockNanoseconds: 0) == UInt64(2_208_988_800) << 32)
    #expect(
      MediaEngine.ntp(wallClockNanoseconds: 1_500_000_000) == UInt64(2_208_988_801) << 32 | UInt64(1) << 31)
  }
}
