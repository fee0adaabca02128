/// The command line of sipcallgen: `HOST PORT` and `--name value` options.
struct GeneratorOptions {
  var host = "127.0.0.1"
  var port: UInt16 = 5060
  /// How many calls to start at most.
  var calls = 1000
  /// Offered calls per second; 0 starts calls as fast as the window allows.
  var rate = 0.0
  /// Calls in flight (INVITE sent, BYE not answered) at most.
  var window = 1000
  /// New calls start only during the first `seconds` of the run.
  var seconds = 60.0
  /// How long an established call is held before the BYE.
  var hold = 0.0
  /// After the last call started, how long calls still in flight may take to finish (beyond `hold`).
  var drain = 32.0
  /// RFC 3261 T1 (retransmission base) and T2 (cap of non-INVITE retransmissions), in seconds.
  var t1 = 0.5
  var t2 = 4.0
  /// Fraction of datagrams dropped on purpose, each way (tests the retransmissions).
  var loss = 0.0
  /// Seed of the loss simulation.
  var seed: UInt64 = 1
  /// Print "HELD N" on standard error the first time this many calls are established at once.
  var heldMark = 0

  static let usage = """
    usage: sipcallgen HOST PORT [--calls N] [--rate CPS] [--window N] [--seconds S] [--hold S]
                      [--drain S] [--t1 S] [--t2 S] [--loss FRACTION] [--seed N] [--held-mark N]
    """

  struct ParseError: Error, CustomStringConvertible {
    var description: String
  }

  init() {}

  /// Reads `arguments` (without the program name).
  init(parsing arguments: [String]) throws(ParseError) {
    var positional: [String] = []
    var index = 0
    while index < arguments.count {
      let word = arguments[index]
      guard word.hasPrefix("--") else {
        positional.append(word)
        index += 1
        continue
      }
      guard index + 1 < arguments.count else { throw ParseError(description: "\(word) needs a value") }
      let value = arguments[index + 1]
      index += 2
      switch word {
      case "--calls": calls = try Self.number(value, word, atLeast: 1)
      case "--rate": rate = try Self.nonNegative(value, word)
      case "--window": window = try Self.number(value, word, atLeast: 1)
      case "--seconds": seconds = try Self.nonNegative(value, word)
      case "--hold": hold = try Self.nonNegative(value, word)
      case "--drain": drain = try Self.nonNegative(value, word)
      case "--t1": t1 = try Self.nonNegative(value, word)
      case "--t2": t2 = try Self.nonNegative(value, word)
      case "--loss":
        loss = try Self.nonNegative(value, word)
        guard loss < 1 else { throw ParseError(description: "--loss must be below 1") }
      case "--seed": seed = UInt64(try Self.number(value, word, atLeast: 0))
      case "--held-mark": heldMark = try Self.number(value, word, atLeast: 0)
      default: throw ParseError(description: "unknown option \(word)")
      }
    }
    guard positional.count == 2 else { throw ParseError(description: "HOST and PORT are required") }
    host = positional[0]
    guard let port = UInt16(positional[1]), port > 0 else {
      throw ParseError(description: "invalid port \(positional[1])")
    }
    self.port = port
    guard t1 > 0, t2 >= t1 else { throw ParseError(description: "need 0 < --t1 <= --t2") }
  }

  private static func number(_ text: String, _ name: String, atLeast minimum: Int) throws(ParseError) -> Int {
    guard let value = Int(text), value >= minimum else {
      throw ParseError(description: "\(name) needs an integer >= \(minimum), not \(text)")
    }
    return value
  }

  private static func nonNegative(_ text: String, _ name: String) throws(ParseError) -> Double {
    guard let value = Double(text), value >= 0, value.isFinite else {
      throw ParseError(description: "\(name) needs a number >= 0, not \(text)")
    }
    return value
  }
}
