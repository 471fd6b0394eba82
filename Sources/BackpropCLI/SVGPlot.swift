// The SVG pictures of `backprop demo`: a decision boundary with the data
// points, and training curves.

import Foundation

/// Two small SVG 1.1 pictures, written with no dependency: a decision
/// boundary with the data points, and training curves. Both have axes with
/// ticks and their values, axis labels and a legend outside the plotted area,
/// and use only plain SVG 1.1 (attributes, no CSS), so browsers and rsvg draw
/// them alike.
enum SVGPlot {
  /// A model's decision regions on a grid (micrograd's demo plot: step h
  /// over [min − 1, max + 1]) with the points coloured by class, the boundary
  /// between the regions, x and y axes with ticks, and a legend on the right.
  ///
  /// - Parameters:
  ///   - points: Two features per point.
  ///   - positive: Whether each point is of the positive class.
  ///   - classNames: What the legend calls the positive and the negative class.
  ///   - step: The grid step.
  ///   - title: The line above the picture.
  ///   - score: The model's score; > 0 is the positive class.
  static func decisionBoundary(
    points: [[Double]], positive: [Bool],
    classNames: (positive: String, negative: String) = ("class +1", "class −1"),
    step: Double = 0.05, title: String, score: ([Double]) -> Double
  ) -> String {
    let xs = points.map { $0[0] }
    let ys = points.map { $0[1] }
    let x0 = (xs.min() ?? 0) - 1
    let y0 = (ys.min() ?? 0) - 1
    // Whole cells, so the shaded grid ends exactly at the frame.
    let nx = Swift.max(1, Int((((xs.max() ?? 0) + 1 - x0) / step).rounded(.up)))
    let ny = Swift.max(1, Int((((ys.max() ?? 0) + 1 - y0) / step).rounded(.up)))
    let x1 = x0 + Double(nx) * step
    let y1 = y0 + Double(ny) * step

    let left = 64.0
    let top = 44.0
    let plotW = 520.0
    let plotH = plotW * (y1 - y0) / (x1 - x0)
    let legendX = left + plotW + 24
    let legendW = 212.0
    let width = legendX + legendW + 12
    let height = top + plotH + 58
    func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * plotW }
    func py(_ y: Double) -> Double { top + plotH - (y - y0) / (y1 - y0) * plotH }

    let positiveRegion = "#f6c6c6"
    let negativeRegion = "#c6d8f6"
    let positivePoint = "#d62728"
    let negativePoint = "#1f4fb4"

    var svg = header(width: width, height: height)
    svg += text(escape(title), x: left, y: 24, size: 14)

    // The regions: one cell per grid point, coloured by the model's class.
    var predicted = [[Bool]](repeating: [Bool](repeating: false, count: nx), count: ny)
    svg += "<g shape-rendering=\"crispEdges\">\n"
    let cellW = plotW / Double(nx)
    let cellH = plotH / Double(ny)
    for j in 0..<ny {
      for i in 0..<nx {
        let x = x0 + Double(i) * step
        let y = y0 + Double(j) * step
        let isPositive = score([x + step / 2, y + step / 2]) > 0
        predicted[j][i] = isPositive
        svg += String(
          format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%@\"/>\n",
          px(x), py(y + step), cellW + 0.3, cellH + 0.3, isPositive ? positiveRegion : negativeRegion)
      }
    }
    svg += "</g>\n"

    // The boundary: every cell edge with a different class on either side.
    var boundary: [String] = []
    for j in 0..<ny {
      for i in 0..<nx {
        if i + 1 < nx, predicted[j][i] != predicted[j][i + 1] {
          let x = px(x0 + Double(i + 1) * step)
          boundary.append(
            String(format: "M%.2f %.2fV%.2f", x, py(y0 + Double(j) * step), py(y0 + Double(j + 1) * step)))
        }
        if j + 1 < ny, predicted[j][i] != predicted[j + 1][i] {
          let y = py(y0 + Double(j + 1) * step)
          boundary.append(
            String(format: "M%.2f %.2fH%.2f", px(x0 + Double(i) * step), y, px(x0 + Double(i + 1) * step)))
        }
      }
    }
    if !boundary.isEmpty {
      svg += "<path fill=\"none\" stroke=\"#333333\" stroke-width=\"1.5\" stroke-linecap=\"square\" d=\"\(boundary.joined(separator: " "))\"/>\n"
    }

    for (point, isPositive) in zip(points, positive) {
      svg += String(
        format: "<circle cx=\"%.2f\" cy=\"%.2f\" r=\"4\" fill=\"%@\" stroke=\"black\" stroke-width=\"0.6\"/>\n",
        px(point[0]), py(point[1]), isPositive ? positivePoint : negativePoint)
    }

    svg += frame(x: left, y: top, width: plotW, height: plotH)
    svg += xAxis(
      ticks: ticks(from: x0, to: x1), at: px, baseline: top + plotH, left: left, width: plotW,
      label: "x₁ (first feature)")
    svg += yAxis(
      ticks: ticks(from: y0, to: y1), at: py, edge: left, side: .left, top: top, height: plotH,
      label: "x₂ (second feature)")

    // The legend, beside the plot so it hides nothing.
    var entries: [String] = []
    func entry(_ row: Int, symbol: String, name: String, detail: String) {
      let y = top + 26 + Double(row) * 40
      entries.append(symbol.replacingOccurrences(of: "{Y}", with: String(format: "%.1f", y - 4)))
      entries.append(text(escape(name), x: legendX + 34, y: y, size: 12))
      entries.append(text(escape(detail), x: legendX + 34, y: y + 15, size: 10.5, fill: "#555555"))
    }
    let cx = legendX + 17
    entry(
      0, symbol: "<circle cx=\"\(cx)\" cy=\"{Y}\" r=\"4.5\" fill=\"\(positivePoint)\" stroke=\"black\" stroke-width=\"0.6\"/>",
      name: classNames.positive, detail: "training point of \(classNames.positive)")
    entry(
      1, symbol: "<circle cx=\"\(cx)\" cy=\"{Y}\" r=\"4.5\" fill=\"\(negativePoint)\" stroke=\"black\" stroke-width=\"0.6\"/>",
      name: classNames.negative, detail: "training point of \(classNames.negative)")
    func swatch(_ colour: String) -> String {
      "<rect x=\"\(cx - 9)\" y=\"{Y}\" width=\"18\" height=\"12\" fill=\"\(colour)\" stroke=\"#999999\" stroke-width=\"0.6\" transform=\"translate(0,-6)\"/>"
    }
    entry(
      2, symbol: swatch(positiveRegion), name: "predicted \(classNames.positive)",
      detail: "shaded: where the score is > 0")
    entry(
      3, symbol: swatch(negativeRegion), name: "predicted \(classNames.negative)",
      detail: "shaded: where the score is ≤ 0")
    entry(
      4, symbol: "<path d=\"M\(cx - 11) {Y}H\(cx + 11)\" stroke=\"#333333\" stroke-width=\"1.5\"/>",
      name: "decision boundary", detail: "where the score crosses 0")
    let legendH = 5 * 40.0 + 8
    svg += String(
      format: "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"white\" stroke=\"#999999\"/>\n",
      legendX, top, legendW, legendH)
    svg += entries.joined()
    svg += "</svg>\n"
    return svg
  }

  /// Loss and accuracy per epoch, on one chart with two vertical scales
  /// (loss on the left, accuracy 0–100 % on the right), ticks on all three
  /// axes, axis labels and a legend above the plot.
  ///
  /// - Parameters:
  ///   - loss: The loss after each epoch; epoch 1 first.
  ///   - accuracy: The accuracy (0…1) after each epoch, when known.
  ///   - title: The line above the picture.
  ///   - epochLabel: The horizontal axis's label.
  ///   - lossLabel: The left axis's label.
  static func curves(
    loss: [Double], accuracy: [Double?], title: String, epochLabel: String = "epoch",
    lossLabel: String = "loss"
  ) -> String {
    let width = 720.0
    let height = 420.0
    let left = 76.0
    let right = 76.0
    let top = 66.0
    let bottom = 58.0
    let plotW = width - left - right
    let plotH = height - top - bottom
    let lossColour = "#d62728"
    let accuracyColour = "#1f4fb4"

    let lossTicks = ticks(from: 0, to: Swift.max(loss.max() ?? 1, 1e-12), coverTop: true)
    let lossTop = (lossTicks.last?.value ?? 1) * 1.05  // a margin, so no line runs along the frame
    let epochs = Swift.max(loss.count, 1)
    func px(_ epoch: Double) -> Double { left + epoch / Double(epochs) * plotW }
    func pyLoss(_ v: Double) -> Double { top + plotH - v / lossTop * plotH }
    func pyAccuracy(_ percent: Double) -> Double { top + plotH - percent / 105 * plotH }

    var svg = header(width: width, height: height)
    svg += text(escape(title), x: left, y: 24, size: 14)

    // Grid lines at the loss ticks, under the curves.
    for tick in lossTicks where tick.value > 0 {
      svg += String(
        format: "<path d=\"M%.2f %.2fH%.2f\" stroke=\"#e4e4e4\" stroke-width=\"1\"/>\n",
        left, pyLoss(tick.value), left + plotW)
    }
    let lossPoints = loss.enumerated().map { String(format: "%.2f,%.2f", px(Double($0 + 1)), pyLoss($1)) }
    svg += "<polyline fill=\"none\" stroke=\"\(lossColour)\" stroke-width=\"2\" points=\"\(lossPoints.joined(separator: " "))\"/>\n"
    let accuracyPoints = accuracy.enumerated().compactMap { i, a in
      a.map { String(format: "%.2f,%.2f", px(Double(i + 1)), pyAccuracy(100 * $0)) }
    }
    if !accuracyPoints.isEmpty {
      svg += "<polyline fill=\"none\" stroke=\"\(accuracyColour)\" stroke-width=\"2\" stroke-dasharray=\"7,3\" points=\"\(accuracyPoints.joined(separator: " "))\"/>\n"
    }

    svg += frame(x: left, y: top, width: plotW, height: plotH)
    svg += xAxis(
      ticks: ticks(from: 0, to: Double(epochs)), at: px, baseline: top + plotH, left: left,
      width: plotW, label: epochLabel)
    svg += yAxis(
      ticks: lossTicks, at: pyLoss, edge: left, side: .left, top: top, height: plotH,
      label: lossLabel, colour: lossColour)
    if !accuracyPoints.isEmpty {
      let percent = stride(from: 0.0, through: 100, by: 20).map { Tick(value: $0, label: "\(Int($0))%") }
      svg += yAxis(
        ticks: percent, at: pyAccuracy, edge: left + plotW, side: .right, top: top, height: plotH,
        label: "accuracy (%)", colour: accuracyColour)
    }

    // The legend, in the margin above the plot so it hides nothing.
    let legendY = 48.0
    svg += "<path d=\"M\(left) \(legendY - 4)h26\" stroke=\"\(lossColour)\" stroke-width=\"2\"/>\n"
    svg += text("loss (left axis)", x: left + 32, y: legendY, size: 12)
    if !accuracyPoints.isEmpty {
      let x = left + 150
      svg += "<path d=\"M\(x) \(legendY - 4)h26\" stroke=\"\(accuracyColour)\" stroke-width=\"2\" stroke-dasharray=\"7,3\"/>\n"
      svg += text("accuracy (right axis)", x: x + 32, y: legendY, size: 12)
    }
    svg += "</svg>\n"
    return svg
  }

  // MARK: - Axes

  /// A tick: where it is, and what is written there.
  struct Tick: Equatable {
    var value: Double
    var label: String
  }

  /// About `count` evenly spaced ticks at round values (1, 2 or 5 × 10ᵏ
  /// apart) inside [lo, hi]; with `coverTop`, the last one is at or above
  /// `hi`. Labels have as many decimals as the spacing needs, and negative
  /// values a true minus sign.
  static func ticks(from lo: Double, to hi: Double, about count: Int = 6, coverTop: Bool = false)
    -> [Tick]
  {
    guard hi > lo, lo.isFinite, hi.isFinite else { return [Tick(value: lo, label: label(lo, decimals: 3))] }
    let raw = (hi - lo) / Double(Swift.max(count, 1))
    let magnitude = pow(10, (log10(raw)).rounded(.down))
    let residual = raw / magnitude
    let nice = residual < 1.5 ? 1.0 : residual < 3 ? 2.0 : residual < 7 ? 5.0 : 10.0
    let spacing = nice * magnitude
    let decimals = Swift.max(0, Int(-(log10(spacing)).rounded(.down)))
    let first = Int((lo / spacing - 1e-9).rounded(.up))
    let last = Int((hi / spacing + (coverTop ? -1e-9 : 1e-9)).rounded(coverTop ? .up : .down))
    guard first <= last else { return [] }
    return (first...last).map { k in
      let value = Double(k) * spacing
      return Tick(value: value, label: label(value, decimals: decimals))
    }
  }

  static func label(_ value: Double, decimals: Int) -> String {
    let text = String(format: "%.\(decimals)f", value)
    if text.allSatisfy({ $0 == "-" || $0 == "0" || $0 == "." }) { return String(text.drop { $0 == "-" }) }
    return text.replacingOccurrences(of: "-", with: "−")
  }

  enum Side { case left, right }

  static func frame(x: Double, y: Double, width: Double, height: Double) -> String {
    String(
      format: "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"none\" stroke=\"#444444\"/>\n",
      x, y, width, height)
  }

  /// Tick marks below `baseline`, their values under them, and `label`
  /// centred under those.
  static func xAxis(
    ticks: [Tick], at position: (Double) -> Double, baseline: Double, left: Double, width: Double,
    label: String
  ) -> String {
    var svg = "<g>\n"
    for tick in ticks {
      let x = position(tick.value)
      svg += String(format: "<path d=\"M%.2f %.2fv5\" stroke=\"#444444\"/>\n", x, baseline)
      svg += text(tick.label, x: x, y: baseline + 18, size: 11, anchor: "middle")
    }
    svg += text(escape(label), x: left + width / 2, y: baseline + 42, size: 13, anchor: "middle")
    return svg + "</g>\n"
  }

  /// Tick marks outside `edge` on `side`, their values beside them, and
  /// `label` turned a quarter beside those.
  static func yAxis(
    ticks: [Tick], at position: (Double) -> Double, edge: Double, side: Side, top: Double,
    height: Double, label: String, colour: String = "#000000"
  ) -> String {
    let sign = side == .left ? -1.0 : 1.0
    var svg = "<g>\n"
    for tick in ticks {
      let y = position(tick.value)
      svg += String(format: "<path d=\"M%.2f %.2fh%.0f\" stroke=\"#444444\"/>\n", edge, y, 5 * sign)
      svg += text(
        tick.label, x: edge + 8 * sign, y: y + 4, size: 11, anchor: side == .left ? "end" : "start",
        fill: colour)
    }
    let x = edge + 50 * sign
    let y = top + height / 2
    svg += String(
      format: "<text x=\"%.2f\" y=\"%.2f\" font-family=\"sans-serif\" font-size=\"13\" text-anchor=\"middle\" fill=\"%@\" transform=\"rotate(%.0f %.2f %.2f)\">%@</text>\n",
      x, y, colour, -90 * sign, x, y, escape(label))
    return svg + "</g>\n"
  }

  // MARK: - Text and files

  static func text(
    _ content: String, x: Double, y: Double, size: Double, anchor: String = "start",
    fill: String = "#000000"
  ) -> String {
    String(
      format: "<text x=\"%.2f\" y=\"%.2f\" font-family=\"sans-serif\" font-size=\"%g\" text-anchor=\"%@\" fill=\"%@\">%@</text>\n",
      x, y, size, anchor, fill, content)
  }

  static func header(width: Double, height: Double) -> String {
    String(
      format: """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f">
        <rect width="100%%" height="100%%" fill="white"/>

        """, width.rounded(.up), height.rounded(.up), width.rounded(.up), height.rounded(.up))
  }

  static func escape(_ s: String) -> String {
    s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
      .replacingOccurrences(of: ">", with: "&gt;")
  }

  /// Writes `text` to `path` atomically: a temporary file beside it, then a
  /// rename, so `path` is either as it was or complete. A failure is an
  /// ``OutputError`` naming `path` and the system's reason, and leaves no
  /// temporary file behind.
  static func write(_ text: String, to path: String) throws(OutputError) {
    let directory = (path as NSString).deletingLastPathComponent
    let name = (path as NSString).lastPathComponent
    let temporary = ((directory.isEmpty ? "." : directory) as NSString)
      .appendingPathComponent(".\(name).\(getpid()).tmp")
    func failure(_ doing: String) -> OutputError {
      let reason = String(cString: strerror(errno))
      return OutputError(description: "cannot write \(path): \(doing): \(reason)")
    }
    let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0o666)
    guard fd >= 0 else { throw failure("cannot create a file there") }
    let bytes = Array(text.utf8)
    var written = 0
    while written < bytes.count {
      let n = bytes.withUnsafeBytes { buffer in
        systemWrite(fd, buffer.baseAddress.map { $0 + written }, buffer.count - written)
      }
      if n < 0 {
        if errno == EINTR { continue }
        let error = failure("writing failed")
        close(fd)
        unlink(temporary)
        throw error
      }
      written += n
    }
    if close(fd) != 0 {
      let error = failure("writing failed")
      unlink(temporary)
      throw error
    }
    if rename(temporary, path) != 0 {
      let error = failure("cannot put the file in place")
      unlink(temporary)
      throw error
    }
  }
}

/// A folder or file the command's output cannot go to; its description is
/// one line that names the path and what is wrong (exit code 1).
struct OutputError: Error, CustomStringConvertible {
  var description: String
}

/// The C library's `write(2)`, out of reach by that name inside `SVGPlot`.
private func systemWrite(_ fd: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
  write(fd, bytes, count)
}
