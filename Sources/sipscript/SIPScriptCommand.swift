import ArgumentParser
import Logging
import SIPScript

/// The command line of DESIGN §5: `sipscript [options] SCRIPT [key=value ...]`.
struct SIPScriptCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sipscript",
    abstract: "Run a Lua 5.4 script that drives SIP calls.",
    discussion: """
      The words after SCRIPT reach the script as the global table `arg`: arg[0] is the script's \
      path, arg[1..n] are the words in order, and each key=value word also sets arg.key = "value".

      Exit status: the script's os.exit code; 0 when the script finishes normally (the main \
      chunk returned and nothing is pending) or calls sip.stop(); 1 after an uncaught error in \
      the main chunk (the traceback goes to standard error) or a failed --check; 2 for usage \
      errors and a missing script; 130 after SIGINT (pending tasks are abandoned cleanly: their \
      <close> variables run). SIGTERM stops gracefully: no new calls, calls in progress end with \
      BYE, then 0 (143 on a second SIGTERM or after 10 s).
      """
  )

  @Flag(help: "Compile the script without running it; report a syntax error as file:line.")
  var check = false

  @Flag(
    help: """
      Reload the script when the file changes (as SIGHUP does): new calls use the new code, calls \
      in progress keep theirs; a script that does not compile is logged and the old one stays.
      """)
  var watch = false

  @Option(
    name: .customLong("log-level"),
    help: "Least severe log level shown: trace, debug, info, notice, warning, error, critical.")
  var logLevel: String = "info"

  @Option(
    name: .customLong("listen"),
    help: ArgumentHelp(
      "A leg to listen on, TRANSPORT:HOST:PORT (repeatable): udp:127.0.0.1:5060, tcp:[::1]:5061; port 0 picks a free port.",
      valueName: "transport:host:port"),
    transform: { text in
      do throws(ListenAddressError) {
        return try ListenAddress(parsing: text)
      } catch {
        throw ValidationError(error.description)
      }
    })
  var listen: [ListenAddress] = []

  @Flag(help: "Print every SIP message sent and received.")
  var trace = false

  @Option(help: "Stop a task that runs longer than this many seconds without yielding (0: never).")
  var watchdog: Double = 5

  @Argument(help: "The Lua script to run.")
  var script: String

  @Argument(parsing: .captureForPassthrough, help: "Words for the script's `arg` table (key=value or plain).")
  var arguments: [String] = []

  var level: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }

  func validate() throws {
    guard Logger.Level(rawValue: logLevel) != nil else {
      throw ValidationError(
        "unknown log level '\(logLevel)' (expected trace, debug, info, notice, warning, error or critical)")
    }
    guard watchdog.isFinite, watchdog >= 0 else {
      throw ValidationError("--watchdog must be 0 or a positive number of seconds")
    }
  }
}
