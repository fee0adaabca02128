import Foundation
import IVRCore
import NIOCore
import NIOPosix
import RTPCore
import RTPMedia

/// Turns prompts into audio for the call's streams, never on the event loop: files are read and
/// converted to 8 kHz (WAV at any rate, PCM 16, A-law or µ-law, mono or stereo; or Net::SIP's raw
/// G.711) on NIO's blocking thread pool, speech is synthesized by espeak-ng
/// (``IVRCore/SpeechSynthesizer``, an async child process, cached on disk per voice and text).
///
/// Converted clips are kept in memory (``ClipCache``), keyed by path and checked against the
/// file's size and modification time, so a menu played on every call is read and resampled once.
final class PromptLoader {
  let eventLoop: any EventLoop
  var speech: SpeechSynthesizer
  let cache = ClipCache()

  init(eventLoop: any EventLoop) {
    self.eventLoop = eventLoop
    speech = SpeechSynthesizer(cacheDirectory: SpeechSynthesizer.defaultCacheDirectory())
  }

  /// The clips of `items`, in order; raw files are read as `law`. Fails with the first error
  /// (a missing file, espeak-ng missing) as a message for the script.
  func clips(for items: [PromptItem], law: G711Law) -> EventLoopFuture<[MediaClip]> {
    let cache = self.cache
    let loop = eventLoop
    let futures = items.map { item -> EventLoopFuture<MediaClip> in
      switch item {
      case .file(let path):
        return Self.load(path, law: law, cache: cache, on: loop)
      case .speech(let text, let voice):
        return synthesize(text, voice: voice).flatMap { Self.load($0, law: law, cache: cache, on: loop) }
      }
    }
    return EventLoopFuture.whenAllSucceed(futures, on: eventLoop)
  }

  /// Speech as a cached WAV file's path.
  func synthesize(_ text: String, voice: String) -> EventLoopFuture<String> {
    let synthesizer = speech
    let promise = eventLoop.makePromise(of: String.self)
    promise.completeWithTask {
      do {
        return try await synthesizer.synthesize(text, voice: voice).path
      } catch let error as SpeechError {
        throw PromptError(error.description)
      }
    }
    return promise.futureResult
  }

  private static func load(
    _ path: String, law: G711Law, cache: ClipCache, on eventLoop: any EventLoop
  ) -> EventLoopFuture<MediaClip> {
    NIOThreadPool.singleton.runIfActive(eventLoop: eventLoop) {
      do {
        return try cache.clip(path: path, law: law)
      } catch MediaError.file(let path, let operation, let number) {
        throw PromptError("\(path): cannot \(operation): \(String(cString: strerror(number)))")
      } catch let error as MediaError {
        throw PromptError("\(error)")
      } catch let error as WAVError {
        throw PromptError("\(path): not a WAV file sipscript plays (\(error))")
      }
    }
  }
}

/// Why a prompt could not be played, worded for the script (`nil, err`).
struct PromptError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}

/// Decoded prompts by (path, law), each checked against the file's size and modification time
/// when used. Bounded: past ``limit`` samples in all, the oldest entries are dropped. Thread-safe
/// (used from NIO's blocking pool).
final class ClipCache: @unchecked Sendable {
  // @unchecked: `entries`, `order` and `total` are only touched under `lock`.
  private struct Key: Hashable {
    var path: String
    var law: G711Law
  }

  private struct Entry {
    var size: Int64
    var modified: Date
    var clip: MediaClip
  }

  /// 16 M samples: about 35 minutes of 8 kHz audio, 32 MB.
  let limit: Int
  private let lock = NSLock()
  private var entries: [Key: Entry] = [:]
  private var order: [Key] = []
  private var total = 0
  /// Files read and converted (misses), for tests.
  private(set) var loads = 0

  init(limit: Int = 16 << 20) {
    self.limit = limit
  }

  var loadCount: Int { lock.withLock { loads } }

  /// The clip of `path`, from the cache when the file has not changed. Blocking: call it off the
  /// event loop.
  func clip(path: String, law: G711Law) throws -> MediaClip {
    let attributes = try? FileManager.default.attributesOfItem(atPath: path)
    let size = (attributes?[.size] as? NSNumber)?.int64Value ?? -1
    let modified = attributes?[.modificationDate] as? Date ?? .distantPast
    let key = Key(path: path, law: law)
    if let entry = lock.withLock({ entries[key] }), entry.size == size, entry.modified == modified {
      return entry.clip
    }
    let clip = try MediaClip.load(path: path, law: law)
    lock.withLock {
      loads += 1
      if let old = entries.removeValue(forKey: key) {
        total -= old.clip.samples.count
        order.removeAll { $0 == key }
      }
      guard clip.samples.count <= limit else { return }
      while total + clip.samples.count > limit, !order.isEmpty {
        let oldest = order.removeFirst()
        total -= entries.removeValue(forKey: oldest)?.clip.samples.count ?? 0
      }
      entries[key] = Entry(size: size, modified: modified, clip: clip)
      order.append(key)
      total += clip.samples.count
    }
    return clip
  }
}
