import SIPCore
import Testing

@testable import SIPProtocol

/// The keys of the protocol's tables hash with ``TableHash`` instead of SipHash per lookup; the
/// tables must behave exactly as with the standard hash.
@Suite struct TableHashTests {
  @Test("the mix is one-to-one for a seed, and sequential ids spread over the low bits")
  func mixSpreadsSequentialIDs() {
    for seed in [0, 1, -1, 0x5EED_0000_1234] {
      var hashes = Set<Int>()
      var buckets = Set<Int>()
      for n in UInt64(1)...4096 {
        let hash = TableHash.mix(n, seed: seed)
        hashes.insert(hash)
        buckets.insert(hash & 4095)
      }
      #expect(hashes.count == 4096)
      // 4,096 random values fill ~63 % (2,589) of 4,096 buckets; a mix that kept the counter's
      // low bits as they are would fill all, one that dropped them a handful.
      #expect(buckets.count > 2_300 && buckets.count < 2_900, "\(buckets.count) buckets")
    }
    #expect(TableHash.mix(7, seed: 1) != TableHash.mix(7, seed: 2))
    #expect(TableHash.mix(0, seed: 0) == TableHash.mix(0, seed: 0))
  }

  @Test("dictionaries and sets of ids find, replace and remove as with the standard hash")
  func tablesOfIDs() {
    var owners: [TimerID: TransactionID] = [:]
    var armed = Set<TimerID>()
    for n in UInt64(1)...10_000 {
      owners[TimerID(rawValue: n)] = TransactionID(rawValue: n / 3)
      armed.insert(TimerID(rawValue: n))
    }
    for n in stride(from: UInt64(2), through: 10_000, by: 2) {
      owners[TimerID(rawValue: n)] = nil
      armed.remove(TimerID(rawValue: n))
    }
    #expect(owners.count == 5_000 && armed.count == 5_000)
    for n in UInt64(1)...10_000 {
      let odd = n % 2 == 1
      #expect(owners[TimerID(rawValue: n)] == (odd ? TransactionID(rawValue: n / 3) : nil))
      #expect(armed.contains(TimerID(rawValue: n)) == odd)
    }
    #expect(owners[TimerID(rawValue: 10_001)] == nil && !armed.contains(TimerID(rawValue: 0)))
    let ids = Set((UInt64(1)...1_000).map(TransactionID.init(rawValue:)))
    #expect(ids.count == 1_000 && ids.contains(TransactionID(rawValue: 500)))
    #expect(Set(ids.map(\.hashValue)).count == 1_000)
  }

  @Test("equal keys of digest types hash alike; the digest is the keys' own")
  func digestKeys() throws {
    let a = TransactionKey.server(branch: "z9hG4bKa", sentBy: "192.0.2.1:5060", method: "INVITE")
    let same = TransactionKey.server(branch: "z9hG4bK" + "a", sentBy: "192.0.2.1:5060", method: "INVITE")
    let other = TransactionKey.server(branch: "z9hG4bKa", sentBy: "192.0.2.1:5060", method: "BYE")
    #expect(a == same && a._rawHashValue(seed: 9) == same._rawHashValue(seed: 9) && a != other)
    var index: [TransactionKey: TransactionID] = [a: TransactionID(rawValue: 1)]
    index[other] = TransactionID(rawValue: 2)
    #expect(index[same] == TransactionID(rawValue: 1) && index[other] == TransactionID(rawValue: 2))

    let request = try Trace.invite()
    let merge = try #require(MergeKey(request))
    let again = try #require(MergeKey(try Trace.invite()))
    #expect(merge == again && merge._rawHashValue(seed: 3) == again._rawHashValue(seed: 3))
    #expect([merge: 1][again] == 1)
  }

  @Test("a DialogID's hash follows its Call-ID and local tag, also when they are changed")
  func dialogIDDigestFollowsChanges() {
    let made = DialogID(callID: "c@h", localTag: "ours", remoteTag: "theirs")
    var changed = DialogID(callID: "x@h", localTag: "other", remoteTag: "theirs")
    #expect(changed != made)
    changed.callID = "c@h"
    #expect(changed != made)
    changed.localTag = "ours"
    #expect(changed == made && changed.hashValue == made.hashValue)
    #expect(changed._rawHashValue(seed: 5) == made._rawHashValue(seed: 5))
    changed.localTag.append("!")
    #expect(changed != made)
    var table: [DialogID: Int] = [made: 1]
    #expect(table[changed] == nil)
    changed.localTag.removeLast()
    #expect(table[changed] == 1)
    // The remote tag is compared, not hashed: forks share a hash and stay distinct.
    changed.remoteTag = "fork"
    #expect(changed != made && changed.hashValue == made.hashValue && table[changed] == nil)
    table[changed] = 2
    #expect(table.count == 2 && table[made] == 1 && table[changed] == 2)
  }
}
