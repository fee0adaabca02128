// sipcallgen — a bounded SIP call load generator for scripts/bench-calls (SIPp-like, UDP, one thread).
//
//   sipcallgen HOST PORT [--calls N] [--rate CPS] [--window N] [--seconds S] [--hold S] [--drain S]
//                        [--t1 S] [--t2 S] [--loss FRACTION] [--seed N] [--held-mark N]
//
// Each call: INVITE with an SDP offer (PCMU) → 1xx/2xx → ACK → held `--hold` seconds → BYE → 2xx.
// New calls start at `--rate` calls/s (0: as fast as the window allows), at most `--window` in flight,
// at most `--calls` in all, and only during the first `--seconds`; calls in flight then get `--hold`
// plus `--drain` seconds more (default 32, 64*T1) and are failed as "unfinished" after that.
// `--loss` drops that fraction of datagrams each way, to exercise the retransmissions.
// `--held-mark N` prints "HELD N" on standard error when N calls are established at once.
// Prints one line of key=value words: attempted, completed, failed, failures (reason:count), seconds,
// rate (completed calls/s), setup and BYE latency percentiles (ms), retransmissions, peaks.
// Exits 0 when every attempted call completed, 1 otherwise, 2 on bad arguments.
#if canImport(Glibc)
  import Glibc
#endif

let options: GeneratorOptions
do {
  options = try GeneratorOptions(parsing: Array(CommandLine.arguments.dropFirst()))
} catch {
  printToStandardError("sipcallgen: \(error)\n\(GeneratorOptions.usage)")
  exit(2)
}

let udpSocket: UDPSocket
do {
  udpSocket = try UDPSocket(
    localHost: "127.0.0.1", peerHost: options.host, peerPort: options.port, bufferBytes: 8 << 20)
} catch {
  printToStandardError("sipcallgen: \(error)")
  exit(2)
}

let runID = UInt64(getpid()) << 32 | UInt64(UInt32(truncatingIfNeeded: Int(monotonicSeconds() * 1000)))
let generator = CallGenerator(options: options, socket: udpSocket, runID: runID)
generator.runCalls()
print(generator.report.line)
exit(generator.report.failed == 0 && generator.report.completed == generator.report.attempted ? 0 : 1)
