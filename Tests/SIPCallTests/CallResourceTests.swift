import Foundation
import NIOCore
import SIPProtocol
import Testing

@testable import RTPMedia
@testable import SIPCall
@testable import SIPTransport

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

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

  @Test(
    "the RTP sockets of a few calls: open during each call, then parked or closed; none open after shutdown",
    .enabled(if: FileManager.default.fileExists(atPath: "/proc/self/fd")))
  func socketsAreClosed() throws {
    var inodes: Set<UInt64> = []
    var all: [RawRTPSocket] = []
    try withAgents { alice, bob in
      for round in 0..<3 {
        try bob.on {
          var parameters = CallParameters()
          parameters.initMedia = sendSilence(bob, note: "bob media \(round)")
          bob.agent.listen(UserAgent.Listener(parameters: parameters))
        }
        try alice.on {
          var parameters = CallParameters()
          parameters.initMedia = sendSilence(alice, note: "alice media \(round)")
          _ = try alice.agent.invite(bob.uri, parameters: parameters)
        }
        #expect(alice.waitFor("alice media \(round)"))
        #expect(bob.waitFor("bob media \(round)"))
        var sockets: [RawRTPSocket] = []
        for peer in [alice, bob] {
          sockets += try peer.on { try Self.openedSockets(of: peer.onlyCall()) }
        }
        #expect(sockets.count == 2)
        let live = sockets.compactMap(Self.inode(of:))
        #expect(live.count == 2)
        // Open now: the process has a descriptor for each.
        #expect(Self.socketInodes().isSuperset(of: live))
        inodes.formUnion(live)
        try alice.on { _ = try alice.onlyCall().bye() }
        for peer in [alice, bob] {
          #expect(try eventually { try peer.callCount() == 0 })
          #expect(
            try eventually { try peer.loop.flatSubmit { peer.agent.media.reservedPortCount() }.wait() == 0 })
        }
        // Given back: parked for a later call (still open) or closed, never both (media runs on
        // the agents' loop).
        for socket in sockets {
          let (parked, open) = try alice.on { (socket.parked, socket.isOpen) }
          #expect(parked == open)
        }
        all += sockets
      }
      // Only the parked ones among them hold a descriptor.
      let given = all
      let open = try alice.on { Set(given.filter(\.isOpen).compactMap(Self.inode(of:))) }
      #expect(Self.socketInodes().intersection(inodes) == open)
    }
    // Shut down: none of the calls' sockets is open any more.
    #expect(Self.socketInodes().intersection(inodes).isEmpty)
    #expect(all.allSatisfy { !$0.isOpen })
  }

  /// The sockets a call opened itself (not given by the script).
  static func openedSockets(of call: Call) -> [RawRTPSocket] {
    call.sockets.compactMap {
      if case .opened(let socket) = $0.origin { socket } else { nil }
    }
  }

  /// The inode of an open socket (what `/proc/self/fd` links name), nil when it is closed.
  static func inode(of socket: RawRTPSocket) -> UInt64? {
    guard socket.isOpen else { return nil }
    var status = stat()
    guard fstat(socket.descriptor, &status) == 0 else { return nil }
    return UInt64(status.st_ino)
  }

  /// The inodes of the sockets the process has descriptors for now (`/proc/self/fd`).
  static func socketInodes() -> Set<UInt64> {
    let directory = "/proc/self/fd"
    let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
    var found: Set<UInt64> = []
    for name in names {
      guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(directory)/\(name)"),
        target.hasPrefix("socket:["), target.hasSuffix("]"),
        let inode = UInt64(target.dropFirst("socket:[".count).dropLast())
      else { continue }
      found.insert(inode)
    }
    return found
  }
}
