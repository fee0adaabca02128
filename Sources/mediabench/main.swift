// mediabench — the Swift side of `scripts/bench-media`.
//
//   mediabench run --streams N [--seconds S]   two processes on 127.0.0.1: this one generates N
//                                             G.711 streams, a child process echoes them
//   mediabench echo --streams N --base P --seconds S   the child: N echo streams on ports P, P+2, …
//   mediabench detector   the in-band DTMF detector's CPU time per 20 ms frame
//   --inband-dtmf 1   the echo streams also run a Goertzel DTMF detector on what they receive, as
//                     every call's streams do (SIPCall's receive tap): its cost per packet
//   --loops K         each side spreads its streams over K event loops, one MediaEngine per loop
//   --poll 1          both sides read RTP sockets on the tick (MediaEngineConfiguration.pollsOnTick)
//   --echo-command C  run C (split on spaces) as the echo process instead of `mediabench echo`; it
//                     gets the same arguments and speaks the same protocol (prints "ready", exits
//                     when its standard input closes, prints "echo received=… echoed=… cpu=…")
//                     — scripts/bench-media-netsip.pl, Perl Net::SIP's media_recv_echo, or
//                     `media-peer reflect` (scripts/bench-reference/media-peer.c)
//   --generator-command C   run C (split on spaces) as the generator instead of this process's
//                     engines, after the echo is ready; it gets the same arguments, sends, and
//                     prints one line "gen sent=… back=… sending_s=… pkts_per_stream_s=… cpu=…
//                     tick_p50_us=… tick_p99_us=… tick_max_us=… ticks=…" — `media-peer gen`, one
//                     socket with sendmmsg/recvmmsg, so that N = 2000 measures the echo, not a
//                     second engine starved of CPU
//   --single-peer-port 1   the C peer uses one port for all streams: the echo answers every
//                     stream to generator-base (not generator-base + 2i); the generator sends
//                     every stream to base (a reflector) — the engine's side is unchanged: one
//                     socket per stream
//
// The echo line also carries the echo engine's own tick (echo_tick_*): the 20 ms schedule the
// echo engine keeps for its streams (RTCP, timeouts; what a media_send_recv call plays on).
//
// Every loop is bounded: the generator runs S seconds; the echo stops when its standard input
// closes or after S + 30 seconds, whichever comes first. Loopback only.
import Foundation
import NIOCore
import NIOPosix
import RTPCore
import RTPMedia

struct Options {
  var mode = "run"
  var streams = 100
  var seconds = 10.0
  // Both below Linux's ephemeral range (32768–60999): on a shared machine other processes' port-0
  // sockets land anywhere in it and made runs fail to bind.
  var base = 12000
  var generatorBase = 22000
  var vector = 8
  var inBandDTMF = false
  var loops = 1
  var poll = false
  var echoCommand: [String] = []
  var generatorCommand: [String] = []
  var singlePeerPort = false

  init(_ arguments: [String]) {
    var iterator = arguments.dropFirst().makeIterator()
    if let first = arguments.dropFirst().first, !first.hasPrefix("--") {
      mode = first
      _ = iterator.next()
    }
    while let argument = iterator.next() {
      let value = iterator.next() ?? ""
      switch argument {
      case "--streams": streams = max(1, min(Int(value) ?? streams, 5000))
      case "--seconds": seconds = max(1, min(Double(value) ?? seconds, 120))
      case "--base": base = Int(value) ?? base
      case "--generator-base": generatorBase = Int(value) ?? generatorBase
      case "--vector": vector = max(1, min(Int(value) ?? vector, 64))
      case "--inband-dtmf": inBandDTMF = value == "1"
      case "--poll": poll = value == "1"
      case "--loops": loops = max(1, min(Int(value) ?? loops, 16))
      case "--echo-command": echoCommand = value.split(separator: " ").map(String.init)
      case "--generator-command": generatorCommand = value.split(separator: " ").map(String.init)
      case "--single-peer-port": singlePeerPort = value == "1"
      default: FileHandle.standardError.write(Data("mediabench: unknown option \(argument)\n".utf8))
      }
    }
  }
}

/// CPU seconds (user + system) of this process.
func cpuSeconds() -> Double {
  var usage = rusage()
  getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
  let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
  let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
  return user + system
}

func raiseFileLimit() {
  var limit = rlimit()
  getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
  limit.rlim_cur = limit.rlim_max
  setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
}

func emit(_ line: String) {
  // A parent that went away (broken pipe) is not worth a crash.
  try? FileHandle.standardOutput.write(contentsOf: Data((line + "\n").utf8))
}

/// Opens `count` streams, 64 binds in flight at a time; stream i on engine i mod engines.count.
func openStreams(_ engines: [MediaEngine], count: Int, options: (Int) throws -> MediaStreamOptions)
  async throws
  -> [MediaStream]
{
  var streams: [MediaStream] = []
  streams.reserveCapacity(count)
  var index = 0
  while index < count {
    let upper = min(index + 64, count)
    let futures = try (index..<upper).map { engines[$0 % engines.count].openStream(try options($0)) }
    for future in futures { streams.append(try await future.get()) }
    index = upper
  }
  return streams
}

/// The work of a call's receive tap: Goertzel DTMF detection on every decoded packet.
final class DetectingTap: MediaReceiveTap {
  var detector = DTMFDetector()
  var detections = 0

  func receivedAudio(_ samples: UnsafeBufferPointer<Int16>, header: RTPHeader, now: UInt64) {
    detections += detector.process(samples).count
  }

  func receivedTelephoneEvent(_ event: TelephoneEvent, header: RTPHeader, now: UInt64) {}
}

func runEcho(_ options: Options) async throws {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: options.loops)
  let engines = (0..<options.loops).map { _ in
    MediaEngine(
      eventLoop: group.next(),
      configuration: MediaEngineConfiguration(vectorReadCount: options.vector, pollsOnTick: options.poll))
  }
  let streams = try await openStreams(engines, count: options.streams) { index in
    var streamOptions = MediaStreamOptions(
      local: .bind(host: "127.0.0.1", port: options.base + 2 * index), source: .none)
    if options.inBandDTMF { streamOptions.receiveTap = { DetectingTap() } }
    return streamOptions
  }
  // The echo answers to whoever sends (the generator's port i): remote set by the first packet
  // would be latching; here the ports are known, so set them.
  let setups = try streams.enumerated().map { index, stream in
    let port = options.generatorBase + (options.singlePeerPort ? 0 : 2 * index)
    return stream.setRemote(try SocketAddress(ipAddress: "127.0.0.1", port: port))
      .flatMap { stream.echo(.packets(0)) }
  }
  for setup in setups { try await setup.get() }
  let cpuStart = cpuSeconds()
  emit("ready")
  // The echo engine's own schedule, after a warm-up second (the generator starts right after
  // "ready").
  let warmUp = Task {
    try? await Task.sleep(for: .seconds(1))
    for engine in engines { _ = try? await engine.resetScheduleErrors().get() }
  }
  // Wait for the parent to close our stdin, bounded by a deadline (poll with a timeout: a task
  // group waiting on a blocking read would wait for that read, deadline or not).
  let deadline = ContinuousClock.now + .seconds(options.seconds + 30)
  while ContinuousClock.now < deadline {
    var input = pollfd(fd: 0, events: Int16(POLLIN), revents: 0)
    if poll(&input, 1, 200) > 0 {
      var byte: UInt8 = 0
      if read(0, &byte, 1) <= 0 { break }
    }
  }
  let cpu = cpuSeconds() - cpuStart
  warmUp.cancel()
  var received: UInt64 = 0
  var echoed: UInt64 = 0
  let all = streams.map { $0.statistics() }
  for future in all {
    let figures = try await future.get()
    received += figures.packetsReceived
    echoed += figures.packetsEchoed
  }
  var histogram = ScheduleErrorHistogram()
  for engine in engines { histogram.merge(try await engine.scheduleErrors().get()) }
  emit(
    "echo received=\(received) echoed=\(echoed) cpu=\(cpu) tick_p50_us=\(histogram.percentileMicroseconds(0.5) ?? -1) "
      + "tick_p99_us=\(histogram.percentileMicroseconds(0.99) ?? -1) tick_max_us=\(histogram.maximumNanoseconds / 1000) "
      + "ticks=\(histogram.count)")
  for engine in engines { try await engine.shutdown().get() }
  try await group.shutdownGracefully()
}

/// What the generator side measured.
struct GeneratorFigures {
  var sent: UInt64
  var back: UInt64
  /// RFC 3550 cumulative loss of the generator's streams (0 for an external generator: it counts `back`).
  var lostRTP: UInt64
  var seconds: Double
  var rate: Double
  var cpu: Double
  var p50: Int
  var p99: Int
  var maxMicroseconds: UInt64
  var ticks: UInt64
}

/// The generator as `MediaEngine`s in this process (stream i plays a 440 Hz clip forever).
func generateWithEngines(_ options: Options) async throws -> GeneratorFigures {
  let group = MultiThreadedEventLoopGroup(numberOfThreads: options.loops)
  let engines = (0..<options.loops).map { _ in
    MediaEngine(eventLoop: group.next(), configuration: MediaEngineConfiguration(pollsOnTick: options.poll))
  }
  let tone = ToneGenerator(frequencies: [440], amplitude: 8000)
  var generator = tone
  let clip = MediaClip(samples: generator.nextFrame(count: 8000))
  let cpuStart = cpuSeconds()
  let streams = try await openStreams(engines, count: options.streams) { index in
    MediaStreamOptions(
      local: .bind(host: "127.0.0.1", port: options.generatorBase + 2 * index),
      remote: try SocketAddress(
        ipAddress: "127.0.0.1", port: options.base + (options.singlePeerPort ? 0 : 2 * index)),
      source: .none)
  }
  // All sockets first, then every stream starts at once: opening 2000 sockets on a loop that
  // is already pacing the first ones would measure the opening, not the media.
  let started = ContinuousClock.now
  let playing = streams.map { $0.play(.clips([clip], repeat: .forever)) }
  _ = playing  // complete (failing with .stopped) when replaced at the end
  // Warm-up second, then measure the schedule error for the rest of the run.
  try await Task.sleep(for: .seconds(1))
  for engine in engines { try await engine.resetScheduleErrors().get() }
  try await Task.sleep(for: .milliseconds(Int((options.seconds - 1) * 1000)))
  // Stop every stream in one burst of hops (awaiting each in turn would let the others keep
  // sending for as long as the round trips take on a busy loop).
  let stops = streams.map { $0.play(.none) }
  for stop in stops { try await stop.get() }
  let elapsed = ContinuousClock.now - started
  var histogram = ScheduleErrorHistogram()
  for engine in engines { histogram.merge(try await engine.scheduleErrors().get()) }
  // Let the last echoes come back and be read: a loop that fell behind still has them in its
  // socket buffers. Wait until the count stops moving (bounded: 10 s).
  var previous: UInt64 = 0
  for _ in 0..<40 {
    try await Task.sleep(for: .milliseconds(250))
    var total: UInt64 = 0
    for future in streams.map({ $0.statistics() }) { total += try await future.get().packetsReceived }
    if total == previous { break }
    previous = total
  }
  let generatorCPU = cpuSeconds() - cpuStart
  var sent: UInt64 = 0
  var back: UInt64 = 0
  var lost: UInt64 = 0
  let all = streams.map { $0.statistics() }
  for future in all {
    let figures = try await future.get()
    sent += figures.packetsSent
    back += figures.packetsReceived
    lost += figures.lost
  }
  for engine in engines { try await engine.shutdown().get() }
  try await group.shutdownGracefully()
  let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
  let rate = Double(sent) / Double(options.streams) / seconds
  return GeneratorFigures(
    sent: sent, back: back, lostRTP: lost, seconds: seconds, rate: rate, cpu: generatorCPU,
    p50: histogram.percentileMicroseconds(0.5) ?? -1, p99: histogram.percentileMicroseconds(0.99) ?? -1,
    maxMicroseconds: histogram.maximumNanoseconds / 1000, ticks: histogram.count)
}

/// The generator as another program (`--generator-command`, e.g. `media-peer gen`), run to its end.
func generateWithCommand(_ options: Options) async throws -> GeneratorFigures {
  let generator = Process()
  generator.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  generator.arguments =
    options.generatorCommand + [
      "--streams", "\(options.streams)", "--seconds", "\(options.seconds)", "--base", "\(options.base)",
      "--generator-base", "\(options.generatorBase)",
    ]
  let output = Pipe()
  generator.standardOutput = output
  try generator.run()
  // Bounded: the generator stops after --seconds plus at most 10 s of draining.
  let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
  generator.waitUntilExit()
  guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("gen ") }) else {
    throw MediaError.streamClosed
  }
  var fields: [String: Double] = [:]
  for pair in line.split(separator: " ").dropFirst() {
    let parts = pair.split(separator: "=")
    if parts.count == 2 { fields[String(parts[0])] = Double(parts[1]) }
  }
  return GeneratorFigures(
    sent: UInt64(fields["sent"] ?? 0), back: UInt64(fields["back"] ?? 0), lostRTP: 0,
    seconds: fields["sending_s"] ?? 0, rate: fields["pkts_per_stream_s"] ?? 0, cpu: fields["cpu"] ?? 0,
    p50: Int(fields["tick_p50_us"] ?? -1), p99: Int(fields["tick_p99_us"] ?? -1),
    maxMicroseconds: UInt64(fields["tick_max_us"] ?? 0), ticks: UInt64(fields["ticks"] ?? 0))
}

func runGenerator(_ options: Options) async throws {
  raiseFileLimit()
  let child = Process()
  var arguments = [
    "--streams", "\(options.streams)", "--seconds", "\(options.seconds)", "--base", "\(options.base)",
    "--generator-base", "\(options.generatorBase)",
  ]
  if let program = options.echoCommand.first {
    // PATH lookup through env, as a shell would.
    child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    arguments = [program] + options.echoCommand.dropFirst() + arguments
  } else {
    child.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
    arguments =
      ["echo"] + arguments + [
        "--vector", "\(options.vector)", "--inband-dtmf", options.inBandDTMF ? "1" : "0", "--loops",
        "\(options.loops)", "--poll", options.poll ? "1" : "0",
      ]
  }
  if options.singlePeerPort { arguments += ["--single-peer-port", "1"] }
  child.arguments = arguments
  let input = Pipe()
  let output = Pipe()
  child.standardInput = input
  child.standardOutput = output
  try child.run()
  let lines = output.fileHandleForReading
  // Wait for "ready" (bounded by the read: the child exits on its own deadline).
  var buffer = ""
  while !buffer.contains("ready\n") {
    let data = lines.availableData
    if data.isEmpty { throw MediaError.streamClosed }
    buffer += String(decoding: data, as: UTF8.self)
  }

  let figures =
    options.generatorCommand.isEmpty
    ? try await generateWithEngines(options) : try await generateWithCommand(options)
  try input.fileHandleForWriting.close()
  var echoLine = ""
  while true {
    let data = lines.availableData
    if data.isEmpty { break }
    buffer += String(decoding: data, as: UTF8.self)
  }
  child.waitUntilExit()
  echoLine = buffer.split(separator: "\n").first { $0.hasPrefix("echo ") }.map(String.init) ?? "echo missing"
  var fields: [String: Double] = [:]
  for pair in echoLine.split(separator: " ").dropFirst() {
    let parts = pair.split(separator: "=")
    if parts.count == 2 { fields[String(parts[0])] = Double(parts[1]) }
  }
  // An echo that cannot count its own packets (Perl Net::SIP) says echoed=-1: count what came back.
  let echoed = (fields["echoed"] ?? 0) < 0 ? Double(figures.back) : (fields["echoed"] ?? 0)
  let echoCPU = fields["cpu"] ?? 0
  let perPacket = echoed > 0 ? echoCPU / echoed * 1e6 : 0
  let echoName = options.echoCommand.isEmpty ? "mediabench" : options.echoCommand.joined(separator: "_")
  let generatorName =
    options.generatorCommand.isEmpty ? "mediabench" : options.generatorCommand.joined(separator: "_")
  emit(
    "echo=\(echoName) generator=\(generatorName) loops=\(options.loops) poll=\(options.poll ? 1 : 0) load=\(loadAverage()) "
      + String(
        format:
          "streams=%d vector=%d inband_dtmf=%d seconds=%.0f sending_s=%.2f pkts_per_stream_s=%.1f sent=%llu echo_received=%.0f echoed=%.0f back=%llu loss=%lld loss_rtp=%llu "
          + "echo_cpu_s=%.3f echo_cpu_us_per_pkt=%.2f gen_cpu_s=%.3f tick_p50_us=%d tick_p99_us=%d tick_max_us=%llu ticks=%llu",
        options.streams, options.vector, options.inBandDTMF ? 1 : 0, options.seconds, figures.seconds,
        figures.rate, figures.sent, fields["received"] ?? 0, echoed, figures.back,
        Int64(figures.sent) - Int64(figures.back), figures.lostRTP, echoCPU, perPacket, figures.cpu,
        figures.p50,
        figures.p99, figures.maxMicroseconds, figures.ticks)
      + " echo_tick_p50_us=\(Int(fields["tick_p50_us"] ?? -1)) echo_tick_p99_us=\(Int(fields["tick_p99_us"] ?? -1))"
      + " echo_tick_max_us=\(Int(fields["tick_max_us"] ?? -1)) echo_ticks=\(Int(fields["ticks"] ?? -1))")
}

/// The 1-minute load average now (the machine is shared: every line says how busy it was).
func loadAverage() -> String {
  let text = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?"
  return String(text.split(separator: " ").first ?? "?")
}

let options = Options(CommandLine.arguments)
raiseFileLimit()
/// `mediabench detector`: CPU time of the in-band DTMF detector per 20 ms frame (what each call's
/// receive tap adds per audio packet), for a 440 Hz tone, noise, and a DTMF key.
func runDetector(_ options: Options) {
  let frames = 200_000
  var noiseState: UInt32 = 12345
  let inputs: [(String, [Int16])] = [
    ("tone440", (0..<160).map { Int16(16000 * sin(2 * Double.pi * 440 * Double($0) / 8000)) }),
    (
      "noise",
      (0..<160).map { _ in
        noiseState = noiseState &* 1_103_515_245 &+ 12345
        return Int16(truncatingIfNeeded: Int32(noiseState >> 16) - 32768) / 4
      }
    ),
    (
      "dtmf5",
      {
        var tone = ToneGenerator.dtmf(key: "5")!; return tone.nextFrame(count: 160)
      }()
    ),
  ]
  for (name, frame) in inputs {
    var detector = DTMFDetector()
    var detections = 0
    let start = cpuSeconds()
    frame.withUnsafeBufferPointer { samples in
      for _ in 0..<frames { detections += detector.process(samples).count }
    }
    let seconds = cpuSeconds() - start
    emit(
      String(
        format: "detector input=%@ frames=%d ns_per_frame=%.0f detections=%d", name, frames,
        seconds / Double(frames) * 1e9, detections))
  }
}

do {
  switch options.mode {
  case "detector": runDetector(options)
  case "echo": try await runEcho(options)
  case "run": try await runGenerator(options)
  default:
    FileHandle.standardError.write(Data("usage: mediabench [run|echo] --streams N --seconds S\n".utf8))
    exit(2)
  }
} catch {
  // A port held by another process, a child that did not start: say so, no crash report.
  FileHandle.standardError.write(Data("mediabench \(options.mode): \(error)\n".utf8))
  exit(1)
}
