// Writing a file without ever destroying something: the checks a destination
// must pass, the write through a temporary file, and leftovers' removal.

// The write through a temporary file: flushed, given the replaced file's
// permissions, renamed. The leftovers: temporary files that an interrupted
// earlier save left behind.

import Foundation

/// Writes files by way of a temporary file and a rename, after checking that
/// the destination may be replaced.
enum AtomicFile {
  /// A checked destination.
  struct Destination {
    /// The file to write: the path, or the target of a symbolic link.
    var path: String
    /// Its folder.
    var directory: String
    /// The status of the file being replaced, if there is one.
    var existing: stat?
  }

  /// A step of a write, for tests that make one fail.
  enum Step: Sendable {
    case write, permissions, flush, close, rename
  }

  /// How long an old-style temporary file (`.NAME.UUID.tmp`, written by
  /// versions that did not record the process) must be untouched before it
  /// counts as a leftover.
  static let oldStyleLeftoverAge: TimeInterval = 60
  /// How long any temporary file must be untouched to count as a leftover
  /// whatever process made it (process ids are reused).
  static let leftoverAge: TimeInterval = 3600

  /// Checks that `path` can be written and names only what a save may
  /// replace (see ``Checkpoint/checkDestination(_:replacingReadOnly:)``).
  static func check(
    _ path: String, replacingReadOnly: Bool
  ) throws(CheckpointError) -> Destination {
    guard !path.isEmpty else {
      throw .unwritable(path: path, reason: "the path is empty")
    }
    guard !path.hasSuffix("/") else {
      throw .notAFile(path: path, kind: "a folder (the path ends in /)")
    }
    var target = path
    var status = stat()
    var existing: stat?
    if lstat(path, &status) == 0 {
      if isType(status, S_IFLNK) {
        var pointed = stat()
        guard stat(path, &pointed) == 0 else {
          throw .notAFile(path: path, kind: "a symbolic link to a missing file")
        }
        guard isType(pointed, S_IFREG) else {
          throw .notAFile(path: path, kind: "a symbolic link to \(describeKind(pointed))")
        }
        guard let resolved = realpath(path, nil) else {
          throw .unwritable(
            path: path, reason: "cannot resolve the symbolic link: \(lastError())")
        }
        target = String(cString: resolved)
        free(resolved)
        status = pointed
      } else if !isType(status, S_IFREG) {
        throw .notAFile(path: path, kind: describeKind(status))
      }
      let writeBits = mode_t(S_IWUSR | S_IWGRP | S_IWOTH)
      if !replacingReadOnly, status.st_mode & writeBits == 0 || access(target, W_OK) != 0 {
        throw .readOnly(path: path, mode: Int(status.st_mode & 0o7777))
      }
      existing = status
    } else if errno != ENOENT, errno != ENOTDIR {  // the folder checks below explain those
      throw .unwritable(path: path, reason: lastError())
    }
    let directory = folder(of: target)
    var folderStatus = stat()
    guard stat(directory, &folderStatus) == 0 else {
      throw .unwritable(path: path, reason: "the folder \(directory) does not exist")
    }
    guard isType(folderStatus, S_IFDIR) else {
      throw .unwritable(path: path, reason: "\(directory) is not a folder")
    }
    guard access(directory, W_OK | X_OK) == 0 else {
      throw .unwritable(
        path: path, reason: "the folder \(directory) is not writable (\(lastError()))")
    }
    return Destination(path: target, directory: directory, existing: existing)
  }

  /// Writes `data` to a temporary file beside the destination, gives it the
  /// replaced file's permissions, flushes it and renames it over the
  /// destination; removes the temporary file on every failure, then removes
  /// the leftovers of earlier interrupted saves.
  ///
  /// `failing` makes that step fail as if the system had returned `EIO`:
  /// for tests of the clean-up.
  static func write(
    _ data: Data, to path: String, replacingReadOnly: Bool, failing: Step? = nil
  ) throws(CheckpointError) -> CheckpointSaveResult {
    func injected(_ step: Step) -> Bool {
      guard step == failing else { return false }
      errno = EIO
      return true
    }
    let destination = try check(path, replacingReadOnly: replacingReadOnly)
    let name = (destination.path as NSString).lastPathComponent
    let temporary =
      (destination.directory as NSString).appendingPathComponent(
        ".\(name).\(getpid()).\(UUID().uuidString).tmp")
    InProgress.shared.insert(temporary)
    defer { InProgress.shared.remove(temporary) }

    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
    guard fd >= 0 else {
      throw .unwritable(
        path: path,
        reason: "cannot create a temporary file in \(destination.directory): \(lastError())")
    }
    var open = true
    var renamed = false
    defer {
      if open { _ = close(fd) }
      if !renamed { _ = unlink(temporary) }
    }
    func fail(_ what: String) -> CheckpointError {
      .unwritable(path: path, reason: "\(what) \(temporary): \(lastError())")
    }
    let written = data.withUnsafeBytes { buffer -> Bool in
      guard var pointer = buffer.baseAddress else { return true }
      var remaining = buffer.count
      while remaining > 0 {
        let n = Foundation.write(fd, pointer, remaining)
        if n < 0 {
          if errno == EINTR { continue }
          return false
        }
        pointer += n
        remaining -= n
      }
      return true
    }
    guard written, !injected(.write) else { throw fail("cannot write the temporary file") }
    if let existing = destination.existing {
      guard fchmod(fd, existing.st_mode & 0o7777) == 0, !injected(.permissions) else {
        throw fail("cannot give the replaced file's permissions to")
      }
      if getuid() == 0 { _ = fchown(fd, existing.st_uid, existing.st_gid) }
    }
    guard fsync(fd) == 0, !injected(.flush) else { throw fail("cannot flush the temporary file") }
    open = false
    guard close(fd) == 0, !injected(.close) else { throw fail("cannot close the temporary file") }
    // Checked again just before the rename: something may have appeared at
    // the path while the data was written.
    _ = try check(path, replacingReadOnly: replacingReadOnly)
    guard !injected(.rename), rename(temporary, destination.path) == 0 else {
      throw .unwritable(
        path: path, reason: "cannot rename the temporary file over it: \(lastError())")
    }
    renamed = true
    let folderDescriptor = Foundation.open(destination.directory, O_RDONLY | O_CLOEXEC)
    if folderDescriptor >= 0 {
      _ = fsync(folderDescriptor)  // makes the rename durable; best effort
      _ = close(folderDescriptor)
    }
    var removed: [String] = []
    for leftover in leftovers(for: destination.path) where unlink(leftover) == 0 {
      removed.append(leftover)
    }
    return CheckpointSaveResult(path: destination.path, removedLeftovers: removed)
  }

  /// The leftover temporary files of interrupted saves to `path`, sorted.
  static func leftovers(for path: String, now: Date = Date()) -> [String] {
    let directory = folder(of: path)
    let name = (path as NSString).lastPathComponent
    guard let entries = try? FileManager.default.contentsOfDirectory(atPath: directory) else {
      return []
    }
    let prefix = ".\(name)."
    var found: [String] = []
    for entry in entries where entry.hasPrefix(prefix) && entry.hasSuffix(".tmp") {
      let middle = entry.dropFirst(prefix.count).dropLast(".tmp".count)
      let parts = middle.split(separator: ".", omittingEmptySubsequences: false)
      let full = (directory as NSString).appendingPathComponent(entry)
      var status = stat()
      guard lstat(full, &status) == 0, isType(status, S_IFREG) else { continue }
      #if canImport(Darwin)
        let modified = Double(status.st_mtimespec.tv_sec)
      #else
        let modified = Double(status.st_mtim.tv_sec)
      #endif
      let age = now.timeIntervalSince1970 - modified
      let isLeftover: Bool
      if parts.count == 1, UUID(uuidString: String(parts[0])) != nil {
        isLeftover = age > oldStyleLeftoverAge
      } else if parts.count == 2, let pid = Int32(parts[0]), pid > 0,
        UUID(uuidString: String(parts[1])) != nil
      {
        if InProgress.shared.contains(full) {
          isLeftover = false
        } else if pid == getpid() {
          isLeftover = true  // this process is not writing it: an earlier one with our id
        } else {
          isLeftover = !isRunning(pid) || age > leftoverAge
        }
      } else {
        continue
      }
      if isLeftover { found.append(full) }
    }
    return found.sorted()
  }

  /// Whether a process with this id exists.
  static func isRunning(_ pid: Int32) -> Bool {
    kill(pid, 0) == 0 || errno == EPERM
  }

  /// The folder of a path: `.` for a bare file name.
  static func folder(of path: String) -> String {
    let folder = (path as NSString).deletingLastPathComponent
    return folder.isEmpty ? "." : folder
  }

  static func isType(_ status: stat, _ type: mode_t) -> Bool {
    status.st_mode & S_IFMT == type
  }

  /// "a FIFO (named pipe)", "a character device", …
  static func describeKind(_ status: stat) -> String {
    if isType(status, S_IFDIR) { return "a folder" }
    if isType(status, S_IFIFO) { return "a FIFO (named pipe)" }
    if isType(status, S_IFSOCK) { return "a socket" }
    if isType(status, S_IFCHR) { return "a character device" }
    if isType(status, S_IFBLK) { return "a block device" }
    if isType(status, S_IFLNK) { return "a symbolic link" }
    return "not a regular file"
  }

  static func lastError() -> String { String(cString: strerror(errno)) }
}

/// The temporary files this process is writing, so that a save never takes
/// another thread's temporary file for a leftover.
final class InProgress: @unchecked Sendable {
  static let shared = InProgress()
  private let lock = NSLock()
  private var paths: Set<String> = []

  func insert(_ path: String) { lock.withLock { _ = paths.insert(path) } }
  func remove(_ path: String) { lock.withLock { _ = paths.remove(path) } }
  func contains(_ path: String) -> Bool { lock.withLock { paths.contains(path) } }
}
