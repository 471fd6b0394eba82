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
