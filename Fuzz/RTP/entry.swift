// libFuzzer harness: RTP and RTCP parse → serialize → parse must give the same value, and
// nothing may crash on arbitrary bytes. Compiled in one module with Sources/RTPCore/*.swift:
//   swiftc -sanitize=fuzzer,address -parse-as-library -swift-version 6 \
//     -enable-upcoming-feature ExistentialAny -O Sources/RTPCore/*.swift Fuzz/RTP/entry.swift -o /tmp/fuzz-rtp

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))

  if let packet = try? RTPPacket(parsing: bytes) {
    guard let serialized = try? packet.serialized() else {
      fatalError("parsed RTP packet does not serialize")
    }
    guard let again = try? RTPPacket(parsing: serialized), again == packet else {
      fatalError("RTP round trip changed the packet")
    }
    // Everything but the padding octets' content is reproduced exactly.
    let keep = bytes.count - packet.paddingLength
    guard serialized.count == bytes.count, serialized[..<keep] == bytes[..<keep] else {
      fatalError("RTP serialization differs from the input")
    }
    // Drive the consumers of parsed packets too.
    _ = G711Law.muLaw.decode(packet.payload)
    var receiver = TelephoneEventReceiver()
    _ = receiver.receive(packet.header, payload: packet.payload)
    var statistics = RTPStreamStatistics(minimumSequential: 1)
    statistics.record(packet.header, payloadLength: packet.payload.count, arrival: UInt64(size))
    _ = statistics.makeReportBlock(now: UInt64(size))
  }

  if let packets = try? RTCPPacket.parseCompound(bytes) {
    guard let serialized = try? RTCPPacket.serializeCompound(packets) else {
      fatalError("parsed RTCP packets do not serialize")
    }
    guard let again = try? RTCPPacket.parseCompound(serialized), again == packets else {
      fatalError("RTCP round trip changed the packets")
    }
  }
  return 0
}
