import Foundation
import NIOCore
import SIPCall
import Testing

/// Net::SIP::Simple's add_timer, loop, rtp and error.
@Suite("UserAgent's Net::SIP surface", .serialized)
struct UserAgentNetSIPTests {
  @Test("add_timer fires once, repeats, and stops when cancelled; loop waits for a condition or times out")
  func timersAndLoop() throws {
    try withAgents { alice, _ in
      let fired = try alice.on { () -> Bool in
        var count = 0
        let timer = alice.agent.addTimer(after: .milliseconds(10), repeatEvery: .milliseconds(10)) {
          count += 1
          alice.record("tick \(count)")
        }
        alice.agent.addTimer(after: .milliseconds(5)) { alice.record("once") }
        alice.agent.loop(timeout: .seconds(5)) {
          if count >= 3 { timer.cancel() }
          return count >= 3
        }.whenSuccess { held in alice.record("loop \(held)") }
        alice.agent.loop(timeout: .milliseconds(50)) { false }.whenSuccess { alice.record("timeout \($0)") }
        return true
      }
      #expect(fired)
      #expect(alice.waitFor("loop true"))
      #expect(alice.waitFor("timeout false"))
      Thread.sleep(forTimeInterval: 0.1)
      let ticks = alice.log.filter { $0.hasPrefix("tick") }.count
      #expect(ticks == 3)
      #expect(alice.log.filter { $0 == "once" }.count == 1)
    }
  }

  @Test("rtp names Net::SIP's media methods; error keeps the last failure")
  func rtpAndError() throws {
    #expect(throws: CallError.self) { _ = try UserAgent.rtp("media_nothing", []) }
    #expect(throws: CallError.self) { _ = try UserAgent.rtp("media_send_recv", []) }
    _ = try UserAgent.rtp("media_recv_echo", [])
    try withAgents { alice, _ in
      let error = try alice.on { () -> String? in
        _ = try? alice.agent.invite("not an address", parameters: CallParameters())
        return alice.agent.lastError
      }
      #expect(error?.hasPrefix("invite: 'not an address'") == true)
    }
  }
}
