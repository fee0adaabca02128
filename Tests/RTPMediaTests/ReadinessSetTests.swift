import DatagramSockets
import NIOCore
import Testing

@testable import RTPMedia

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// The polled engine's epoll set (``ReadinessSet``) on real UDP sockets on 127.0.0.1: only the
/// sockets with datagrams waiting are reported, under the token they were added with.
@Suite struct ReadinessSetTests {
  /// A bound non-blocking socket on 127.0.0.1 and its address.
  static func socket() throws -> (CInt, SocketAddress) {
    let descriptor = try BoundDatagramSocket.open(
      boundTo: try SocketAddress(ipAddress: "127.0.0.1", port: 0), receiveBufferSize: 65_536)
    var storage = sockaddr_in()
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &storage) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
    }
    return (descriptor, SocketAddress(storage, host: "127.0.0.1"))
  }

  /// Tokens reported now (a few tries: loopback delivery is immediate, but bounded anyway).
  static func ready(_ set: ReadinessSet) -> [Int] {
    var tokens: [Int] = []
    set.forEachReady(rounds: 4) { tokens.append($0) }
    return tokens.sorted()
  }

  @Test func reportsOnlyTheSocketsThatReceived() throws {
    #if os(Linux)
      let set = try #require(ReadinessSet.make(capacity: 4))
      let (quiet, _) = try Self.socket()
      let (busy, busyAddress) = try Self.socket()
      let (other, otherAddress) = try Self.socket()
      let (sender, _) = try Self.socket()
      defer { for descriptor in [quiet, busy, other, sender] { close(descriptor) } }
      #expect(set.add(quiet, token: 7))
      #expect(set.add(busy, token: 8))
      #expect(set.add(other, token: 9_000_000_001))
      #expect(Self.ready(set).isEmpty)

      let packet: [UInt8] = [0x80, 0, 0, 1]
      for address in [busyAddress, otherAddress] {
        let code = packet.withUnsafeBytes { PackedAddress(address).send(sender, $0) }
        #expect(code == 0)
      }
      #expect(Self.ready(set) == [8, 9_000_000_001])
      // Level-triggered: still reported until read.
      #expect(Self.ready(set) == [8, 9_000_000_001])
      var buffer = [UInt8](repeating: 0, count: 64)
      #expect(recv(busy, &buffer, buffer.count, 0) == packet.count)
      #expect(Self.ready(set) == [9_000_000_001])
      // A removed socket is not reported, whatever waits on it.
      set.remove(other)
      #expect(Self.ready(set).isEmpty)
    #endif
  }

  /// A full batch asks again (bounded by `rounds`): with room for one event per call, two ready
  /// sockets drained as they are reported come back once each.
  @Test func aFullBatchAsksAgain() throws {
    #if os(Linux)
      let set = try #require(ReadinessSet.make(capacity: 1))
      let (first, firstAddress) = try Self.socket()
      let (second, secondAddress) = try Self.socket()
      let (sender, _) = try Self.socket()
      defer { for descriptor in [first, second, sender] { close(descriptor) } }
      #expect(set.add(first, token: 1))
      #expect(set.add(second, token: 2))
      let packet: [UInt8] = [0x80, 0, 0, 1]
      for address in [firstAddress, secondAddress] {
        #expect(packet.withUnsafeBytes { PackedAddress(address).send(sender, $0) } == 0)
      }
      var reported: [Int] = []
      var buffer = [UInt8](repeating: 0, count: 64)
      set.forEachReady(rounds: 5) { token in
        reported.append(token)
        _ = recv(token == 1 ? first : second, &buffer, buffer.count, 0)
      }
      #expect(reported.sorted() == [1, 2])
    #endif
  }

  @Test func refusesWhatIsNotASocketItCanWatch() throws {
    #if os(Linux)
      let set = try #require(ReadinessSet.make())
      #expect(!set.add(-1, token: 1))
      #expect(!set.contains(-1))
      #expect(Self.ready(set).isEmpty)
    #endif
  }

  @Test func knowsWhichDescriptorsItHolds() throws {
    #if os(Linux)
      let set = try #require(ReadinessSet.make())
      let (socket, address) = try Self.socket()
      let (sender, _) = try Self.socket()
      defer { for descriptor in [socket, sender] { close(descriptor) } }
      #expect(!set.contains(socket))
      #expect(set.add(socket, token: Int(socket)))
      #expect(set.contains(socket))
      // Added twice: the kernel refuses, it is still held once.
      #expect(!set.add(socket, token: Int(socket)))
      #expect(set.contains(socket))
      set.remove(socket)
      #expect(!set.contains(socket))
      // Removed: not reported, and removing again does nothing.
      let packet: [UInt8] = [0x80, 0, 0, 1]
      #expect(packet.withUnsafeBytes { PackedAddress(address).send(sender, $0) } == 0)
      #expect(Self.ready(set).isEmpty)
      set.remove(socket)
      #expect(set.add(socket, token: Int(socket)))
      #expect(Self.ready(set) == [Int(socket)])
    #endif
  }
}
