import SDP
import SIPCore
import Testing

@testable import SIPProtocol

/// `InviteSession(role:localAddress:…)`, the initializer the call layer uses (each part stored as
/// it comes), makes the same session as `InviteSession(role:configuration:)` with those parts.
@Suite struct InviteSessionPartsTests {
  func fromParts(_ configuration: InviteSession.Configuration, role: InviteSession.Role) -> InviteSession {
    InviteSession(
      role: role, localAddress: configuration.localAddress, contact: configuration.contact,
      contactText: configuration.contactText, via: configuration.via, offerAnswer: configuration.offerAnswer,
      streams: configuration.streams, sdpOnAck: configuration.sdpOnAck, ringTime: configuration.ringTime,
      seed: configuration.seed, initialDirection: configuration.initialDirection)
  }

  @Test("the configuration reads back the parts given")
  func configurationReadsBack() {
    var configuration = Party.config(
      local: Party.bob, contact: Party.bobContact, port: 40002, ringTime: .seconds(7), seed: 9)
    configuration.contactText = "<sip:bob@192.0.2.1:5062>;expires=60"
    configuration.initialDirection = .sendonly
    let session = fromParts(configuration, role: .uac)
    let read = session.configuration
    #expect(session.role == .uac && session.state == .idle && session.localDirection == .sendonly)
    #expect(read.localAddress == configuration.localAddress && read.contact == configuration.contact)
    #expect(read.contactText == configuration.contactText && read.via == configuration.via)
    #expect(read.streams == configuration.streams && read.sdpOnAck == configuration.sdpOnAck)
    #expect(read.ringTime == .seconds(7) && read.seed == 9 && read.initialDirection == .sendonly)
    #expect(read.offerAnswer.sessionID == configuration.offerAnswer.sessionID)
  }

  @Test(
    "a UAS made from parts answers byte for byte as one made from a configuration",
    arguments: [
      MediaDirection.sendrecv, .sendonly,
    ])
  func sameAnswer(direction: MediaDirection) throws {
    var configuration = Party.config(local: Party.bob, contact: Party.bobContact)
    configuration.initialDirection = direction
    var made = InviteSession(role: .uas, configuration: configuration)
    var parts = fromParts(configuration, role: .uas)
    let invite = try InviteSessionTests.incomingInvite()
    #expect(made.handle(.received(invite)).events == parts.handle(.received(invite)).events)
    let expected = made.handle(.answer)
    let answered = parts.handle(.answer)
    #expect(answered.events == expected.events)
    #expect(answered.responses.map(\.text) == expected.responses.map(\.text))
    #expect(
      answered.responses.first?.bodyText.contains(direction == .sendonly ? "a=sendonly" : "a=sendrecv")
        == true)
    #expect(parts.dialog?.id == made.dialog?.id && parts.dialog?.localContact == made.dialog?.localContact)
  }

  @Test("a UAC made from parts sends the same INVITE, with the ring timer")
  func sameInvite() {
    let configuration = Party.config(ringTime: .seconds(30), seed: 3)
    var made = InviteSession(role: .uac, configuration: configuration)
    var parts = fromParts(configuration, role: .uac)
    let expected = made.handle(.invite(to: Party.bob, callID: "parts@192.0.2.1"))
    let sent = parts.handle(.invite(to: Party.bob, callID: "parts@192.0.2.1"))
    #expect(sent.requests.map(\.text) == expected.requests.map(\.text))
    #expect(sent.events == expected.events && sent.events.contains("arm(ringTime,30.0 seconds)"))
  }
}
