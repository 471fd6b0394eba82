// What the benchmarks share: timing repeated runs, reading resident memory,
// and formatting times, sizes and numbers.

import Backprop
import Foundation

/// Times of repeated runs of one workload, in seconds.
struct Timings {
  var seconds: [Double] = []

  var median: Double {
    let s = seconds.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
  }
  var min: Double { seconds.min() ?? .nan }
  var max: Double { seconds.max() ?? .nan }
}

/// Runs `body` `runs` times (after one untimed warm-up when `warmUp`) and
/// returns the wall-clock time of each run.
func measure(runs: Int, warmUp: Bool = true, _ body: () -> Void) -> Timings {
  if warmUp { body() }
  var timings = Timings()
  let clock = ContinuousClock()
  for _ in 0..<runs {
    let start = clock.now
    body()
    timings.seconds.append(seconds(clock.now - start))
  }
  return timings
}

/// A duration in seconds.
func seconds(_ duration: Duration) -> Double {
  let (s, atto) = duration.components
  return Double(s) + Double(atto) * 1e-18
}

/// Formats seconds with a unit that keeps three significant digits readable.
func formatTime(_ seconds: Double) -> String {
  if seconds >= 1 { return format(seconds, 3) + " s" }
  if seconds >= 1e-3 { return format(seconds * 1e3, 2) + " ms" }
  return format(seconds * 1e6, 1) + " µs"
}

/// `x` with `digits` digits after the point.
func format(_ x: Double, _ digits: Int) -> String {
  String(format: "%.\(digits)f", x)
}

/// The resident set size of this process in bytes (Linux), or nil.
func residentBytes() -> Int? {
  guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else {
    return nil
  }
  let fields = text.split(separator: " ")
  guard fields.count > 1, let pages = Int(fields[1]) else { return nil }
  return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

/// Keeps the optimiser from discarding a computed result.
@inline(never)
func blackHole<T>(_ x: T) {
  withExtendedLifetime(x) {}
}

/// The peak resident set size of this process in bytes (Linux's `VmHWM`), or
/// nil.
func peakResidentBytes() -> Int? {
  guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
    let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
    let kilobytes = line.split(separator: " ").dropFirst().first.flatMap({ Int($0) })
  else { return nil }
  return kilobytes * 1024
}

/// Resets the peak resident set size to the current one (Linux: `5` written
/// to `/proc/self/clear_refs`); false where that is not possible.
@discardableResult
func resetPeakResident() -> Bool {
  guard let file = fopen("/proc/self/clear_refs", "w") else { return false }
  defer { fclose(file) }
  return fputs("5", file) >= 0
}

/// Bytes in megabytes (10⁶), with a sign: `+12.3`.
func formatMegabytes(_ bytes: Int?) -> String {
  guard let bytes else { return "?" }
  let text = format(Double(bytes) / 1e6, 1)
  return text.hasPrefix("-") && text != "-0.0" ? text : "+" + text.drop(while: { $0 == "-" })
}

/// Bytes in megabytes (10⁶), unsigned: `98.8`.
func megabytes(_ bytes: Int) -> String {
  format(Double(bytes) / 1e6, 1)
}

/// One run of a training loop on a fresh tape: what it took and what it
/// grew.
struct LoopRun {
  /// The loop's wall-clock time.
  var seconds: Double
  /// Resident memory after the loop minus before it (the tape still alive).
  var residentGrowth: Int?
  /// The process's peak resident memory during the loop minus the resident
  /// memory before it; nil where the peak cannot be reset.
  var peakGrowth: Int?
  /// The bytes the tape holds when the loop ends.
  var tapeBytes: Int
  /// The nodes left on the tape when the loop ends.
  var tapeCount: Int
  /// The loss of each step.
  var losses: [Double]
}

/// Runs `setup` and then `loop` on a fresh tape made current, timing the
/// loop alone and measuring the resident memory around it; the tape (and all
/// it holds) is released before this returns.
func runOnFreshTape<State>(
  setup: () throws -> State, loop: (State) throws -> [Double]
) rethrows -> LoopRun {
  let tape = Tape()
  return try tape.withCurrent {
    let state = try setup()
    let canResetPeak = resetPeakResident()
    let before = residentBytes()
    let clock = ContinuousClock()
    let start = clock.now
    let losses = try loop(state)
    let elapsed = seconds(clock.now - start)
    let after = residentBytes()
    let peak = canResetPeak ? peakResidentBytes() : nil
    return LoopRun(
      seconds: elapsed,
      residentGrowth: before.flatMap { b in after.map { $0 - b } },
      peakGrowth: before.flatMap { b in peak.map { $0 - b } },
      tapeBytes: tape.allocatedBytes, tapeCount: tape.count, losses: losses)
  }
}

/// Repeats ``runOnFreshTape(setup:loop:)`` `runs` times; the times of all
/// runs, the first run's memory figures and losses.
func repeatOnFreshTapes<State>(
  runs: Int, setup: () throws -> State, loop: (State) throws -> [Double]
) rethrows -> (times: Timings, first: LoopRun) {
  let first = try runOnFreshTape(setup: setup, loop: loop)
  var times = Timings(seconds: [first.seconds])
  for _ in 1..<max(1, runs) {
    times.seconds.append(try runOnFreshTape(setup: setup, loop: loop).seconds)
  }
  return (times, first)
}
