// sipbench — the Swift side of scripts/bench (figures in docs/benchmarks.md).
//
//   sipbench parse MESSAGE_DIR [REPETITIONS]
//
// Reads MESSAGE_DIR/invite.sip and ok200.sip (the bytes the Perl and Lua sides read too) and
// prints one line per measurement, `NAME MESSAGES_PER_SECOND`, the best of REPETITIONS batches.
// Time is this process's CPU time, as on the Perl and Lua sides: the machine may be shared, and
// wall time would then measure the neighbours.

import SIPCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Seconds of CPU time used by this process.
func cpuTime() -> Double {
  var now = timespec()
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
  return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// Keeps results alive so the optimizer cannot drop the work that made them.
nonisolated(unsafe) var sink = 0

@inline(never)
func consume(_ value: Int) {
  sink &+= value
}

/// Runs `body` in batches of a size that takes about 0.2 s, and returns the best rate in calls
/// per second over `repetitions` batches.
func bestRate(repetitions: Int, _ body: () throws -> Void) rethrows -> Double {
  var count = 1000
  while true {
    let start = cpuTime()
    for _ in 0..<count { try body() }
    if cpuTime() - start > 0.2 { break }
    count *= 2
  }
  var best = 0.0
  for _ in 0..<repetitions {
    let start = cpuTime()
    for _ in 0..<count { try body() }
    best = max(best, Double(count) / (cpuTime() - start))
  }
  return best
}

func readFile(_ path: String) -> [UInt8]? {
  guard let file = fopen(path, "rb") else { return nil }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let read = fread(&buffer, 1, buffer.count, file)
    if read <= 0 { break }
    bytes += buffer[0..<read]
  }
  return bytes
}

/// Standard error, written with write(2): the C `stderr` global is shared mutable state to Swift 6.
struct StandardError: TextOutputStream {
  mutating func write(_ text: String) {
    var text = text
    text.withUTF8 { bytes in
      #if canImport(Glibc)
        _ = Glibc.write(2, bytes.baseAddress, bytes.count)
      #else
        _ = Darwin.write(2, bytes.baseAddress, bytes.count)
      #endif
    }
  }
}

func fail(_ message: String) -> Never {
  var standardError = StandardError()
  print("sipbench: \(message)", to: &standardError)
  exit(2)
}

/// The byte count of a serialized message, whatever byte collection or string it is.
func byteCount(_ bytes: [UInt8]) -> Int { bytes.count }
func byteCount(_ text: String) -> Int { text.utf8.count }
func byteCount<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> Int { bytes.count }

/// The length of a Call-ID, whether the accessor returns an optional or not.
func length(_ text: String?) -> Int { text?.utf8.count ?? 0 }

func benchParse(directory: String, repetitions: Int) throws {
  guard let invite = readFile("\(directory)/invite.sip"), let ok = readFile("\(directory)/ok200.sip") else {
    fail("cannot read invite.sip and ok200.sip in \(directory)")
  }
  let parsedInvite = try SIPMessage.parse(invite)
  guard length(parsedInvite.callID) > 0 else { fail("invite.sip has no Call-ID") }

  let inviteParse = try bestRate(repetitions: repetitions) {
    let message = try SIPMessage.parse(invite)
    consume(length(message.callID))
  }
  let okParse = try bestRate(repetitions: repetitions) {
    let message = try SIPMessage.parse(ok)
    consume(length(message.callID))
  }
  let inviteSerialize = bestRate(repetitions: repetitions) {
    consume(byteCount(parsedInvite.serialize()))
  }
  print("invite_parse \(inviteParse)")
  print("ok_parse \(okParse)")
  print("invite_serialize \(inviteSerialize)")
  if sink == 0 { fail("nothing measured") }
}

let arguments = CommandLine.arguments.dropFirst()
switch arguments.first {
case "parse":
  let directory = arguments.dropFirst().first ?? "bench/messages"
  let repetitions = arguments.dropFirst(2).first.flatMap { Int($0) } ?? 5
  do {
    try benchParse(directory: directory, repetitions: max(1, repetitions))
  } catch {
    fail("parse failed: \(error)")
  }
default:
  fail("usage: sipbench parse [MESSAGE_DIR] [REPETITIONS]")
}
