/// Why bytes are not a WAV file this module reads. Offsets are in octets from the file start.
public enum WAVError: Error, Hashable, Sendable {
  /// No "RIFF" tag at offset 0, or fewer than 12 octets.
  case notRIFF
  /// The RIFF form type is not "WAVE".
  case notWAVE
  /// The RIFF size field claims more octets than the file has.
  case riffSizeBeyondFile(declared: Int, available: Int)
  /// A chunk header (8 octets) does not fit.
  case truncatedChunkHeader(offset: Int)
  /// A chunk's size reaches past the end of the RIFF chunk.
  case chunkBeyondFile(id: String, offset: Int, size: Int)
  case missingFormatChunk
  case missingDataChunk
  /// The "fmt " chunk is shorter than the 16 octets of WAVEFORMAT(EX).
  case formatChunkTooShort(size: Int)
  /// A format tag other than PCM (1), A-law (6), µ-law (7) or extensible (0xFFFE) over those.
  case unsupportedFormat(tag: UInt16)
  /// PCM must be 16 bits, A-law and µ-law 8 bits.
  case unsupportedBitsPerSample(UInt16, tag: UInt16)
  case unsupportedChannelCount(UInt16)
  /// Outside 1000…768000 Hz.
  case invalidSampleRate(UInt32)
  /// The block align does not match channels × bytes per sample.
  case invalidBlockAlign(UInt16)
  /// More than one "fmt " or "data" chunk.
  case duplicateChunk(id: String, offset: Int)
}

/// Why a ``WAVWriter`` cannot append.
public enum WAVWriterError: Error, Hashable, Sendable {
  /// The RIFF size field has 32 bits: a file stops just under 4 GiB (about 74 hours at 8 kHz).
  case fileFull
}
