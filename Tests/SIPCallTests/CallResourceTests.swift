import Foundation
import NIOCore
import RTPMedia
import SIPCall
import SIPProtocol
import Testing

@testable import SIPTransport

/// What a call leaves behind once it has ended, whichever side hung up: no call, no dialog in
/// the transport's core, no stream and no reserved RTP port (1,000 held calls must cost only
/// what they hold).
@Suite("Calls leave nothing behind", .serialized)
struct CallResourceTests {
  @Test(
    "after a BYE from either side: no call, no core dialog, no stream, no reserved port",
    arguments: [false, true])
  func nothingLeft(bobHangsUp: Bool) throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.initMedia = sendSilence(bob, note: "bob media")
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.initMedia = sendSilence(alice, note: "alice media")
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("alice media"))
      #expect(bob.waitFor("bob media"))
      #expect(try alice.on { alice.agent.transport.core.dialogs.count } == 1)
      let hangingUp = bobHangsUp ? bob : alice
      try hangingUp.on { _ = try hangingUp.onlyCall().bye() }
      #expect(alice.waitFor("terminated \(bobHangsUp ? "remoteBye" : "localBye")"))
      #expect(bob.waitFor("terminated \(bobHangsUp ? "localBye" : "remoteBye")"))
      for peer in [alice, bob] {
        #expect(try peer.callCount() == 0)
        #expect(try eventually { try peer.on { peer.agent.transport.core.dialogs.isEmpty } })
        #expect(try eventually { try peer.loop.flatSubmit { peer.agent.media.streamCount() }.wait() == 0 })
        #expect(
          try eventually { try peer.loop.flatSubmit { peer.agent.media.reservedPortCount() }.wait() == 0 })
      }
    }
  }
}
