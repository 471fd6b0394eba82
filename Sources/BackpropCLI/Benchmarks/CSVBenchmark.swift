// `backprop bench csv`: the time and peak memory of loading a large
// generated CSV file.

import Backprop
import Foundation

/// `backprop bench csv`: the memory and time `Dataset.loadCSV` takes on a
/// large file. It writes a CSV of `rows` rows (10 numeric features with six
/// decimals and a regression target, about 97 bytes a row) to a temporary
/// folder, loads it once, and prints the file's size, the time, the growth
/// of the peak resident memory during the load (Linux's VmHWM, reset just
/// before), and that growth over the file's size. The loader's budget is 3×
/// the file's size; the figures before and after are in Docs/Performance.md
/// ("Loading CSV files").
enum CSVBenchmark {
  static let featureCount = 10

  static func run(rows: Int) throws {
    guard rows >= 1 else { throw UsageError(description: "--rows must be at least 1") }
    print("Backprop CSV benchmark: Dataset.loadCSV on \(rows) rows of \(featureCount) features and a target (build with -c release)")
    let folder = FileManager.default.temporaryDirectory
      .appendingPathComponent("backprop-bench-csv-\(getpid())")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    let path = folder.appendingPathComponent("bench.csv").path
    let size = try write(rows: rows, to: path)

    let reset = resetPeakResident()
    let before = residentBytes()
    let clock = ContinuousClock()
    let start = clock.now
    let data = try Dataset.loadCSV(from: path, target: .last)
    let elapsed = seconds(clock.now - start)
    let peak = peakResidentBytes()
    let after = residentBytes()
    blackHole(data)

    let growth = reset ? difference(peak, before) : nil
    print("  file        \(megabytes(size)) MB, \(data.count) rows, \(data.featureCount) features")
    print("  time        \(formatTime(elapsed))")
    print("  peak growth \(formatMegabytes(growth)) MB" + (reset ? "" : " (peak cannot be reset here)"))
    print("  kept        \(formatMegabytes(difference(after, before))) MB (the data set)")
    if let growth {
      print("  peak / file \(format(Double(growth) / Double(size), 2))×  (budget 3×)")
    }
    if let typing = data.targetTyping { print("  \(typing)") }
  }

  /// `a − b`, or nil when either is unknown.
  static func difference(_ a: Int?, _ b: Int?) -> Int? {
    guard let a, let b else { return nil }
    return a - b
  }

  /// Writes the file a chunk at a time (so writing it does not raise the
  /// peak) and returns its size in bytes.
  static func write(rows: Int, to path: String) throws -> Int {
    guard FileManager.default.createFile(atPath: path, contents: nil),
      let handle = FileHandle(forWritingAtPath: path)
    else { throw UsageError(description: "cannot write \(path)") }
    defer { try? handle.close() }
    var generator = SeededGenerator(seed: 1)
    var chunk: [UInt8] = []
    var size = 0
    var header = (0..<featureCount).map { "x\($0 + 1)" }
    header.append("y")
    chunk.append(contentsOf: header.joined(separator: ",").utf8)
    chunk.append(UInt8(ascii: "\n"))
    for r in 0..<rows {
      for _ in 0..<featureCount {
        appendDecimal(generator.nextUniform(in: -1, 1), digits: 6, to: &chunk)
        chunk.append(UInt8(ascii: ","))
      }
      appendDecimal(generator.nextUniform(in: -100, 100), digits: 4, to: &chunk)
      chunk.append(UInt8(ascii: "\n"))
      if chunk.count > 1 << 20 || r == rows - 1 {
        try handle.write(contentsOf: chunk)
        size += chunk.count
        chunk.removeAll(keepingCapacity: true)
      }
    }
    return size
  }

  /// `x` with `digits` decimals, written without `String(format:)`.
  static func appendDecimal(_ x: Double, digits: Int, to bytes: inout [UInt8]) {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = Int((abs(x) * scale).rounded())
    if x < 0 { bytes.append(UInt8(ascii: "-")) }
    bytes.append(contentsOf: String(scaled / Int(scale)).utf8)
    bytes.append(UInt8(ascii: "."))
    let fraction = String(scaled % Int(scale))
    for _ in fraction.count..<digits { bytes.append(UInt8(ascii: "0")) }
    bytes.append(contentsOf: fraction.utf8)
  }
}
