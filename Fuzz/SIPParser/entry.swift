// libFuzzer harness for the SIP message parser (SIPCore): one datagram, then the same bytes as a
// TCP stream in two chunks. Built by scripts/fuzz together with SIPCore's sources, so SIPCore is
// not imported. Besides "no crash, no leak, no hang", it checks two properties:
//   - what the serializer writes, the parser reads back, with the same Call-ID;
//   - a stream framer never yields more messages than the stream had bytes (no message out of
//     nothing, no loop that does not consume).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let input = Array(UnsafeBufferPointer(start: data, count: size))
  parseAsDatagram(input)
  parseAsStream(input)
  return 0
}

/// The serializer's output as bytes, whichever byte collection or string it returns.
private func wireBytes(_ bytes: [UInt8]) -> [UInt8] { bytes }
private func wireBytes(_ text: String) -> [UInt8] { Array(text.utf8) }
private func wireBytes<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> [UInt8] { Array(bytes) }

private func parseAsDatagram(_ input: [UInt8]) {
  let message: SIPMessage
  do {
    message = try SIPMessage.parse(input)
  } catch {
    _ = "\(error)"  // rendering the error must not crash either
    return
  }
  // The accessors a script touches first.
  let callID = message.callID
  _ = message.header("Via", 0)
  _ = message.header("To", 1)
  _ = message.header("content-length", 0)
  _ = message.headerValues("Via")
  _ = message.headerValues("Contact")

  let wire = wireBytes(message.serialize())
  let reparsed: SIPMessage
  do {
    reparsed = try SIPMessage.parse(wire)
  } catch {
    fatalError("the parser rejects what the serializer wrote: \(error)")
  }
  guard reparsed.callID == callID else {
    fatalError("Call-ID changed through serialize and parse")
  }
  guard wireBytes(reparsed.serialize()) == wire else {
    fatalError("serializing is not stable: parse(serialize(m)) serializes differently")
  }
  checkTransactionPath(message)
}

/// The transaction path's shortcuts against the general paths (round 6 of
/// docs/benchmarks-transactions.md): the grammar check of To and From accepts what the parse
/// accepts with the same tag, and the Via stamp written into the received bytes gives a Via that
/// parses to the stamped value.
private func checkTransactionPath(_ message: SIPMessage) {
  var cached = message
  cached.cacheTransactionHeaders()
  for (id, name) in [(SIPHeaderName.to, "To"), (.from, "From")] {
    let parsed = message.firstValue(id).flatMap { try? SIPNameAddress.parse($0) }
    let checked = message.checkNameAddress(id)
    guard checked.valid == (parsed != nil), checked.tag == parsed?.tag else {
      fatalError("\(name): the grammar check and the parse disagree")
    }
  }
  guard cached.to == message.to, cached.from == message.from, cached.toTag == message.to?.tag else {
    fatalError("the cache answers To or From differently")
  }
  guard message.isRequest, var via = cached.topVia else { return }
  via.rport = .port(5060)
  via.received = "192.0.2.1"
  var stamped = cached
  guard let text = stamped.stampTopVia(received: "192.0.2.1", rport: 5060) else {
    fatalError("a request with a top Via was not stamped")
  }
  guard stamped.topVia == via, stamped.header("Via") == text else {
    fatalError("the stamped Via is not the stamped value")
  }
  var reparsedVia = stamped
  reparsedVia.discardCachedTransactionHeaders()
  if let again = reparsedVia.topVia, again != via {
    fatalError("the stamped Via's text parses to another value")
  }
}

private func parseAsStream(_ input: [UInt8]) {
  // Split where the input's own length says, so every split point gets exercised.
  let split = input.isEmpty ? 0 : Int(input[0]) % (input.count + 1)
  var framer = SIPStreamFramer()
  framer.append(Array(input[..<split]))
  var produced = drain(&framer, limit: input.count + 1)
  framer.append(Array(input[split...]))
  produced += drain(&framer, limit: input.count + 1 - produced)
  _ = produced
}

/// Takes messages until the framer needs more bytes or reports an error; at most `limit`.
private func drain(_ framer: inout SIPStreamFramer, limit: Int) -> Int {
  var count = 0
  while true {
    let message: SIPMessage?
    do {
      message = try framer.next()
    } catch {
      return count
    }
    guard let message else { return count }
    _ = message.callID
    _ = wireBytes(message.serialize())
    count += 1
    if count > limit {
      fatalError("the framer produced more messages than the stream had bytes")
    }
  }
}
