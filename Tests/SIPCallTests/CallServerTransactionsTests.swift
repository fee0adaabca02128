// A call's pending server transactions by CSeq: a small array read and written like the
// dictionary it replaced (sequence and method both part of the key).

import SIPCore
import SIPProtocol
import Testing

@testable import SIPCall

@Suite struct CallServerTransactionsTests {
  @Test func readsAndWritesLikeADictionary() {
    var pending = CallServerTransactions()
    let invite = SIPCSeq(1, "INVITE")
    let bye = SIPCSeq(2, "BYE")
    #expect(pending.transaction(for: invite) == nil && pending.count == 0)
    pending.set(TransactionID(rawValue: 10), for: invite)
    pending.set(TransactionID(rawValue: 11), for: bye)
    #expect(pending.transaction(for: invite) == TransactionID(rawValue: 10))
    #expect(pending.transaction(for: bye) == TransactionID(rawValue: 11))
    // Same number, another method (a CANCEL, an ACK's CSeq): another key.
    #expect(pending.transaction(for: SIPCSeq(1, "CANCEL")) == nil)
    #expect(pending.transaction(for: SIPCSeq(2, "INVITE")) == nil)
    // Setting a key again replaces its transaction.
    pending.set(TransactionID(rawValue: 12), for: SIPCSeq(2, "BYE"))
    #expect(pending.count == 2 && pending.transaction(for: bye) == TransactionID(rawValue: 12))
    pending.remove(bye)
    pending.remove(bye)
    pending.remove(SIPCSeq(9, "INFO"))
    #expect(pending.count == 1 && pending.transaction(for: bye) == nil)
    #expect(pending.transaction(for: invite) == TransactionID(rawValue: 10))
  }

  @Test func manyRequestsStayApart() {
    var pending = CallServerTransactions()
    for n in 1...200 {
      pending.set(TransactionID(rawValue: UInt64(n)), for: SIPCSeq(UInt32(n), n % 2 == 0 ? "INFO" : "INVITE"))
    }
    for n in stride(from: 2, through: 200, by: 2) { pending.remove(SIPCSeq(UInt32(n), "INFO")) }
    #expect(pending.count == 100)
    for n in 1...200 {
      let expected: TransactionID? = n % 2 == 0 ? nil : TransactionID(rawValue: UInt64(n))
      #expect(pending.transaction(for: SIPCSeq(UInt32(n), n % 2 == 0 ? "INFO" : "INVITE")) == expected)
    }
  }
}
