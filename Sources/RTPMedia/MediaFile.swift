#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Whole-file reads for prompts (done once per file, before playback starts, off the hot path).
enum MediaFile {
  /// Prompts larger than this are refused rather than read (bounded work on bad input).
  static let maximumSize = 256 << 20

  static func readAll(path: String) throws(MediaError) -> [UInt8] {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { throw .file(path: path, operation: "open", errno: errno) }
    defer { close(descriptor) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
      if count < 0 {
        if errno == EINTR { continue }
        throw .file(path: path, operation: "read", errno: errno)
      }
      if count == 0 { break }
      result.append(contentsOf: chunk[0..<count])
      guard result.count <= maximumSize else { throw .fileTooLarge(path: path, limit: maximumSize) }
    }
    return result
  }
}
