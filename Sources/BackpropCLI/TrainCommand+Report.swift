// What `train` prints about its progress: a line per epoch (kept or live)
// and, at the end, the training loss and the result on the test rows.

import Backprop
import Foundation

extension TrainCommand {
  /// Prints epoch `r`'s line: kept for the first and the last epoch and
  /// every `every`-th, live (replaced by the next line on a terminal) otherwise.
  static func report(_ r: EpochReport, of epochs: Int, keepingEvery every: Int) {
    let accuracy = r.accuracy.map { String(format: "  accuracy %5.1f%%", 100 * $0) } ?? ""
    let line = "  epoch \(r.epoch)/\(epochs)  loss \(formatNumber(r.loss))" + accuracy
    if r.epoch == 1 || r.epoch % every == 0 || r.epoch == epochs {
      // A kept line: on a terminal it replaces the live one.
      if stdoutIsTerminal { sayLive(line, done: true) } else { say(line) }
    } else {
      sayLive(line)
    }
  }

  /// Prints the final training loss (and accuracy) and, with test rows, the
  /// test accuracy of a classifier or the test mean squared error.
  static func reportResult(of history: [EpochReport], model: some TrainableModel, test: Dataset?, loss: Loss) throws {
    if let last = history.last {
      let accuracy = last.accuracy.map { String(format: ", training accuracy %.1f%%", 100 * $0) } ?? ""
      say("final training loss \(formatNumber(last.loss))" + accuracy)
    }
    if let test {
      let outputs = test.features.map { model.predictions($0) }
      if let accuracy = try accuracy(outputs: outputs, targets: test.targets, loss: loss) {
        say(String(format: "test accuracy %.1f%% on %d rows", 100 * accuracy, test.count))
      } else {
        let error = Evaluation.meanSquaredError(outputs, test.targets)
        say("test mean squared error \(formatNumber(error)) on \(test.count) rows")
      }
    }
  }
}
