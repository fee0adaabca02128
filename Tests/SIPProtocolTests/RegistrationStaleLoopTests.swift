import SIPCore
import Testing

@testable import SIPProtocol

/// A registrar that answers every REGISTER with a new stale nonce cannot keep us looping.
@Suite struct RegistrationStaleLoopTests {
  @Test func endlessStaleNoncesFail() throws {
    var registration = RegistrationRefresh(configuration: RegistrationRefreshTests.configuration())
    var request = try #require(RegistrationRefreshTests.sent(registration.handle(.start)))
    var sent = 1
    for round in 1...10 {
      let challenge = RegistrationRefreshTests.challenge(nonce: "n\(round)", stale: round > 1)
      let actions = registration.handle(
        .received(try RegistrationRefreshTests.reply(to: request, "401 Unauthorized", [challenge])))
      guard let next = RegistrationRefreshTests.sent(actions) else { break }
      request = next
      sent += 1
    }
    // The first REGISTER, then one per challenge answered.
    #expect(sent == 1 + RegistrationRefresh.maximumChallenges)
    #expect(registration.state == .failed)
    // The back-off retry starts a new cycle, with a fresh count.
    let retried = registration.handle(.timerFired(.retry))
    #expect(RegistrationRefreshTests.sent(retried) != nil && registration.state == .registering)
  }
}
