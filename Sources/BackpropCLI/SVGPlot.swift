import Foundation

/// Two small SVG pictures, written with no dependency: a decision boundary
/// with the data points, and training curves.
enum SVGPlot {
  /// A model's decision regions on a grid (micrograd's demo plot: step h
  /// over [min − 1, max + 1]) with the points coloured by class.
  ///
  /// - Parameters:
  ///   - points: Two features per point.
  ///   - positive: Whether each point is of the positive class.
  ///   - step: The grid step.
  ///   - score: The model's score; > 0 is the positive class.
  static func decisionBoundary(
    points: [[Double]], positive: [Bool], step: Double = 0.05, title: String,
    score: ([Double]) -> Double
  ) -> String {
    let xs = points.map { $0[0] }
    let ys = points.map { $0[1] }
    let x0 = (xs.min() ?? 0) - 1
    let x1 = (xs.max() ?? 0) + 1
    let y0 = (ys.min() ?? 0) - 1
    let y1 = (ys.max() ?? 0) + 1
    let width = 600.0
    let height = width * (y1 - y0) / (x1 - x0)
    func px(_ x: Double) -> Double { (x - x0) / (x1 - x0) * width }
    func py(_ y: Double) -> Double { height - (y - y0) / (y1 - y0) * height }

    var svg = header(width: width, height: height + 30)
    svg += "<text x=\"8\" y=\"20\" font-family=\"sans-serif\" font-size=\"14\">\(escape(title))</text>\n"
    svg += "<g transform=\"translate(0,30)\">\n"
    let cell = step / (x1 - x0) * width
    var y = y0
    while y < y1 {
      var x = x0
      while x < x1 {
        let colour = score([x + step / 2, y + step / 2]) > 0 ? "#f6c6c6" : "#c6d8f6"
        svg += String(
          format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\"/>\n",
          px(x), py(y + step), cell + 0.3, cell + 0.3, colour)
        x += step
      }
      y += step
    }
    for (point, isPositive) in zip(points, positive) {
      svg += String(
        format: "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"%@\" stroke=\"black\" stroke-width=\"0.6\"/>\n",
        px(point[0]), py(point[1]), isPositive ? "#d62728" : "#1f4fb4")
    }
    svg += "</g>\n</svg>\n"
    return svg
  }

  /// Loss and accuracy per epoch, on one chart with two vertical scales
  /// (loss on the left, accuracy 0–100 % on the right).
  static func curves(loss: [Double], accuracy: [Double?], title: String) -> String {
    let width = 640.0
    let height = 360.0
    let left = 60.0
    let right = 60.0
    let top = 40.0
    let bottom = 40.0
    let plotW = width - left - right
    let plotH = height - top - bottom
    let maxLoss = Swift.max(loss.max() ?? 1, 1e-12)
    let n = Swift.max(loss.count - 1, 1)
    func px(_ i: Int) -> Double { left + Double(i) / Double(n) * plotW }
    func pyLoss(_ v: Double) -> Double { top + plotH - v / maxLoss * plotH }
    func pyAccuracy(_ v: Double) -> Double { top + plotH - v * plotH }

    var svg = header(width: width, height: height)
    svg += "<text x=\"\(left)\" y=\"24\" font-family=\"sans-serif\" font-size=\"14\">\(escape(title))</text>\n"
    svg += String(
      format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" stroke=\"#888\"/>\n",
      left, top, plotW, plotH)
    let lossPoints = loss.enumerated().map { String(format: "%.2f,%.2f", px($0), pyLoss($1)) }
    svg += "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"\(lossPoints.joined(separator: " "))\"/>\n"
    let accuracyPoints = accuracy.enumerated().compactMap { i, a in
      a.map { String(format: "%.2f,%.2f", px(i), pyAccuracy($0)) }
    }
    if !accuracyPoints.isEmpty {
      svg += "<polyline fill=\"none\" stroke=\"#1f4fb4\" stroke-width=\"2\" points=\"\(accuracyPoints.joined(separator: " "))\"/>\n"
    }
    let font = "font-family=\"sans-serif\" font-size=\"11\""
    svg += "<text x=\"\(left - 6)\" y=\"\(top + 4)\" text-anchor=\"end\" \(font) fill=\"#d62728\">\(String(format: "%.3g", maxLoss))</text>\n"
    svg += "<text x=\"\(left - 6)\" y=\"\(top + plotH)\" text-anchor=\"end\" \(font) fill=\"#d62728\">0</text>\n"
    svg += "<text x=\"\(left + plotW + 6)\" y=\"\(top + 4)\" \(font) fill=\"#1f4fb4\">100%</text>\n"
    svg += "<text x=\"\(left + plotW + 6)\" y=\"\(top + plotH)\" \(font) fill=\"#1f4fb4\">0%</text>\n"
    svg += "<text x=\"\(left)\" y=\"\(height - 12)\" \(font)>epoch 1</text>\n"
    svg += "<text x=\"\(left + plotW)\" y=\"\(height - 12)\" text-anchor=\"end\" \(font)>epoch \(loss.count)</text>\n"
    svg += "<text x=\"\(left + plotW / 2)\" y=\"\(height - 12)\" text-anchor=\"middle\" \(font)><tspan fill=\"#d62728\">loss</tspan> / <tspan fill=\"#1f4fb4\">accuracy</tspan></text>\n"
    svg += "</svg>\n"
    return svg
  }

  static func header(width: Double, height: Double) -> String {
    String(
      format: """
        <svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f">
        <rect width="100%%" height="100%%" fill="white"/>

        """, width, height, width, height)
  }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }

  /// Writes `text` to `path` atomically (a temporary file, then a rename).
  static func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
  }
}
