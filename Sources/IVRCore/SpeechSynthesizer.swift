import Crypto
import Foundation
import RTPCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Text to speech for `call:say(text, {voice})`, through the espeak-ng program
/// (`espeak-ng -w OUT.wav -v VOICE -f TEXT`: the text is handed over in a file, so that no text
/// can be read as an option).
///
/// Each (voice, text) is synthesized once: the WAV lands in ``cacheDirectory`` under the SHA-256
/// of the pair, written to a temporary name and renamed into place, so concurrent calls saying the
/// same sentence never see half a file, and a later call reuses it without running espeak-ng.
///
/// espeak-ng writes 16-bit PCM mono at **22 050 Hz** (``outputSampleRate``); converting to the
/// call's 8 kHz is the media layer's job (``RTPCore/WAVAudio/telephoneSamples(rate:)``).
///
/// When espeak-ng is not installed, ``synthesize(_:voice:)`` throws a ``SpeechError`` with code
/// ``SpeechError/Code/synthesizerMissing`` that says how to install it; nothing traps.
///
/// The cache is bounded by ``cacheLimit`` (entries and bytes): after each new file the least
/// recently used ones are removed from disk. Recency is the file's access time, which a cache hit
/// sets explicitly (so `noatime` mounts work too; the modification time stays, for the prompt
/// loader's clip cache), so the order survives restarts and is shared by processes using the same
/// directory, with no index to keep consistent.
///
/// The only I/O piece of IVRCore. The process runs off the caller's thread; `synthesize` is async
/// and never blocks an event loop. Its run time is bounded by ``timeout``.
public struct SpeechSynthesizer: Sendable {
  /// The voice when the script names none.
  public static let defaultVoice = "en"
  /// What espeak-ng produces (its voices are built for this rate).
  public static let outputSampleRate: UInt32 = 22_050
  /// Longest text accepted, in UTF-8 octets (about three minutes of speech).
  public static let maximumTextLength = 8192

  /// Where the WAV files are kept.
  public var cacheDirectory: String
  /// The program: a name looked up on `PATH`, or a path.
  public var executable: String
  /// How long one synthesis may run before espeak-ng is killed.
  public var timeout: Duration
  /// The `PATH` searched for ``executable``.
  public var searchPath: String
  /// How much the cache directory may hold.
  public var cacheLimit = CacheLimit()

  /// Bounds of the speech cache; the least recently used files go first. A limit of 0 keeps
  /// only the file just made.
  public struct CacheLimit: Sendable, Hashable {
    /// WAV files kept (1000 by default: a large IVR's prompts, each a few seconds).
    public var entries: Int
    /// Bytes of WAV kept (256 MiB by default: about 100 minutes of espeak-ng's 22 050 Hz speech).
    public var bytes: Int

    public init(entries: Int = 1000, bytes: Int = 256 << 20) {
      self.entries = entries
      self.bytes = bytes
    }
  }

  public init(
    cacheDirectory: String, executable: String = "espeak-ng", timeout: Duration = .seconds(30),
    searchPath: String? = nil
  ) {
    self.cacheDirectory = cacheDirectory
    self.executable = executable
    self.timeout = timeout
    self.searchPath =
      searchPath ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
  }

  /// `$XDG_CACHE_HOME/sipscript/speech`, else `$HOME/.cache/sipscript/speech`, else a directory
  /// under the temporary directory.
  public static func defaultCacheDirectory(environment: [String: String]? = nil) -> String {
    let environment = environment ?? ProcessInfo.processInfo.environment
    if let base = environment["XDG_CACHE_HOME"], base.hasPrefix("/") { return base + "/sipscript/speech" }
    if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/sipscript/speech" }
    return NSTemporaryDirectory() + "sipscript-speech"
  }

  /// The cache file of (voice, text), whether or not it exists yet.
  public func cachePath(text: String, voice: String = defaultVoice) -> String {
    let material = Array("espeak-ng".utf8) + [0] + Array(voice.utf8) + [0] + Array(text.utf8)
    let directory = cacheDirectory.hasSuffix("/") ? String(cacheDirectory.dropLast()) : cacheDirectory
    return directory + "/"
      + SHA256.hash(data: material).map { byte in String(byte, radix: 16).leftPadded(to: 2) }.joined()
      + ".wav"
  }

  /// The espeak-ng program that would run, or nil when it is not installed.
  public func locateExecutable() -> String? {
    if executable.contains("/") {
      return FileManager.default.isExecutableFile(atPath: executable) ? executable : nil
    }
    for directory in searchPath.split(separator: ":") where !directory.isEmpty {
      let candidate = directory + "/" + executable
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// The WAV file of `text` spoken by `voice`: from the cache, or synthesized now.
  public func synthesize(_ text: String, voice: String = defaultVoice) async throws(SpeechError)
    -> SynthesizedSpeech
  {
    try Self.check(voice: voice)
    try Self.check(text: text)
    let path = cachePath(text: text, voice: voice)
    if Self.touch(path) { return SynthesizedSpeech(path: path, fromCache: true) }
    guard let program = locateExecutable() else {
      throw SpeechError(
        .synthesizerMissing,
        "\(executable) is not installed (not found on PATH); install the Debian package espeak-ng "
          + "(scripts/setup does)")
    }
    do {
      try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
    } catch {
      throw SpeechError(.cacheFailed, "cannot create the cache directory \(cacheDirectory): \(error)")
    }
    let temporary = path + ".\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp"
    let textFile = temporary + ".txt"
    let errorFile = temporary + ".err"
    defer {
      unlink(temporary)
      unlink(textFile)
      unlink(errorFile)
    }
    // The text goes in a file (-f): no text can be read as an option. Error output goes to a file
    // too: a pipe could stay open in a grandchild and block the read after the program ended.
    guard FileManager.default.createFile(atPath: textFile, contents: Data(text.utf8)),
      FileManager.default.createFile(atPath: errorFile, contents: nil),
      let errors = FileHandle(forUpdatingAtPath: errorFile)
    else {
      throw SpeechError(.cacheFailed, "cannot write in the cache directory \(cacheDirectory)")
    }
    defer { try? errors.close() }
    let outcome = try await run(program, ["-w", temporary, "-v", voice, "-f", textFile], errors: errors)
    switch outcome {
    case .exited(0, _):
      break
    case .exited(let status, let errorText):
      throw SpeechError(.synthesisFailed, "\(executable) failed (exit status \(status)): \(errorText)")
    case .timedOut:
      throw SpeechError(.timedOut, "\(executable) ran longer than \(timeout) and was stopped")
    case .signalled(let signal):
      throw SpeechError(.synthesisFailed, "\(executable) was killed by signal \(signal)")
    }
    guard let data = FileManager.default.contents(atPath: temporary) else {
      throw SpeechError(.invalidOutput, "\(executable) exited with status 0 but wrote no file")
    }
    do {
      _ = try WAVAudio(parsing: [UInt8](data))
    } catch {
      throw SpeechError(.invalidOutput, "\(executable) wrote a file that is not WAV audio (\(error))")
    }
    guard rename(temporary, path) == 0 else {
      throw SpeechError(.cacheFailed, "cannot rename into \(path): \(String(cString: strerror(errno)))")
    }
    _ = Self.touch(path)  // rename keeps the temporary file's times; this one is the newest use
    pruneCache(keeping: path)
    return SynthesizedSpeech(path: path, fromCache: false)
  }

  // MARK: Cache bound

  /// Removes the least recently used WAV files of the cache directory until it holds at most
  /// ``cacheLimit``; `kept` (the file just made) is never removed. Returns the removed paths.
  /// Files that are not ours (other names, temporary files of a synthesis in progress) are left
  /// alone and not counted. A file removed while a call plays it stays readable for that call
  /// (the open descriptor keeps it); the next `say` makes it again.
  @discardableResult
  public func pruneCache(keeping kept: String? = nil) -> [String] {
    let directory = cacheDirectory.hasSuffix("/") ? String(cacheDirectory.dropLast()) : cacheDirectory
    guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return [] }
    var files: [CacheFile] = []
    for name in names where Self.isCacheName(name) {
      let path = directory + "/" + name
      var info = stat()
      guard stat(path, &info) == 0 else { continue }
      #if canImport(Darwin)
        let used = info.st_atimespec
      #else
        let used = info.st_atim
      #endif
      files.append(CacheFile(path: path, bytes: Int(info.st_size), used: used))
    }
    let victims = Self.evictionOrder(files, limit: cacheLimit, keeping: kept)
    var removed: [String] = []
    for victim in victims where unlink(victim) == 0 { removed.append(victim) }
    return removed
  }

  /// Sets the access time of a cached file to now (the recency of the LRU order); false when the
  /// file is not there (never made, or pruned by another process: it is made again).
  static func touch(_ path: String) -> Bool {
    // utimensat(2): access time now, modification time left as it is.
    #if canImport(Darwin)
      let (now, omit) = (-1, -2)
    #else
      let (now, omit) = ((1 << 30) - 1, (1 << 30) - 2)
    #endif
    var times = (timespec(tv_sec: 0, tv_nsec: now), timespec(tv_sec: 0, tv_nsec: omit))
    return withUnsafePointer(to: &times) { pointer in
      pointer.withMemoryRebound(to: timespec.self, capacity: 2) { utimensat(AT_FDCWD, path, $0, 0) == 0 }
    }
  }

  /// One WAV file of the cache.
  struct CacheFile: Sendable {
    var path: String
    var bytes: Int
    /// Last use (access time).
    var used: timespec
  }

  /// Which files go, oldest first, so that what stays is within `limit` (`keeping` stays).
  static func evictionOrder(_ files: [CacheFile], limit: CacheLimit, keeping kept: String?) -> [String] {
    let oldestFirst = files.sorted {
      ($0.used.tv_sec, $0.used.tv_nsec, $0.path) < ($1.used.tv_sec, $1.used.tv_nsec, $1.path)
    }
    var count = files.count
    var bytes = files.reduce(0) { $0 + $1.bytes }
    var victims: [String] = []
    for file in oldestFirst where count > max(limit.entries, 0) || bytes > max(limit.bytes, 0) {
      guard file.path != kept else { continue }
      victims.append(file.path)
      count -= 1
      bytes -= file.bytes
    }
    return victims
  }

  /// `<64 hex digits>.wav`: the names ``cachePath(text:voice:)`` makes.
  static func isCacheName(_ name: String) -> Bool {
    guard name.utf8.count == 68, name.hasSuffix(".wav") else { return false }
    return name.utf8.prefix(64).allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
  }

  // MARK: Checks

  /// Voice names are like `en`, `en-us`, `en+f3`, `mb-en1`, `gmw/af`.
  static func check(voice: String) throws(SpeechError) {
    let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_+./")
    guard !voice.isEmpty, voice.utf8.count <= 64, voice.allSatisfy(allowed.contains),
      !voice.hasPrefix("-"), !voice.hasPrefix("."), !voice.hasPrefix("/"), !voice.contains("..")
    else {
      throw SpeechError(.invalidVoice, "\"\(voice.prefix(64))\" is not a voice name (see espeak-ng --voices)")
    }
  }

  static func check(text: String) throws(SpeechError) {
    guard text.contains(where: { !$0.isWhitespace }) else {
      throw SpeechError(.invalidText, "the text is empty")
    }
    guard text.utf8.count <= maximumTextLength else {
      throw SpeechError(
        .invalidText, "the text has \(text.utf8.count) bytes; at most \(maximumTextLength) are spoken at once"
      )
    }
    guard !text.utf8.contains(0) else { throw SpeechError(.invalidText, "the text holds a NUL character") }
  }

  // MARK: Running the program

  /// How the program ended: its exit status and the start of its error output, a signal, or
  /// killed by the timeout.
  enum Outcome {
    case exited(Int32, String)
    case signalled(Int32)
    case timedOut
  }

  private func run(_ program: String, _ arguments: [String], errors: FileHandle) async throws(SpeechError)
    -> Outcome
  {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = errors
    let watch = ProcessWatch(process)
    let started = ContinuousClock.now
    let status: Int32
    do {
      status = try await withCheckedThrowingContinuation {
        (continuation: CheckedContinuation<Int32, any Error>) in
        process.terminationHandler = { finished in continuation.resume(returning: finished.terminationStatus)
        }
        do {
          try process.run()
        } catch {
          process.terminationHandler = nil
          continuation.resume(throwing: error)
          return
        }
        watch.killAfter(timeout)
      }
    } catch {
      throw SpeechError(.synthesizerMissing, "cannot start \(program): \(error)")
    }
    watch.cancel()
    try? errors.seek(toOffset: 0)
    let errorData = (try? errors.read(upToCount: 512)) ?? nil
    let errorText = String(decoding: errorData ?? Data(), as: UTF8.self)
      .trimmingCharacters(in: .whitespacesAndNewlines)
    if process.terminationReason == .uncaughtSignal {
      return ContinuousClock.now - started >= timeout ? .timedOut : .signalled(status)
    }
    return .exited(status, errorText)
  }
}

/// Kills a process that runs too long. Process is usable from any thread; this box only lets the
/// timer task hold it.
private final class ProcessWatch: @unchecked Sendable {
  private let process: Process
  private var timer: Task<Void, Never>?
  private let lock = NSLock()

  init(_ process: Process) { self.process = process }

  func killAfter(_ timeout: Duration) {
    let task = Task { [self] in
      try? await Task.sleep(for: timeout)
      // SIGKILL, not Process.terminate()'s SIGTERM: a child inherits ignored signals, and a host
      // that handles SIGTERM itself (sipscript's graceful stop) may leave it ignored.
      if !Task.isCancelled, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
    lock.withLock { timer = task }
  }

  func cancel() {
    lock.withLock { timer?.cancel() }
  }
}

/// A WAV file of speech.
public struct SynthesizedSpeech: Sendable, Hashable {
  /// The file in the cache directory: 16-bit PCM mono at ``SpeechSynthesizer/outputSampleRate``.
  public var path: String
  /// True when the file was already there and espeak-ng did not run.
  public var fromCache: Bool

  public init(path: String, fromCache: Bool) {
    self.path = path
    self.fromCache = fromCache
  }
}

extension String {
  fileprivate func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
