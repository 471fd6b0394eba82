// The mean squared error of predictions on plain numbers, reported by
// `train` on its test rows and by `predict` on a file with targets.

/// The mean squared error of predictions on plain numbers (accuracy is the
/// library's `accuracy(outputs:targets:loss:)`).
enum Evaluation {
  static func meanSquaredError(_ outputs: [[Double]], _ targets: [[Double]]) -> Double {
    var total = 0.0
    var n = 0
    for (o, t) in zip(outputs, targets) {
      for (a, b) in zip(o, t) {
        total += (a - b) * (a - b)
        n += 1
      }
    }
    return n > 0 ? total / Double(n) : .nan
  }
}
