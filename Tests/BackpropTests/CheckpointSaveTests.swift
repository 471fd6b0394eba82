@testable import Backprop
import Foundation
import Testing

// Saving never destroys: what a save refuses to replace, the permissions it
// keeps, the temporary files it cleans up, and the leftovers it names.

/// A fresh folder under the system's temporary folder, removed by `remove()`
/// (write permission restored first).
private struct Folder {
  let path: String

  init() throws {
    path = FileManager.default.temporaryDirectory.appendingPathComponent(
      "backprop-save-tests-\(UUID().uuidString)"
    ).path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

  /// The names in the folder, hidden ones included, sorted.
  var contents: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
  }

  func remove() {
    _ = chmod(path, 0o755)
    try? FileManager.default.removeItem(atPath: path)
  }
}

private let isRoot = getuid() == 0

private func makeCheckpoint() throws -> Checkpoint {
  try Checkpoint(
    inputSize: 2, layerSizes: [1], activations: [.linear], parameters: [0.5, -0.25, 1])
}

private func write(_ text: String, _ path: String) throws {
  try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

private func read(_ path: String) throws -> String {
  try String(contentsOfFile: path, encoding: .utf8)
}

private func mode(_ path: String) -> Int {
  var status = stat()
  guard lstat(path, &status) == 0 else { return -1 }
  return Int(status.st_mode & 0o7777)
}

private func fileType(_ path: String) -> mode_t {
  var status = stat()
  guard lstat(path, &status) == 0 else { return 0 }
  return status.st_mode & S_IFMT
}

/// Sets a file's modification time `seconds` into the past.
private func age(_ path: String, by seconds: TimeInterval) throws {
  try FileManager.default.setAttributes(
    [.modificationDate: Date(timeIntervalSinceNow: -seconds)], ofItemAtPath: path)
}

@Suite("Checkpoint saving never destroys")
struct CheckpointSaveTests {
  @Test("a FIFO is refused, stays a FIFO, and nothing else appears")
  func fifoIsRefused() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let path = folder.file("model.json")
    #expect(mkfifo(path, 0o644) == 0)
    let expected = CheckpointError.notAFile(path: path, kind: "a FIFO (named pipe)")
    #expect(throws: expected) { try makeCheckpoint().save(to: path) }
    #expect(throws: expected) { try Checkpoint.checkDestination(path) }
    #expect(throws: expected) { try makeCheckpoint().save(to: path, replacingReadOnly: true) }
    #expect(fileType(path) == S_IFIFO)
    #expect(folder.contents == ["model.json"])
    #expect(
      expected.description
        == "cannot save a checkpoint to \(path): it is a FIFO (named pipe), not a regular "
        + "file; nothing was written (choose a file path)")
  }

  @Test("a device node is refused (created in a temporary folder, as root only)")
  func deviceIsRefused() throws {
    #if os(Linux)
      // Only root may create device nodes; never touch a real one. The
      // numbers are /dev/null's, harmless even if something wrote to it.
      guard isRoot else { return }
      let folder = try Folder()
      defer { folder.remove() }
      let path = folder.file("device.json")
      guard mknod(path, S_IFCHR | 0o600, dev_t((1 << 8) | 3)) == 0 else { return }  // no CAP_MKNOD
      #expect(throws: CheckpointError.notAFile(path: path, kind: "a character device")) {
        try makeCheckpoint().save(to: path)
      }
      #expect(fileType(path) == S_IFCHR)
      #expect(folder.contents == ["device.json"])
    #endif
  }

  @Test("a socket is refused and stays a socket")
  func socketIsRefused() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let path = folder.file("s.json")
    #if os(Linux)
      let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    #else
      let fd = socket(AF_UNIX, SOCK_STREAM, 0)
    #endif
    #expect(fd >= 0)
    defer { close(fd) }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    let bytes = Array(path.utf8)
    #expect(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
    withUnsafeMutableBytes(of: &address.sun_path) { buffer in
      for (i, byte) in bytes.enumerated() { buffer[i] = byte }
    }
    let bound = withUnsafePointer(to: &address) {
      $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
      }
    }
    #expect(bound == 0)
    #expect(throws: CheckpointError.notAFile(path: path, kind: "a socket")) {
      try makeCheckpoint().save(to: path)
    }
    #expect(fileType(path) == S_IFSOCK)
    #expect(folder.contents == ["s.json"])
  }

  @Test("a folder at the path, or a path ending in /, is refused")
  func folderIsRefused() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let path = folder.file("model.json")
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    #expect(throws: CheckpointError.notAFile(path: path, kind: "a folder")) {
      try Checkpoint.checkDestination(path)
    }
    #expect(throws: CheckpointError.notAFile(path: path + "/", kind: "a folder (the path ends in /)")) {
      try makeCheckpoint().save(to: path + "/")
    }
    #expect(folder.contents == ["model.json"])
  }

  @Test("a read-only file is refused unless replacingReadOnly, and keeps its mode")
  func readOnlyFile() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let path = folder.file("model.json")
    try write("keep", path)
    #expect(chmod(path, 0o444) == 0)
    let expected = CheckpointError.readOnly(path: path, mode: 0o444)
    #expect(throws: expected) { try makeCheckpoint().save(to: path) }
    #expect(throws: expected) { try Checkpoint.checkDestination(path) }
    #expect(expected.description.contains("read-only (mode 0444)"))
    #expect(try read(path) == "keep")
    #expect(mode(path) == 0o444)
    #expect(folder.contents == ["model.json"])

    try Checkpoint.checkDestination(path, replacingReadOnly: true)
    let result = try makeCheckpoint().save(to: path, replacingReadOnly: true)
    #expect(result.path == path)
    #expect(try Checkpoint.load(from: path) == makeCheckpoint())
    #expect(mode(path) == 0o444)
    #expect(folder.contents == ["model.json"])
  }

  @Test("replacing a file keeps its permission bits; a new file gets the usual ones")
  func permissionsAreKept() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let path = folder.file("model.json")
    try write("old", path)
    #expect(chmod(path, 0o640) == 0)
    try makeCheckpoint().save(to: path)
    #expect(mode(path) == 0o640)
    #expect(try Checkpoint.load(from: path) == makeCheckpoint())

    let fresh = folder.file("fresh.json")
    let mask = umask(0o022)
    umask(mask)
    try makeCheckpoint().save(to: fresh)
    #expect(mode(fresh) == 0o666 & ~Int(mask))
  }

  @Test("a symbolic link to a file writes the file and keeps the link")
  func linkToFile() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let target = folder.file("real.json")
    let link = folder.file("model.json")
    try write("old", target)
    #expect(chmod(target, 0o600) == 0)
    #expect(symlink(target, link) == 0)
    let result = try makeCheckpoint().save(to: link)
    #expect(fileType(link) == S_IFLNK)
    #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link) == target)
    #expect(try Checkpoint.load(from: target) == makeCheckpoint())
    #expect(mode(target) == 0o600)
    #expect(result.path.hasSuffix("/real.json"))
    #expect(folder.contents == ["model.json", "real.json"])
  }

  @Test("a symbolic link to a FIFO or to nothing is refused")
  func linkToFifoOrNothing() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let fifo = folder.file("pipe")
    #expect(mkfifo(fifo, 0o644) == 0)
    let link = folder.file("model.json")
    #expect(symlink(fifo, link) == 0)
    #expect(throws: CheckpointError.notAFile(path: link, kind: "a symbolic link to a FIFO (named pipe)")) {
      try makeCheckpoint().save(to: link)
    }
    #expect(fileType(fifo) == S_IFIFO)
    let dangling = folder.file("dangling.json")
    #expect(symlink(folder.file("nowhere.json"), dangling) == 0)
    #expect(throws: CheckpointError.notAFile(path: dangling, kind: "a symbolic link to a missing file")) {
      try Checkpoint.checkDestination(dangling)
    }
    #expect(folder.contents == ["dangling.json", "model.json", "pipe"])
  }

  @Test("a missing folder is reported before anything is written")
  func missingFolder() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let path = folder.file("no-such-folder/model.json")
    let error = #expect(throws: CheckpointError.self) { try Checkpoint.checkDestination(path) }
    #expect(
      error == .unwritable(path: path, reason: "the folder \(folder.file("no-such-folder")) does not exist"))
    let notFolder = folder.file("plain")
    try write("x", notFolder)
    #expect(throws: CheckpointError.unwritable(path: notFolder + "/model.json", reason: "\(notFolder) is not a folder")) {
      try makeCheckpoint().save(to: notFolder + "/model.json")
    }
    #expect(folder.contents == ["plain"])
  }

  @Test("a folder without write permission is refused (not as root)")
  func folderWithoutWritePermission() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let path = folder.file("model.json")
    #expect(chmod(folder.path, 0o555) == 0)
    if isRoot {
      // Root may write anywhere: the system grants the permission, so the
      // check passes and the save works; only the refusal is not testable.
      try Checkpoint.checkDestination(path)
    } else {
      let error = #expect(throws: CheckpointError.self) { try makeCheckpoint().save(to: path) }
      guard case .unwritable(let errorPath, let reason)? = error else {
        Issue.record("expected unwritable, got \(String(describing: error))")
        return
      }
      #expect(errorPath == path)
      #expect(reason.contains("is not writable"))
      #expect(folder.contents.isEmpty)
    }
  }

  @Test(
    "a failure at any step removes the temporary file and keeps the old file",
    arguments: [AtomicFile.Step.write, .permissions, .flush, .close, .rename])
  func failedStepCleansUp(step: AtomicFile.Step) throws {
    let folder = try Folder()
    defer { folder.remove() }
    let path = folder.file("model.json")
    try write("keep", path)
    let error = #expect(throws: CheckpointError.self) {
      try AtomicFile.write(Data("new".utf8), to: path, replacingReadOnly: false, failing: step)
    }
    guard case .unwritable(let errorPath, let reason)? = error else {
      Issue.record("expected unwritable, got \(String(describing: error))")
      return
    }
    #expect(errorPath == path)
    #expect(reason.contains(String(cString: strerror(EIO))))
    #expect(folder.contents == ["model.json"])
    #expect(try read(path) == "keep")
  }

  @Test("leftovers of interrupted saves are named and removed by the next save; others stay")
  func leftoversAreNamed() throws {
    let folder = try Folder()
    defer { folder.remove() }
    let path = folder.file("model.json")
    try makeCheckpoint().save(to: path)
    #expect(Checkpoint.leftoverTemporaryFiles(for: path).isEmpty)

    // A process id that runs no process: above any pid_max.
    let deadPid: Int32 = 99_999_999
    #expect(!AtomicFile.isRunning(deadPid))
    let oldStyle = folder.file(".model.json.\(UUID().uuidString).tmp")  // before version 2
    let dead = folder.file(".model.json.\(deadPid).\(UUID().uuidString).tmp")
    let ours = folder.file(".model.json.\(getpid()).\(UUID().uuidString).tmp")  // not in progress
    let staleRunning = folder.file(".model.json.1.\(UUID().uuidString).tmp")
    let freshOldStyle = folder.file(".model.json.\(UUID().uuidString).tmp")  // may be in progress
    let running = folder.file(".model.json.1.\(UUID().uuidString).tmp")  // pid 1 always runs
    let other = folder.file(".other.json.\(deadPid).\(UUID().uuidString).tmp")
    let notOurs = folder.file(".model.json.backup.tmp")
    for file in [oldStyle, dead, ours, staleRunning, freshOldStyle, running, other, notOurs] {
      try write("partial", file)
    }
    try age(oldStyle, by: 120)
    try age(staleRunning, by: 7200)
    let folderLike = folder.file(".model.json.\(deadPid).\(UUID().uuidString).tmp")
    try FileManager.default.createDirectory(atPath: folderLike, withIntermediateDirectories: false)

    let expected = [oldStyle, dead, ours, staleRunning].sorted()
    #expect(Checkpoint.leftoverTemporaryFiles(for: path) == expected)
    let result = try makeCheckpoint().save(to: path)
    #expect(result.removedLeftovers == expected)
    for file in expected { #expect(!FileManager.default.fileExists(atPath: file)) }
    for file in [freshOldStyle, running, other, notOurs, folderLike] {
      #expect(FileManager.default.fileExists(atPath: file))
    }
    #expect(try makeCheckpoint().save(to: path).removedLeftovers.isEmpty)
  }

  @Test("error descriptions of refused destinations")
  func descriptions() {
    #expect(
      CheckpointError.readOnly(path: "m.json", mode: 0o444).description
        == "cannot save a checkpoint to m.json: the file is read-only (mode 0444); nothing was "
        + "written (replace it with replacingReadOnly: true, --force on the command line, or "
        + "choose another path)")
  }
}
