// libFuzzer entry for the SDP module. Compiled in one module with Sources/SDP/*.swift (no `import SDP`):
//   swiftc -sanitize=fuzzer,address -parse-as-library -swift-version 6 -enable-upcoming-feature ExistentialAny \
//     -O Sources/SDP/*.swift Fuzz/SDP/entry.swift -o /tmp/fuzz-sdp && /tmp/fuzz-sdp corpus-copy
//
// Properties checked on every input: the parser's byte path and its general path give the same
// description and parsed values, or the same error. On every input that parses:
// - serializing gives back the input bytes exactly (the model keeps every line, ending and space);
// - the result parses again to an equal description;
// - answering it as an offer yields one m= line per offered one, and the answer parses again;
// - that answer, written as bytes, is the one built as lines and serialized;
// - the Net::SIP accessors and processing the answer against our own offer do not trap.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  // The byte path (ASCII values read from their bytes) and the general path agree: the same
  // description and parsed values, or the same error.
  let parsed = Result { () throws(SDPParseError) in try SessionDescription(parsing: bytes) }
  let general = Result { () throws(SDPParseError) in try SessionDescription(parsingGeneral: bytes) }
  switch (parsed, general) {
  case (.success(let fast), .success(let slow)):
    if let difference = fast.parseDifference(from: slow) {
      fatalError("byte and general paths: \(difference)")
    }
  case (.failure(let fast), .failure(let slow)):
    guard fast == slow else { fatalError("byte and general paths fail differently: \(fast) / \(slow)") }
  default:
    fatalError("one of the byte and general paths parses, the other does not")
  }
  guard case .success(let offer) = parsed else { return 0 }

  let text = offer.asString()
  guard Array(text.utf8) == bytes else { fatalError("re-serialization differs from the input") }
  guard let reparsed = try? SessionDescription(parsing: text), reparsed == offer else {
    fatalError("re-serialized description does not parse to the same value")
  }

  _ = offer.getMedia()
  _ = offer.name2int("telephone-event/8000", mediaIndex: 0)
  _ = offer.name2int("PCMU")

  var session = OfferAnswer(address: "192.0.2.1", sessionID: 1)
  let ports = session.servableStreams(in: offer).map { LocalStream(port: 10000 + 2 * $0) }
  let answer = session.answer(to: offer, streams: ports)
  // The first answer is written as bytes; built as lines and serialized it is the same.
  var built = OfferAnswer(address: "192.0.2.1", sessionID: 1)
  let builtAnswer = built.answer(to: offer, streams: ports, writingBytes: false)
  guard builtAnswer == answer, builtAnswer.bytes == answer.bytes else {
    fatalError("the answer written as bytes differs from the one built as lines")
  }
  guard answer.description.media.count == offer.media.count else { fatalError("answer m= count differs") }
  guard let answerText = try? SessionDescription(parsing: answer.description.asString()) else {
    fatalError("our answer does not parse: \(answer.description.asString())")
  }
  _ = answerText

  // The input as an answer to an offer of ours with as many streams.
  var offerer = OfferAnswer(address: "192.0.2.1", sessionID: 2)
  _ = offerer.makeOffer(offer.media.indices.map { LocalStream(port: 20000 + 2 * $0) })
  _ = try? offerer.processAnswer(offer)

  var copy = offer
  _ = try? copy.replaceMediaListen(
    address: "192.0.2.9", offer.media.map { _ in MediaListen(address: "::1", port: 4) })
  guard (try? SessionDescription(parsing: copy.asString())) != nil else {
    fatalError("replaceMediaListen produced a description that does not parse")
  }
  return 0
}
