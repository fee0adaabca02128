import Foundation
import NIOCore
import RTPCore
import RTPMedia
import SDP
import SIPCall
import SIPCore
import SIPProtocol
import SIPTransport
import Testing

/// The connection parameters about media sockets and SDP (shared/net-sip-call.txt): each test
/// fails when its parameter is ignored.
@Suite("Call media parameters over loopback", .serialized)
struct CallMediaParameterTests {
  @Test(
    "media_lsocks (bind and channel): the SDP names them and RTP arrives there; media_ssocks: RTP leaves from it"
  )
  func givenSockets() throws {
    try withAgents { alice, bob in
      let tap = try DatagramTap(loop: bob.loop)
      defer { tap.close() }
      let aliceReceive = try freeUDPPort(loop: alice.loop)
      let aliceSend = try freeUDPPort(loop: alice.loop)
      try bob.on {
        var parameters = CallParameters()
        parameters.mediaLocalSockets = [.channel(tap.channel)]
        parameters.initMedia = sendSilence(bob, note: "bob media")
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.mediaLocalSockets = [.bind(host: "127.0.0.1", port: aliceReceive)]
        parameters.mediaSendSockets = [.bind(host: "127.0.0.1", port: aliceSend)]
        parameters.initMedia = sendSilence(alice, note: "alice media")
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("alice media"))
      #expect(bob.waitFor("bob media"))
      // The offer names alice's receiving socket, the answer bob's given channel.
      #expect(try bob.sdpPorts().peer == aliceReceive)
      #expect(try alice.sdpPorts().peer == tap.port)
      // Bob's RTP reaches alice's given port (its stream counts it) ...
      #expect(try eventually { (try alice.firstStreamStatistics()?.packetsReceived ?? 0) >= 5 })
      // ... and alice's RTP comes from her send socket, not from the port in her SDP.
      #expect(tap.waitForPackets(5))
      #expect(tap.sourcePorts == [aliceSend])
      try alice.on { _ = try alice.onlyCall().bye() }
      #expect(bob.waitFor("terminated remoteBye"))
    }
  }

  @Test("media_lsocks bind with port 0: the SDP names the port the system gave, and RTP arrives there")
  func givenSocketAnyPort() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.initMedia = sendSilence(bob, note: "bob media")
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.mediaLocalSockets = [.bind(host: "127.0.0.1", port: 0)]
        parameters.initMedia = sendSilence(alice, note: "alice media")
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("alice media"))
      let offered = try #require(try bob.sdpPorts().peer)
      #expect(offered != 0)
      #expect(try alice.firstStream().localAddress?.port == offered)
      #expect(try eventually { (try alice.firstStreamStatistics()?.packetsReceived ?? 0) >= 3 })
    }
  }

  @Test(
    "asymetric_rtp sends from a second port; without it RTP leaves from the port in the SDP",
    arguments: [false, true])
  func asymmetricRTP(asymmetric: Bool) throws {
    try withAgents { alice, bob in
      let tap = try DatagramTap(loop: bob.loop)
      defer { tap.close() }
      try bob.on {
        var parameters = CallParameters()
        parameters.mediaLocalSockets = [.channel(tap.channel)]
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.asymmetricRTP = asymmetric
        parameters.initMedia = sendSilence(alice, note: "alice media")
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("alice media"))
      #expect(tap.waitForPackets(3))
      let advertised = try #require(try alice.sdpPorts().local)
      let sources = tap.sourcePorts
      #expect(sources.count == 1)
      if asymmetric {
        #expect(sources.first != advertised)
      } else {
        #expect(sources == [advertised])
      }
    }
  }

  @Test(
    "sdp: the peer receives exactly the given description (offer and answer); without media_lsocks it is refused"
  )
  func givenSDP() throws {
    try withAgents { alice, bob in
      let alicePort = try freeUDPPort(loop: alice.loop)
      let bobPort = try freeUDPPort(loop: bob.loop)
      var aliceOffer = OfferAnswer(
        capabilities: MediaCapabilities(codecs: [.pcma]), address: "127.0.0.1", sessionID: 4242,
        username: "given-by-alice")
      let aliceSDP = aliceOffer.makeOffer([LocalStream(port: alicePort)])
      var bobSide = OfferAnswer(address: "127.0.0.1", sessionID: 777, username: "given-by-bob")
      let bobSDP = bobSide.answer(to: aliceSDP, streams: [LocalStream(port: bobPort)]).description
      // A listener with `sdp` and no sockets answers 500 rather than SDP it cannot keep.
      try bob.on {
        var parameters = CallParameters()
        parameters.sdp = bobSDP
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbFinal = { status, _, info in
          alice.record("misconfigured \(status.rawValue) \(info.code)")
        }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("misconfigured FAIL 500"))
      try bob.on {
        var parameters = CallParameters()
        parameters.sdp = bobSDP
        parameters.mediaLocalSockets = [.bind(host: "127.0.0.1", port: bobPort)]
        parameters.cbInvite = { _, invite in
          bob.record("offer " + String(decoding: invite.body, as: UTF8.self))
        }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      #expect(throws: CallError.self) {
        try alice.on {
          var parameters = CallParameters()
          parameters.sdp = aliceSDP
          _ = try alice.agent.invite(bob.uri, parameters: parameters)
        }
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.sdp = aliceSDP
        parameters.mediaLocalSockets = [.bind(host: "127.0.0.1", port: alicePort)]
        parameters.cbFinal = { status, call, info in
          alice.record("final \(status.rawValue) \(info.code)")
          alice.record("answer " + String(decoding: info.response?.body ?? [], as: UTF8.self))
        }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("final OK 200"))
      #expect(bob.waitFor("offer " + aliceSDP.asString()))
      // cb_final records "final" and then "answer" on the agent's loop: wait for the second too.
      #expect(alice.waitFor("answer " + bobSDP.asString()))
      #expect(try alice.on { try alice.onlyCall().negotiatedStreams.first?.codec?.codec.name } == "PCMA")
    }
  }

  @Test(
    "a=rtcp (RFC 3605): RTCP goes to the port the peer's SDP names, whether the peer offered or answered",
    arguments: [false, true])
  func rtcpAttribute(peerOffers: Bool) throws {
    try withAgents { alice, bob in
      // `tap` is named only by the peer's a=rtcp: anything reaching it is our RTCP.
      let tap = try DatagramTap(loop: alice.loop)
      defer { tap.close() }
      let peerPort = try freeUDPPort(loop: alice.loop)
      var peerSide = OfferAnswer(address: "127.0.0.1", sessionID: 99, username: "peer")
      let peerStream = LocalStream(port: peerPort, rtcpPort: tap.port)
      // The peer (the side with the given SDP) is alice when she offers, else bob who answers.
      let us = peerOffers ? bob : alice
      let offerSDP = peerOffers ? peerSide.makeOffer([peerStream]) : nil
      if peerOffers {
        try bob.on {
          var parameters = CallParameters()
          parameters.initMedia = sendSilence(bob, note: "us media")
          bob.agent.listen(UserAgent.Listener(parameters: parameters))
        }
      } else {
        // Bob's given answer, made against an offer of the same default codecs as alice's.
        var offering = OfferAnswer(address: "127.0.0.1", sessionID: 1, username: "offer")
        let anOffer = offering.makeOffer([LocalStream(port: 40000)])
        let answer = peerSide.answer(to: anOffer, streams: [peerStream]).description
        try bob.on {
          var parameters = CallParameters()
          parameters.sdp = answer
          parameters.mediaLocalSockets = [.bind(host: "127.0.0.1", port: peerPort)]
          bob.agent.listen(UserAgent.Listener(parameters: parameters))
        }
      }
      try alice.on {
        var parameters = CallParameters()
        if let offerSDP {
          parameters.sdp = offerSDP
          parameters.mediaLocalSockets = [.bind(host: "127.0.0.1", port: peerPort)]
        } else {
          parameters.initMedia = sendSilence(alice, note: "us media")
        }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(us.waitFor("us media"))
      // The first report comes after 0.25–0.75 of the 5 s interval (RFC 3550 §6.2).
      #expect(tap.waitForPackets(1, seconds: 8))
      let ourRTP = try #require(try us.firstStream().localAddress?.port)
      #expect(tap.sourcePorts == [ourRTP + 1])
    }
  }

  @Test(
    "clear_sdp: a peer re-INVITE gets fresh ports in our answer and init_media runs again; without it the port stays",
    arguments: [false, true])
  func clearSDPOnPeerReinvite(clear: Bool) throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.clearSDP = clear
        parameters.initMedia = sendSilence(bob, note: "bob media")
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up"))
      #expect(bob.waitFor("bob media"))
      let before = try #require(try alice.sdpPorts().peer)
      try alice.on {
        _ = try alice.onlyCall().reinvite { status, info in
          alice.record("reinvite \(status.rawValue) \(info.code)")
        }
      }
      #expect(alice.waitFor("reinvite OK 200"))
      let after = try #require(try alice.sdpPorts().peer)
      if clear {
        #expect(after != before)
        // init_media set up the new socket: bob's stream is bound there.
        #expect(bob.waitUntil { $0.filter { $0 == "bob media" }.count == 2 })
        #expect(try bob.firstStream().localAddress?.port == after)
      } else {
        #expect(after == before)
        #expect(bob.log.filter { $0 == "bob media" }.count == 1)
      }
    }
  }

  @Test("clear_sdp on our own reinvite offers fresh ports")
  func clearSDPOnOwnReinvite() throws {
    try withAgents { alice, bob in
      try bob.on { bob.agent.listen(UserAgent.Listener()) }
      try alice.on {
        var parameters = CallParameters()
        parameters.clearSDP = true
        parameters.cbEstablished = { _ in alice.record("up") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("up"))
      let before = try #require(try bob.sdpPorts().peer)
      try alice.on {
        _ = try alice.onlyCall().reinvite { status, info in
          alice.record("reinvite \(status.rawValue) \(info.code)")
        }
      }
      #expect(alice.waitFor("reinvite OK 200"))
      let after = try #require(try bob.sdpPorts().peer)
      #expect(after != before)
      #expect(try alice.sdpPorts().local == after)
    }
  }

  @Test("rtp_timeout: a call whose peer sends no RTP hangs up; a held call does not, until it is resumed")
  func rtpTimeout() throws {
    try withAgents { alice, bob in
      // Bob answers and never sends RTP (no media wanted).
      try bob.on {
        var parameters = CallParameters()
        parameters.recvBye = { _ in bob.record("bob recv_bye") }
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.rtpTimeout = .milliseconds(300)
        parameters.initMedia = sendSilence(alice, note: "alice media")
        parameters.sendBye = { _ in alice.record("alice send_bye") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("alice media"))
      #expect(alice.waitFor("alice send_bye"))
      #expect(bob.waitFor("bob recv_bye"))
      #expect(alice.waitFor("terminated localBye"))

      // The same silence on hold: nothing happens while held (well past the timeout) ...
      try alice.on {
        var parameters = CallParameters()
        parameters.rtpTimeout = .milliseconds(300)
        parameters.callOnHold = true
        parameters.initMedia = sendSilence(alice, note: "alice held media")
        parameters.sendBye = { _ in alice.record("alice held send_bye") }
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(alice.waitFor("alice held media"))
      #expect(alice.waitUntil { $0.filter { $0 == "state held" }.count >= 1 })
      Thread.sleep(forTimeInterval: 1.5)
      #expect(!alice.log.contains("alice held send_bye"))
      #expect(try alice.callCount() == 1)
      // ... and once resumed the timeout applies again.
      try alice.on {
        var resume = CallParameters()
        resume.callOnHold = false
        _ = try alice.onlyCall().reinvite(resume, setKeys: ["call_on_hold"])
      }
      #expect(alice.waitFor("alice held send_bye"))
    }
  }

  @Test(
    "rtp_param codecs: PCMA only is all the offer lists; the peer negotiates PCMA and both streams use A-law")
  func codecsRestrictTheOffer() throws {
    try withAgents { alice, bob in
      try bob.on {
        var parameters = CallParameters()
        parameters.cbInvite = { _, invite in
          let offer = try? SessionDescription(parsing: invite.body)
          bob.record("offer formats \(offer?.media.first?.formats.joined(separator: ",") ?? "-")")
        }
        parameters.initMedia = sendSilence(bob, note: "bob media")
        bob.agent.listen(UserAgent.Listener(parameters: parameters))
      }
      try alice.on {
        var parameters = CallParameters()
        parameters.codecs = ["PCMA"]
        parameters.initMedia = sendSilence(alice, note: "alice media")
        _ = try alice.agent.invite(bob.uri, parameters: parameters)
      }
      #expect(bob.waitFor("offer formats 8,101"))
      #expect(alice.waitFor("alice media"))
      #expect(bob.waitFor("bob media"))
      #expect(try bob.on { try bob.onlyCall().negotiatedStreams.first?.codec?.codec.name } == "PCMA")
      #expect(try bob.firstStream().codec.law == .aLaw)
      #expect(try alice.firstStream().codec.law == .aLaw)
      #expect(try eventually { (try alice.firstStreamStatistics()?.packetsReceived ?? 0) >= 3 })
    }
  }
}
