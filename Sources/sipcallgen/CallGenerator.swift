/// Runs calls against one UAS over one UDP socket, on one thread: for each call an INVITE with an
/// SDP offer (PCMU), the ACK of its 2xx, the call held for `hold` seconds, then a BYE that must be
/// answered 2xx. INVITE and BYE are retransmitted per RFC 3261 (Timer A doubling from T1; Timer E
/// doubling to T2, T2 once a provisional came; both give up after 64*T1, Timers B and F), so a lost
/// datagram costs time, not a call. A retransmitted final response to an INVITE is ACKed again.
///
/// Calls are found by their Call-ID (`RUN-INDEX@sipcallgen`), so thousands in flight cost one array
/// slot each, and each call has at most one timer in a heap.
final class CallGenerator {
  enum Phase: UInt8 {
    case inviting, proceeding, held, byeing, byeProceeding, completed, failed
  }

  struct CallState {
    var phase: Phase
    /// Bumped to cancel the call's pending timer.
    var generation: UInt32 = 0
    /// When the current INVITE or BYE transaction was first sent.
    var transactionStart: Double
    /// The current retransmission interval.
    var interval: Double
    var toTag = ""
    /// The dialog's remote target (the 2xx's Contact) for the ACK and the BYE.
    var target = ""
  }

  private let options: GeneratorOptions
  private let socket: UDPSocket
  private let requestURI: String
  private let localAddress: String
  private let run: String
  private let runPrefix: [UInt8]
  private var calls: [CallState] = []
  private var timers = TimerQueue()
  private var random: UInt64

  private(set) var report = RunReport()
  private var inFlight = 0
  private var held = 0
  private var heldMarkPrinted = false

  init(options: GeneratorOptions, socket: UDPSocket, runID: UInt64) {
    self.options = options
    self.socket = socket
    requestURI = "sip:uas@\(options.host):\(options.port)"
    localAddress = "127.0.0.1:\(socket.localPort)"
    run = String(runID, radix: 36)
    runPrefix = Array("\(run)-".utf8)
    random = options.seed | 1
    calls.reserveCapacity(min(options.calls, 1 << 16))
    report.offered = options.rate
    report.window = options.window
    report.hold = options.hold
  }

  /// Runs until every call has finished, or the time bound (`seconds + hold + drain`) is reached.
  func runCalls() {
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 8)
    defer { buffer.deallocate() }
    let start = monotonicSeconds()
    let launchEnd = start + options.seconds
    let hardEnd = launchEnd + options.hold + options.drain
    var now = start
    while now < hardEnd {
      let launching = report.attempted < options.calls && now < launchEnd
      if !launching, inFlight == 0 { break }
      var nextLaunch: Double?
      if launching, inFlight < options.window {
        let due =
          options.rate > 0 ? min(options.calls, Int((now - start) * options.rate) + 1) : options.calls
        // A bounded burst, so that responses and timers are served between bursts.
        var burst = 0
        while report.attempted < due, inFlight < options.window, burst < 1000 {
          startCall(now: now)
          burst += 1
        }
        if report.attempted < options.calls, inFlight < options.window {
          nextLaunch = options.rate > 0 ? start + Double(report.attempted) / options.rate : now
        }
      }
      while let entry = timers.popDue(now: now) { fire(entry, now: now) }
      var received = 0
      while received < 4096, let count = socket.receive(into: buffer) {
        received += 1
        if options.loss > 0, dropped() { continue }
        handle(UnsafeRawBufferPointer(rebasing: buffer[0..<count]), now: monotonicSeconds())
      }
      now = monotonicSeconds()
      if received == 0 {
        var wake = hardEnd
        if let due = timers.nextDue { wake = min(wake, due) }
        if let nextLaunch { wake = min(wake, nextLaunch) }
        if wake > now {
          socket.wait(seconds: wake - now)
          now = monotonicSeconds()
        }
      }
    }
    report.seconds = now - start
    report.cpuSeconds = processCPUSeconds()
    if inFlight > 0 { report.fail("unfinished", count: inFlight) }
  }

  // MARK: - Call steps

  private func startCall(now: Double) {
    let index = calls.count
    calls.append(CallState(phase: .inviting, transactionStart: now, interval: options.t1))
    report.attempted += 1
    inFlight += 1
    report.peakCalls = max(report.peakCalls, inFlight)
    send(invite(index))
    arm(index, at: now + options.t1)
  }

  private func fire(_ entry: TimerQueue.Entry, now: Double) {
    let index = Int(entry.call)
    guard calls[index].generation == entry.generation else { return }
    let deadline = calls[index].transactionStart + 64 * options.t1
    switch calls[index].phase {
    case .inviting:
      guard now < deadline else { return fail(index, "invite/timeout") }
      report.retransmits += 1
      send(invite(index))
      calls[index].interval *= 2  // Timer A, RFC 3261 §17.1.1.2
      arm(index, at: min(now + calls[index].interval, deadline))
    case .proceeding:
      fail(index, "invite/no-final")
    case .held:
      sendBye(index, now: now)
    case .byeing, .byeProceeding:
      guard now < deadline else { return fail(index, "bye/timeout") }
      report.retransmits += 1
      send(bye(index))
      // Timer E, RFC 3261 §17.1.2.2: doubling up to T2, and T2 after a provisional response.
      let interval =
        calls[index].phase == .byeProceeding ? options.t2 : min(calls[index].interval * 2, options.t2)
      calls[index].interval = interval
      arm(index, at: min(now + interval, deadline))
    case .completed, .failed:
      break
    }
  }

  private func handle(_ bytes: UnsafeRawBufferPointer, now: Double) {
    guard let response = ScannedResponse(bytes) else {
      report.unexpected += 1  // a request from the UAS, or garbage
      return
    }
    guard let index = callIndex(response.callID) else {
      report.unexpected += 1
      return
    }
    switch String(decoding: response.cseqMethod, as: UTF8.self) {
    case "INVITE": inviteResponse(index, response, now: now)
    case "BYE": byeResponse(index, response, now: now)
    default: report.unexpected += 1
    }
  }

  private func inviteResponse(_ index: Int, _ response: ScannedResponse, now: Double) {
    let phase = calls[index].phase
    let open = phase == .inviting || phase == .proceeding
    switch response.status {
    case ..<200:
      if phase == .inviting {
        calls[index].phase = .proceeding
        arm(index, at: calls[index].transactionStart + 64 * options.t1)
      }
    case 200..<300:
      guard open else {
        // The UAS retransmits its 2xx until our ACK arrives (RFC 3261 §13.3.1.4): ACK again.
        if phase != .failed {
          report.ackResent += 1
          send(ack(index))
        }
        return
      }
      guard let tag = response.toTag else { return fail(index, "invite/2xx-without-to-tag") }
      calls[index].toTag = tag
      calls[index].target = response.contactURI ?? requestURI
      report.setupMilliseconds.append(Float((now - calls[index].transactionStart) * 1000))
      send(ack(index))
      calls[index].phase = .held
      held += 1
      report.peakHeld = max(report.peakHeld, held)
      if options.heldMark > 0, held >= options.heldMark, !heldMarkPrinted {
        heldMarkPrinted = true
        printToStandardError("HELD \(held)")
      }
      if options.hold > 0 {
        arm(index, at: now + options.hold)
      } else {
        sendBye(index, now: now)
      }
    default:
      // RFC 3261 §17.1.1.3: a non-2xx final response is ACKed in its transaction.
      send(failureAck(index, toValue: response.toValue))
      if open { fail(index, "invite/\(response.status)") }
    }
  }

  private func byeResponse(_ index: Int, _ response: ScannedResponse, now: Double) {
    let phase = calls[index].phase
    guard phase == .byeing || phase == .byeProceeding else { return }  // a retransmitted answer
    switch response.status {
    case ..<200:
      if phase == .byeing {
        calls[index].phase = .byeProceeding
        calls[index].interval = options.t2
        arm(index, at: min(now + options.t2, calls[index].transactionStart + 64 * options.t1))
      }
    case 200..<300:
      report.byeMilliseconds.append(Float((now - calls[index].transactionStart) * 1000))
      calls[index].phase = .completed
      calls[index].generation &+= 1
      report.completed += 1
      inFlight -= 1
    default:
      fail(index, "bye/\(response.status)")
    }
  }

  private func sendBye(_ index: Int, now: Double) {
    held -= 1
    calls[index].phase = .byeing
    calls[index].transactionStart = now
    calls[index].interval = options.t1
    send(bye(index))
    arm(index, at: now + options.t1)
  }

  private func fail(_ index: Int, _ reason: String) {
    if calls[index].phase == .held { held -= 1 }
    calls[index].phase = .failed
    calls[index].generation &+= 1
    inFlight -= 1
    report.fail(reason)
  }

  private func arm(_ index: Int, at due: Double) {
    calls[index].generation &+= 1
    timers.push(.init(due: due, call: Int32(index), generation: calls[index].generation))
  }

  // MARK: - Messages

  private func callID(_ index: Int) -> String { "\(run)-\(index)@sipcallgen" }

  /// The call's index from a Call-ID of this run, or nil.
  private func callIndex(_ callID: [UInt8]) -> Int? {
    guard callID.count > runPrefix.count, callID.starts(with: runPrefix) else { return nil }
    var index = 0
    var digits = 0
    for byte in callID[runPrefix.count...] {
      if byte == UInt8(ascii: "@") { break }
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), digits < 10 else { return nil }
      index = index * 10 + Int(byte - UInt8(ascii: "0"))
      digits += 1
    }
    return digits > 0 && index < calls.count ? index : nil
  }

  private func commonHeaders(_ index: Int, branch: String, to: String, cseq: String) -> String {
    "Via: SIP/2.0/UDP \(localAddress);branch=z9hG4bK\(run).\(index).\(branch);rport\r\n"
      + "Max-Forwards: 70\r\n"
      + "From: <sip:sipcallgen@\(localAddress)>;tag=\(run)x\(index)\r\n"
      + "To: \(to)\r\n"
      + "Call-ID: \(callID(index))\r\n"
      + "CSeq: \(cseq)\r\n"
  }

  private func invite(_ index: Int) -> [UInt8] {
    // Media ports that nobody listens on: the benchmark's UAS sends no RTP.
    let mediaPort = 16_384 + 2 * (index % 16_000)
    let sdp =
      "v=0\r\no=sipcallgen \(index) 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
      + "m=audio \(mediaPort) RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
      + "a=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=sendrecv\r\n"
    let text =
      "INVITE \(requestURI) SIP/2.0\r\n"
      + commonHeaders(index, branch: "i", to: "<\(requestURI)>", cseq: "1 INVITE")
      + "Contact: <sip:sipcallgen@\(localAddress)>\r\n"
      + "Content-Type: application/sdp\r\n"
      + "Content-Length: \(sdp.utf8.count)\r\n\r\n" + sdp
    return Array(text.utf8)
  }

  /// The ACK of a 2xx: a transaction of its own, sent to the remote target (RFC 3261 §13.2.2.4).
  private func ack(_ index: Int) -> [UInt8] {
    let call = calls[index]
    let text =
      "ACK \(call.target) SIP/2.0\r\n"
      + commonHeaders(index, branch: "a", to: "<\(requestURI)>;tag=\(call.toTag)", cseq: "1 ACK")
      + "Content-Length: 0\r\n\r\n"
    return Array(text.utf8)
  }

  /// The ACK of a non-2xx final response: the INVITE's branch and Request-URI, the response's To
  /// (RFC 3261 §17.1.1.3).
  private func failureAck(_ index: Int, toValue: String) -> [UInt8] {
    let text =
      "ACK \(requestURI) SIP/2.0\r\n"
      + commonHeaders(index, branch: "i", to: toValue, cseq: "1 ACK")
      + "Content-Length: 0\r\n\r\n"
    return Array(text.utf8)
  }

  private func bye(_ index: Int) -> [UInt8] {
    let call = calls[index]
    let text =
      "BYE \(call.target) SIP/2.0\r\n"
      + commonHeaders(index, branch: "b", to: "<\(requestURI)>;tag=\(call.toTag)", cseq: "2 BYE")
      + "Content-Length: 0\r\n\r\n"
    return Array(text.utf8)
  }

  private func send(_ bytes: [UInt8]) {
    report.datagramsSent += 1
    if options.loss > 0, dropped() { return }
    socket.send(bytes)
  }

  /// True with probability `options.loss` (xorshift64*).
  private func dropped() -> Bool {
    random ^= random >> 12
    random ^= random << 25
    random ^= random >> 27
    let value = random &* 0x2545_F491_4F6C_DD1D
    return Double(value >> 11) / Double(1 << 53) < options.loss
  }
}
