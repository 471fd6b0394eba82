// The library's programming-mistake stops print their messages in a release
// build: this builds the `Mistakes` program with `swift build -c release`
// (in its own scratch directory, so it does not wait for the lock of the
// build running these tests), runs each mistake in a child process and reads
// what it printed on standard error.

import Foundation
import Testing

/// The release build of `Mistakes`, made once for all the tests here.
private let releaseMistakes: Result<URL, ReleaseBuildError> = {
  let package = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  let scratch = package.appendingPathComponent(".build/release-mistakes")
  let build = run(
    "/usr/bin/env",
    ["swift", "build", "-c", "release", "--product", "Mistakes",
     "--package-path", package.path, "--scratch-path", scratch.path])
  guard build.status == 0 else {
    return .failure(ReleaseBuildError(output: build.stdout + build.stderr))
  }
  return .success(scratch.appendingPathComponent("release/Mistakes"))
}()

struct ReleaseBuildError: Error, CustomStringConvertible {
  var output: String
  var description: String { "swift build -c release failed:\n\(output)" }
}

/// Runs `executable` with `arguments` and returns its exit status and output.
/// Swift's backtracer is turned off so that standard error holds the message.
private func run(_ executable: String, _ arguments: [String]) -> (
  status: Int32, stdout: String, stderr: String
) {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: executable)
  process.arguments = arguments
  var environment = ProcessInfo.processInfo.environment
  environment["SWIFT_BACKTRACE"] = "enable=no"
  process.environment = environment
  // Output goes to files, not pipes, so that a full pipe cannot block the
  // child while the parent waits.
  let directory = FileManager.default.temporaryDirectory
    .appendingPathComponent("backprop-mistakes-\(UUID().uuidString)")
  try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  defer { try? FileManager.default.removeItem(at: directory) }
  let outURL = directory.appendingPathComponent("stdout")
  let errURL = directory.appendingPathComponent("stderr")
  _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
  _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
  guard let out = try? FileHandle(forWritingTo: outURL),
    let err = try? FileHandle(forWritingTo: errURL)
  else { return (-1, "", "could not create output files in \(directory.path)") }
  process.standardOutput = out
  process.standardError = err
  do { try process.run() } catch { return (-1, "", "\(error)") }
  process.waitUntilExit()
  try? out.close()
  try? err.close()
  let read = { (url: URL) in (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
  return (process.terminationStatus, read(outURL), read(errURL))
}

@Suite("Stops in release builds", .serialized)
struct ReleaseStopTests {
  @Test(
    "each mistake stops a release build with its message",
    arguments: [
      ("mlp-input-size", "Backprop: a neuron with 2 inputs was given 3"),
      ("released-value", "Backprop: used a released Value"),
      ("mixed-tapes", "Backprop: combined Values from two different tapes"),
      ("set-computed-data", "which is computed (*), not a leaf"),
      ("value-from-earlier-step", "Or it belongs to an earlier training step"),
      ("value-in-detached-task", "on a thread other than the one its tape belongs to"),
      ("value-on-a-thread", "on a thread other than the one its tape belongs to"),
      ("value-on-a-dispatch-queue", "on a thread other than the one its tape belongs to"),
      ("stamps-run-out", "the most its 32-bit stamps can tell apart"),
    ])
  func stopsWithMessage(mistake: String, message: String) throws {
    let binary = try releaseMistakes.get()
    let result = run(binary.path, [mistake])
    #expect(result.status != 0, "\(mistake) exited normally: \(result.stdout)")
    #expect(!result.stdout.contains("no stop"))
    #expect(result.stderr.contains(message), "stderr was: \(result.stderr)")
    #expect(result.stderr.contains("Fatal error"))
    if mistake == "stamps-run-out" {
      // The release into the last generation works; the one after stops.
      #expect(result.stdout.contains("released once"))
    }
  }

  @Test func aTapeThatKeepsGrowingWarnsOnceWithTheFix() throws {
    let binary = try releaseMistakes.get()
    let result = run(binary.path, ["growing-tape"])
    #expect(result.status == 0, "stderr was: \(result.stderr)")
    #expect(result.stdout.contains("grown"))
    let warning = "Backprop: warning: a tape holds"
    #expect(result.stderr.components(separatedBy: warning).count == 2, "\(result.stderr)")
    #expect(result.stderr.contains("`Tape.scope { }`"))
  }

  /// A Value captured by a `Thread`'s or a dispatch queue's closure does not
  /// compile (the closures are `@Sendable` and `Value` is not): type-checks
  /// snippets against the release build's module.
  @Test(
    arguments: [
      ("Thread { print(v.data) }.start()", true),
      ("DispatchQueue.global().async { print(v.data) }", true),
      ("let d = v.data; Thread { print(d) }.start()", false),
    ])
  func capturingAValueInASendableClosureDoesNotCompile(body: String, fails: Bool) throws {
    let binary = try releaseMistakes.get()
    let products = binary.deletingLastPathComponent()
    let directory = FileManager.default.temporaryDirectory
      .appendingPathComponent("backprop-snippet-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let snippet = directory.appendingPathComponent("snippet.swift")
    try """
      import Backprop
      import Foundation
      func f() {
        let v = Value(2.0)
        \(body)
      }
      """.write(to: snippet, atomically: true, encoding: .utf8)
    let result = run(
      "/usr/bin/env",
      ["swiftc", "-typecheck", "-swift-version", "6",
       "-I", products.appendingPathComponent("Modules").path,
       "-Xcc", "-fmodule-map-file="
        + products.appendingPathComponent("CThreadPointer.build/module.modulemap").path,
       snippet.path])
    if fails {
      #expect(result.status != 0)
      #expect(
        result.stderr.contains("non-Sendable type 'Value'")
          || result.stderr.contains("non-sendable type 'Value'"), "\(result.stderr)")
    } else {
      #expect(result.status == 0, "\(result.stderr)")
    }
  }
}
