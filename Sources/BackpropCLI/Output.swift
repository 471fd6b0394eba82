// What the tool prints: lines on stdout flushed one by one, a live line only
// on a terminal, and errors in words, never a raw Foundation error.

// Flushed one by one so that `train … | tee log` shows each line as it comes.

import Foundation

/// Prints `line` on stdout and flushes it at once, whatever stdout is (a
/// terminal, a pipe or a file: C's stdio buffers a pipe or a file whole).
func say(_ line: String) {
  print(line)
  fflush(nil)  // every stream: `stdout` is a C global Swift 6 does not let us name
}

/// Whether stdout is a terminal, where a live progress line can be redrawn.
let stdoutIsTerminal = isatty(STDOUT_FILENO) != 0

/// Redraws the live progress line on a terminal (nothing elsewhere).
func sayLive(_ line: String, done: Bool = false) {
  guard stdoutIsTerminal else { return }
  // Clear to the end of the line: a shorter line leaves no tail behind.
  print("\r" + line + "\u{1B}[K", terminator: done ? "\n" : "")
  fflush(nil)
}

/// Writes `text` and a line break to stderr, unbuffered.
func writeError(_ text: String) {
  FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// An error in words: the library's errors describe themselves; Foundation's
/// file errors are named by what went wrong and the path.
func describe(_ error: any Error) -> String {
  if let error = error as? CocoaError {
    let path = error.filePath ?? error.url?.path ?? "the file"
    switch error.code {
    case .fileNoSuchFile, .fileReadNoSuchFile: return "\(path): no such file or folder"
    case .fileReadNoPermission, .fileWriteNoPermission: return "\(path): permission denied"
    case .fileWriteOutOfSpace: return "\(path): the disk is full"
    case .fileWriteVolumeReadOnly: return "\(path): the volume is read-only"
    case .fileReadInapplicableStringEncoding, .fileReadCorruptFile:
      return "\(path): not readable as UTF-8 text"
    default: return "\(path): \(error.localizedDescription)"
    }
  }
  if type(of: error) is NSError.Type {
    let ns = error as NSError
    if let path = ns.userInfo[NSFilePathErrorKey] as? String {
      return "\(path): \(ns.localizedDescription)"
    }
    return ns.localizedDescription
  }
  return String(describing: error)
}
