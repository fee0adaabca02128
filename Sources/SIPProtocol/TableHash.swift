/// The bucket hash of the keys the protocol's tables look up many times per message: ids we
/// number ourselves (``TransactionID``, ``TimerID``) and keys that carry a digest taken once with
/// the process's seeded `Hasher` (``TransactionKey``, ``MergeKey``, ``DialogID``).
///
/// `Dictionary` and `Set` ask a key for `_rawHashValue(seed:)` at every lookup, insertion and
/// removal; its default runs SipHash-1-3 (`Hasher` made, fed, finalized: ~120 instructions for
/// eight bytes) even when the key is already a good hash or a counter. These keys answer with a
/// few multiplications of those eight bytes instead (docs/benchmarks-calls.md, "tables").
///
/// Flooding: the ids are ours (a peer cannot choose them), and a digest is SipHash under the
/// process's random seed, which a peer cannot predict; the mix only spreads them over the
/// buckets. It is a bijection of `value` for a given seed, so distinct values never share a full
/// hash, and the table's per-instance `seed` still changes the bucket order between tables.
@usableFromInline enum TableHash {
  /// `value` mixed with `seed`: every input bit reaches the low bits the table masks buckets by.
  @inlinable @inline(__always)
  static func mix(_ value: UInt64, seed: Int) -> Int {
    var x = value ^ UInt64(truncatingIfNeeded: seed)
    x = (x ^ (x &>> 31)) &* 0x7FB5_D329_728E_A185
    x = (x ^ (x &>> 27)) &* 0x81DA_DEF4_BC2D_D44D
    return Int(truncatingIfNeeded: x ^ (x &>> 33))
  }
}
