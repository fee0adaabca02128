import SIPCore
import SIPProtocol

/// The peer's requests of a call waiting for our response, by CSeq: what a `[SIPCSeq:
/// TransactionID]` was, in a small array searched from the end. A call has one or two at a time
/// (the INVITE, kept for the call's life, and the BYE or another request until answered);
/// hashing each CSeq's method String for an insertion, a lookup and a removal per request, and
/// growing the dictionary for the second one, cost ~4,000 instructions per call
/// (docs/benchmarks-calls.md, "callpath").
struct CallServerTransactions {
  private var entries: [(cseq: SIPCSeq, transaction: TransactionID)] = []

  private func index(of cseq: SIPCSeq) -> Int? {
    // The latest request is the one most often answered: search from the end.
    entries.lastIndex { $0.cseq.sequence == cseq.sequence && $0.cseq.method == cseq.method }
  }

  /// The transaction of the request with `cseq`, nil when there is none.
  func transaction(for cseq: SIPCSeq) -> TransactionID? {
    index(of: cseq).map { entries[$0].transaction }
  }

  /// Remembers (or replaces) the transaction of the request with `cseq`.
  mutating func set(_ transaction: TransactionID, for cseq: SIPCSeq) {
    if let index = index(of: cseq) {
      entries[index].transaction = transaction
    } else {
      if entries.isEmpty { entries.reserveCapacity(2) }
      entries.append((cseq, transaction))
    }
  }

  /// Forgets the request with `cseq`.
  mutating func remove(_ cseq: SIPCSeq) {
    if let index = index(of: cseq) { entries.remove(at: index) }
  }

  var count: Int { entries.count }
}
