import DatagramSockets
import NIOCore
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// DatagramSockets' `sendmmsg`/`recvmmsg` (``MultipleMessages``), shared by the SIP transport's
/// outbox and the media engine's batch reads, on real UDP sockets on 127.0.0.1.
@Suite struct MultipleMessagesTests {
  @Test func threeDatagramsLeaveInOneSendAndArriveInOneReceive() throws {
    #if os(Linux)
      let send = try #require(MultipleMessages.send)
      let receive = try #require(MultipleMessages.receive)
      let (receiver, receiverAddress) = try ReadinessSetTests.socket()
      let (sender, _) = try ReadinessSetTests.socket()
      defer { for descriptor in [receiver, sender] { close(descriptor) } }

      let payloads: [[UInt8]] = [[1], [2, 2], [3, 3, 3]]
      var name = sockaddr_storage()
      let nameLength = receiverAddress.withSockAddr { address, length in
        withUnsafeMutableBytes(of: &name) { $0.baseAddress!.copyMemory(from: address, byteCount: length) }
        return length
      }
      let sent = payloads.map { payload in
        let bytes = UnsafeMutableRawBufferPointer.allocate(byteCount: payload.count, alignment: 1)
        bytes.copyBytes(from: payload)
        return bytes
      }
      defer { for bytes in sent { bytes.deallocate() } }
      var vectors = sent.map { iovec(iov_base: $0.baseAddress, iov_len: $0.count) }
      let count = withUnsafeMutablePointer(to: &name) { namePointer in
        vectors.withUnsafeMutableBufferPointer { vectorBuffer in
          var headers = (0..<payloads.count).map { index -> MultipleMessageHeader in
            var header = msghdr()
            header.msg_name = UnsafeMutableRawPointer(namePointer)
            header.msg_namelen = socklen_t(nameLength)
            header.msg_iov = vectorBuffer.baseAddress! + index
            header.msg_iovlen = 1
            return MultipleMessageHeader(header: header)
          }
          return headers.withUnsafeMutableBufferPointer {
            send(sender, UnsafeMutableRawPointer($0.baseAddress), CUnsignedInt(payloads.count), 0)
          }
        }
      }
      #expect(count == 3)

      // Loopback delivers inside the send; read all three with one call (a few tries, bounded).
      let slot = 64
      let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: slot * 4, alignment: 16)
      defer { buffer.deallocate() }
      var receiveVectors = (0..<4).map { iovec(iov_base: buffer.baseAddress! + $0 * slot, iov_len: slot) }
      var received: [[UInt8]] = []
      for _ in 0..<50 where received.count < 3 {
        receiveVectors.withUnsafeMutableBufferPointer { vectorBuffer in
          var headers = (0..<4).map { index -> MultipleMessageHeader in
            var header = msghdr()
            header.msg_iov = vectorBuffer.baseAddress! + index
            header.msg_iovlen = 1
            return MultipleMessageHeader(header: header)
          }
          let got = headers.withUnsafeMutableBufferPointer {
            receive(receiver, UnsafeMutableRawPointer($0.baseAddress), 4, CInt(MSG_DONTWAIT), nil)
          }
          for index in 0..<max(Int(got), 0) {
            let start = buffer.baseAddress! + index * slot
            received.append(Array(UnsafeRawBufferPointer(start: start, count: Int(headers[index].length))))
          }
        }
        if received.count < 3 { usleep(1_000) }
      }
      #expect(received == payloads)
    #endif
  }
}
