/// The packets an echoing stream holds back: a FIFO of at most `delay + 1` entries.
struct EchoBuffer {
  struct Entry {
    var marker: Bool
    var payloadType: UInt8
    var timestamp: UInt32
    var payload: [UInt8]
  }

  let delay: Int
  var timestampOffset: UInt32?
  private var entries: [Entry] = []
  private var head = 0

  init(delay: Int) {
    self.delay = delay
    entries.reserveCapacity(delay + 1)
  }

  var count: Int { entries.count - head }

  mutating func push(_ entry: Entry) {
    entries.append(entry)
  }

  mutating func pop() -> Entry? {
    guard head < entries.count else { return nil }
    let entry = entries[head]
    head += 1
    // Compact now and then so the array stays near `delay` entries.
    if head >= 64 && head * 2 >= entries.count {
      entries.removeFirst(head)
      head = 0
    }
    return entry
  }
}
