// Opening a CSV file and checking that it is text: each way a file can fail
// to be read becomes a CSVError that says which, with the path.

// The ways: missing, a directory, no permission, compressed, binary, not
// UTF-8. Files are read with POSIX calls a chunk at a time, so no Foundation
// error escapes and the whole file is never in memory at once.

import Foundation

/// An open file, read a chunk at a time; closed when released.
final class CSVFile {
  let path: String
  private let descriptor: Int32
  /// The whole content of a file that cannot seek (a pipe), read at once,
  /// and how much of it was handed out.
  private var content: [UInt8]?
  private var contentOffset = 0

  /// Opens `path` for reading, or throws the ``CSVError`` that says why not.
  init(path: String) throws {
    self.path = path
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw Self.openError(path, errno) }
    var status = stat()
    guard fstat(fd, &status) == 0 else {
      let code = errno
      close(fd)
      throw Self.openError(path, code)
    }
    if status.st_mode & S_IFMT == S_IFDIR {
      close(fd)
      throw CSVError(
        file: path, line: 0, column: 0, value: "", reason: "a directory, not a CSV file",
        kind: .isDirectory)
    }
    descriptor = fd
    if status.st_mode & S_IFMT != S_IFREG {
      // Not a regular file (a pipe): read it once, to be read again from memory.
      var all: [UInt8] = []
      let size = 1 << 16
      let chunk = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
      defer { chunk.deallocate() }
      while true {
        let n = try readFromDescriptor(into: chunk, count: size)
        if n == 0 { break }
        all.append(contentsOf: UnsafeRawBufferPointer(start: chunk, count: n))
      }
      content = all
    }
  }

  /// Opens `path` and checks that it is CSV text: not compressed, no NUL
  /// byte, UTF-8 (a first pass over the file, a chunk at a time).
  static func openText(_ path: String, chunkSize: Int = CSVScanner.chunkSize) throws -> CSVFile {
    let file = try CSVFile(path: path)
    var check = CSVTextCheck(file: path)
    let size = Swift.max(16, chunkSize)
    let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
    defer { buffer.deallocate() }
    var kept = 0
    var started = false
    while true {
      let n = try file.readBytes(into: buffer + kept, count: size - kept)
      let total = kept + n
      let atEnd = n == 0
      let bytes = UnsafeRawBufferPointer(start: buffer, count: total)
      if !started {
        // The magic bytes of a compressed format need the first 10 bytes.
        if total < 10 && !atEnd {
          kept = total
          continue
        }
        try check.checkStart(bytes)
        started = true
      }
      let used = try check.check(bytes, atEnd: atEnd)
      if atEnd { break }
      kept = total - used
      if kept > 0 { buffer.copyMemory(from: buffer + used, byteCount: kept) }
    }
    try check.finish()
    guard file.rewind() else {
      throw CSVError(
        file: path, line: 0, column: 0, value: "", reason: "cannot go back to the start of the file",
        kind: .unreadable)
    }
    return file
  }

  deinit { close(descriptor) }

  /// Reads up to `count` bytes into `buffer`; 0 at the end of the file.
  func readBytes(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
    if let content {
      let n = Swift.min(count, content.count - contentOffset)
      content.withUnsafeBytes { source in
        if let base = source.baseAddress, n > 0 {
          buffer.copyMemory(from: base + contentOffset, byteCount: n)
        }
      }
      contentOffset += n
      return n
    }
    return try readFromDescriptor(into: buffer, count: count)
  }

  private func readFromDescriptor(into buffer: UnsafeMutableRawPointer, count: Int) throws -> Int {
    while true {
      let n = read(descriptor, buffer, count)
      if n >= 0 { return n }
      if errno == EINTR { continue }
      throw Self.readError(path, errno)
    }
  }

  /// Goes back to the start of the file; false when the file cannot seek (a
  /// pipe).
  func rewind() -> Bool {
    if content != nil {
      contentOffset = 0
      return true
    }
    return lseek(descriptor, 0, SEEK_SET) == 0
  }

  static func openError(_ path: String, _ code: Int32) -> CSVError {
    switch code {
    case ENOENT, ENOTDIR:
      return CSVError(
        file: path, line: 0, column: 0, value: "", reason: "no such file", kind: .fileNotFound)
    case EACCES, EPERM:
      return CSVError(
        file: path, line: 0, column: 0, value: "",
        reason: "permission denied: this user may not read the file", kind: .permissionDenied)
    case EISDIR:
      return CSVError(
        file: path, line: 0, column: 0, value: "", reason: "a directory, not a CSV file",
        kind: .isDirectory)
    default:
      return readError(path, code)
    }
  }

  static func readError(_ path: String, _ code: Int32) -> CSVError {
    if code == EISDIR { return openError(path, code) }
    let message = String(cString: strerror(code))
    return CSVError(
      file: path, line: 0, column: 0, value: "", reason: "cannot read the file: \(message)",
      kind: .unreadable)
  }
}

/// Checks that bytes are CSV text: not compressed, no NUL byte, UTF-8.
/// Feed it the bytes in order, a chunk at a time, then call ``finish()``.
struct CSVTextCheck {
  let file: String
  /// The offset of the next byte, from 0.
  private(set) var offset = 0
  /// The line and column (both from 1) of the next byte.
  private var line = 1
  private var column = 1
  private var afterCarriageReturn = false
  /// The first byte that is not UTF-8, and where it is.
  private var badByte: (byte: UInt8, offset: Int, line: Int, column: Int)?

  init(file: String) { self.file = file }

  /// The magic bytes of compressed formats, with a tool that decompresses
  /// each.
  static let compressedFormats: [(name: String, magic: [UInt8], tool: String)] = [
    ("gzip", [0x1F, 0x8B], "gunzip"),
    ("zip", [0x50, 0x4B, 0x03, 0x04], "unzip"),
    ("zip", [0x50, 0x4B, 0x05, 0x06], "unzip"),
    ("bzip2", Array("BZh".utf8), "bunzip2"),
    ("xz", [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "unxz"),
    ("zstd", [0x28, 0xB5, 0x2F, 0xFD], "unzstd"),
  ]

  /// Checks the start of the file for a compressed format or UTF-16.
  func checkStart(_ bytes: UnsafeRawBufferPointer) throws {
    for format in Self.compressedFormats where bytes.starts(with: format.magic) {
      // "BZh" could start a text: bzip2 follows it with a digit 1-9 and a block magic.
      if format.name == "bzip2" {
        guard bytes.count >= 10, (0x31...0x39).contains(bytes[3]),
          bytes[4..<10].elementsEqual([0x31, 0x41, 0x59, 0x26, 0x53, 0x59])
        else { continue }
      }
      throw CSVError(
        file: file, line: 0, column: 0, value: "",
        reason: "\(format.name)-compressed, not CSV text; decompress it first (\(format.tool))",
        kind: .compressed(format: format.name))
    }
    if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) {
      throw CSVError(
        file: file, line: 0, column: 0, value: "",
        reason: "UTF-16 text (it starts with a UTF-16 byte-order mark), not UTF-8; "
          + "re-save the file as UTF-8", kind: .notUTF8(byteOffset: 0))
    }
  }

  /// Checks the next bytes; throws at a NUL byte. Returns how many bytes it
  /// took: all of them, but for a character cut by the end of `bytes` when
  /// more follow (`atEnd` false), which the caller passes again with the
  /// next bytes.
  mutating func check(_ bytes: UnsafeRawBufferPointer, atEnd: Bool) throws -> Int {
    var i = 0
    let n = bytes.count
    while i < n {
      let b = bytes[i]
      if b < 0x80 {
        if b == 0 {
          throw CSVError(
            file: file, line: line, column: column, value: "",
            reason: "a binary file, not CSV text: a NUL byte at offset \(offset)",
            kind: .binary(byteOffset: offset))
        }
        if b == 0x0A {
          if !afterCarriageReturn { line += 1 }
          column = 1
          afterCarriageReturn = false
        } else if b == 0x0D {
          line += 1
          column = 1
          afterCarriageReturn = true
        } else {
          column += 1
          afterCarriageReturn = false
        }
        offset += 1
        i += 1
        continue
      }
      afterCarriageReturn = false
      let need = Self.sequenceLength(b)
      if need > 0, i + need > n, !atEnd { return i }
      if need > 0, i + need <= n, Self.isValid(bytes, from: i, count: need) {
        offset += need
        i += need
      } else {
        noteBad(b)
        offset += 1
        i += 1
      }
      column += 1
    }
    return n
  }

  /// Throws for the first byte that was not UTF-8 (NUL bytes win: a binary
  /// file is said to be binary even where a byte before is not UTF-8).
  func finish() throws {
    guard let bad = badByte else { return }
    let hex = "0x" + String(bad.byte, radix: 16, uppercase: true)
    throw CSVError(
      file: file, line: bad.line, column: bad.column, value: "",
      reason: "not UTF-8 text: byte \(hex) at offset \(bad.offset) is not UTF-8; "
        + "re-save the file as UTF-8 (it may be Latin-1 or Windows-1252)",
      kind: .notUTF8(byteOffset: bad.offset))
  }

  private mutating func noteBad(_ byte: UInt8) {
    if badByte == nil { badByte = (byte, offset, line, column) }
  }

  /// The length of the UTF-8 sequence a lead byte starts; 0 for a byte that
  /// cannot start one.
  static func sequenceLength(_ lead: UInt8) -> Int {
    switch lead {
    case 0x00...0x7F: 1
    case 0xC2...0xDF: 2
    case 0xE0...0xEF: 3
    case 0xF0...0xF4: 4
    default: 0
    }
  }

  /// Whether the `count` bytes at `start` are one valid UTF-8 sequence: no
  /// overlong form, no surrogate, nothing above U+10FFFF.
  static func isValid(_ bytes: UnsafeRawBufferPointer, from start: Int, count: Int) -> Bool {
    let lead = bytes[start]
    for k in 1..<count {
      var low: UInt8 = 0x80
      var high: UInt8 = 0xBF
      if k == 1 {
        switch lead {
        case 0xE0: low = 0xA0
        case 0xED: high = 0x9F
        case 0xF0: low = 0x90
        case 0xF4: high = 0x8F
        default: break
        }
      }
      guard (low...high).contains(bytes[start + k]) else { return false }
    }
    return true
  }
}
