import Foundation
import NIOCore
import SDP
import SIPCall
import SIPCore
import SIPProtocol
import Testing

/// An SDP offer for `call`'s own RTP socket (RFC 3311 UPDATE body), with `codecs` and `direction`.
func updateOffer(for call: Call, codecs: [Codec], direction: MediaDirection, version: UInt64) -> [UInt8] {
  var offerer = OfferAnswer(
    capabilities: MediaCapabilities(codecs: codecs), address: "127.0.0.1", sessionID: 77,
    sessionVersion: version)
  return offerer.makeOffer([LocalStream(port: call.sdp?.media.first?.port ?? 0, direction: direction)]).bytes
}

@Suite("Our UPDATE (RFC 3311) against our own UAS")
struct CallUpdateTests {
  @Test("request(\"UPDATE\", sdp) is an offer: its 2xx answer holds, resumes and changes the codec")
  func updateHoldsResumesAndChangesCodec() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up"))
      #expect(bob.waitFor("state established"))
      #expect(try alice.on { try alice.onlyCall().negotiatedStreams.first?.codec?.codec.name } == "PCMU")
      // Hold: an UPDATE offering sendonly.
      try alice.on {
        let call = try alice.onlyCall()
        let body = updateOffer(for: call, codecs: [.pcmu], direction: .sendonly, version: 1)
        let sent = call.request("UPDATE", body: body, contentType: SessionDescription.contentType) { result in
          if case .success(let response) = result { alice.record("hold update \(response.statusCode ?? 0)") }
        }
        if case .failure(let error) = sent { alice.record("hold update refused: \(error)") }
        // RFC 3311 §5.1: no second offer while this one waits for its answer.
        if case .failure = call.request("UPDATE", body: body, contentType: SessionDescription.contentType) {
          alice.record("second update refused")
        }
        if case .failure = call.reinvite() { alice.record("reinvite refused") }
      }
      #expect(alice.waitFor("hold update 200"))
      #expect(alice.log.contains("second update refused"))
      #expect(alice.log.contains("reinvite refused"))
      #expect(alice.waitFor("state held"))
      #expect(bob.waitFor("state held"))
      #expect(try alice.on { try alice.onlyCall().negotiatedStreams.first?.direction } == .sendonly)
      #expect(try bob.on { try bob.onlyCall().negotiatedStreams.first?.direction } == .recvonly)
      // call_on_hold follows the UPDATE, so a later reinvite keeps the hold.
      #expect(try alice.on { try alice.onlyCall().parameters.callOnHold })
      // Resume with another codec: both sides switch to it, as after a re-INVITE.
      try alice.on {
        let call = try alice.onlyCall()
        let body = updateOffer(for: call, codecs: [.pcma], direction: .sendrecv, version: 2)
        _ = call.request("UPDATE", body: body, contentType: SessionDescription.contentType) { result in
          if case .success(let response) = result {
            alice.record("resume update \(response.statusCode ?? 0)")
          }
        }
      }
      #expect(alice.waitFor("resume update 200"))
      #expect(alice.waitUntil { $0.filter { $0 == "state established" }.count >= 2 })
      #expect(bob.waitUntil { $0.filter { $0 == "state established" }.count >= 2 })
      #expect(try alice.on { try alice.onlyCall().negotiatedStreams.first?.codec?.codec.name } == "PCMA")
      #expect(try bob.on { try bob.onlyCall().negotiatedStreams.first?.codec?.codec.name } == "PCMA")
      #expect(try alice.on { try alice.onlyCall().sdpPeer?.media.first?.codecs.first?.name } == "PCMA")
      #expect(try alice.on { try alice.onlyCall().parameters.callOnHold } == false)
    }
  }

  @Test("an UPDATE without a body refreshes the target only; a non-SDP body is refused")
  func updateWithoutOffer() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up"))
      try alice.on {
        let call = try alice.onlyCall()
        _ = call.request("UPDATE") { result in
          if case .success(let response) = result { alice.record("refresh \(response.statusCode ?? 0)") }
        }
        if case .failure = call.request("UPDATE", body: Array("hello".utf8), contentType: "text/plain") {
          alice.record("text refused")
        }
      }
      #expect(alice.waitFor("refresh 200"))
      #expect(alice.log.contains("text refused"))
      #expect(try alice.on { try alice.onlyCall().state } == .established)
    }
  }
}
