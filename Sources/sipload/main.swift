// sipload — a small, bounded SIP OPTIONS load generator for scripts/bench-transactions.
//
//   sipload HOST PORT COUNT [WINDOW] [SECONDS] [STALL]
//
// Sends COUNT OPTIONS requests over UDP (each a new transaction: new branch and Call-ID), keeping
// at most WINDOW without a response, and counts final responses. No retransmissions: a request
// whose response is lost stays outstanding until the end (reported as "lost"). Gives up after
// SECONDS (default 60), or after STALL seconds without a response (default 1; raise it for a UAS
// under valgrind). Prints one line: sent, answered (2xx), other, lost, seconds, rate.
// Plain sockets and one thread, so that the generator is not the bottleneck.
#if canImport(Glibc)
  import Glibc
#endif

let arguments = CommandLine.arguments
guard arguments.count >= 4, let port = UInt16(arguments[2]), let count = Int(arguments[3]) else {
  print("usage: sipload HOST PORT COUNT [WINDOW] [SECONDS] [STALL]")
  exit(2)
}
let host = arguments[1]
let window = arguments.count > 4 ? Int(arguments[4]) ?? 200 : 200
let limit = arguments.count > 5 ? Double(arguments[5]) ?? 60 : 60
let stall = arguments.count > 6 ? Double(arguments[6]) ?? 1 : 1

let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
guard fd >= 0 else { fatalError("socket") }
var size: Int32 = 8 << 20
setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
var local = sockaddr_in()
local.sin_family = sa_family_t(AF_INET)
local.sin_addr.s_addr = inet_addr("127.0.0.1")
var remote = sockaddr_in()
remote.sin_family = sa_family_t(AF_INET)
remote.sin_port = port.bigEndian
remote.sin_addr.s_addr = inet_addr(host)
_ = withUnsafePointer(to: &local) {
  $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
    bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
  }
}
var bound = sockaddr_in()
var boundLength = socklen_t(MemoryLayout<sockaddr_in>.size)
_ = withUnsafeMutablePointer(to: &bound) {
  $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &boundLength) }
}
let localPort = UInt16(bigEndian: bound.sin_port)
_ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)

func now() -> Double {
  var t = timespec()
  clock_gettime(CLOCK_MONOTONIC, &t)
  return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

let run = UInt32(truncatingIfNeeded: Int(now() * 1000))
func request(_ i: Int) -> [UInt8] {
  let text =
    "OPTIONS sip:uas@\(host):\(port) SIP/2.0\r\n"
    + "Via: SIP/2.0/UDP 127.0.0.1:\(localPort);branch=z9hG4bK\(run)x\(i);rport\r\n"
    + "Max-Forwards: 70\r\n"
    + "From: <sip:load@127.0.0.1>;tag=\(run)\r\n"
    + "To: <sip:uas@\(host)>\r\n"
    + "Call-ID: \(run)-\(i)@sipload\r\n"
    + "CSeq: 1 OPTIONS\r\n"
    + "Content-Length: 0\r\n\r\n"
  return Array(text.utf8)
}

var sent = 0
var answered = 0
var other = 0
var buffer = [UInt8](repeating: 0, count: 65_536)
let start = now()
let deadline = start + limit
var lastProgress = start
while answered + other < count, now() < deadline {
  var progressed = false
  while sent < count, sent - answered - other < window {
    let bytes = request(sent)
    let n = bytes.withUnsafeBytes { raw in
      withUnsafePointer(to: &remote) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
          sendto(fd, raw.baseAddress, raw.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        }
      }
    }
    if n < 0 { break }
    sent += 1
    progressed = true
  }
  while true {
    let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
    if n <= 0 { break }
    progressed = true
    // "SIP/2.0 2xx": byte 8 is the first digit of the status code.
    if n > 9, buffer[8] == UInt8(ascii: "2") { answered += 1 } else { other += 1 }
  }
  if progressed {
    lastProgress = now()
  } else {
    var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    _ = poll(&pfd, 1, 5)
    // Lost responses would stall the window forever: after `stall` s without progress, stop.
    if now() - lastProgress > stall { break }
  }
}
let seconds = now() - start
let lost = sent - answered - other
print(
  "sent=\(sent) answered=\(answered) other=\(other) lost=\(lost) seconds=\(String(format3(seconds))) "
    + "rate=\(Int(Double(answered + other) / max(seconds, 1e-9)))/s")

func format3(_ x: Double) -> String {
  let scaled = Int((x * 1000).rounded())
  let fraction = String(scaled % 1000)
  return "\(scaled / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
}
