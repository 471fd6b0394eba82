// The training page as a file: `demo --html` and `train --html FILE` make a
// TrainingPageRun and write it here.

import Backprop
import Foundation

/// Writes the training page of a run: one self-contained HTML file (the
/// template of ``TrainingPageHTML`` with the data of ``TrainingPageData``).
enum TrainingPage {
  /// The page's file name in the demo's output folder.
  static let demoFileName = "demo.html"

  /// The most parameter values the page records (parameters × frames), so
  /// that a big model does not fill the memory with snapshots.
  static let maxRecordedValues = 20_000_000

  /// The whole page's text for `run`.
  static func html(_ run: TrainingPageRun) throws -> String {
    TrainingPageHTML.page(title: run.title, json: try TrainingPageData.json(run))
  }

  /// Writes the page for `run` to `path` (atomically) and returns its size
  /// in bytes.
  @discardableResult
  static func write(_ run: TrainingPageRun, to path: String) throws -> Int {
    let page = try html(run)
    try SVGPlot.write(page, to: path)
    return page.utf8.count
  }

  /// A size for people: "1.9 MB", "740 kB".
  static func formatSize(_ bytes: Int) -> String {
    bytes >= 1_000_000
      ? String(format: "%.1f MB", Double(bytes) / 1e6) : String(format: "%.0f kB", Double(bytes) / 1e3)
  }

  /// Stops before training when `path` cannot take the page: a folder in
  /// its place, or a parent that is not a writable folder.
  static func checkDestination(_ path: String) throws(OutputError) {
    guard !path.isEmpty else { throw OutputError(description: "cannot write the page: give --html a file name") }
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
      throw OutputError(description: "cannot write \(path): a folder of that name is in the way")
    }
    let parent = (path as NSString).deletingLastPathComponent
    let folder = parent.isEmpty ? "." : parent
    guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
      throw OutputError(description: "cannot write \(path): \(folder) is not a folder")
    }
    guard access(folder, W_OK | X_OK) == 0 else {
      throw OutputError(description: "cannot write \(path): the folder \(folder) is not writable")
    }
  }
}
