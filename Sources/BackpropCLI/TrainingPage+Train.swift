// `backprop train --html FILE`: the training page of a CSV run, made from
// the run's reports and the parameters kept at the start of each epoch shown.

import Backprop
import Foundation

extension TrainingPage {
  /// The page of a `train` run: for an MLP on 2 features that classifies,
  /// the decision boundary and the point graphs; otherwise the curves and
  /// the gradient norms, with a sentence saying why there is no boundary.
  ///
  /// - Parameters:
  ///   - model: The trained model (an MLP gets the boundary and the graphs).
  ///   - rows: The training rows as read (not standardised).
  ///   - standardizer: What the model's inputs are made of the rows, if anything.
  ///   - frames: The epochs shown (``TrainingPageRecorder/frames(_:)``).
  static func trainRun(
    model: some TrainableModel, path: String, rows: Dataset, standardizer: Standardizer?,
    loss: Loss, l2: Double, optimizerName: String, batchSize: Int?, epochs: Int,
    frames: [TrainingPageFrame]
  ) -> TrainingPageRun {
    let mlp = model as? MLP
    let batches =
      batchSize.map { "mini-batches of \($0) rows, shuffled each epoch" } ?? "full batch (one update per epoch)"
    let penalty = l2 > 0 ? " + \(formatNumber(l2))·Σp²" : ""
    var description = [
      "backprop train on \(path): \(model) with \(model.parameterCount) parameters on \(rows.count) rows, "
        + "loss \(loss)\(penalty), optimiser \(optimizerName), \(batches), \(epochs) epochs.",
      "Epoch k shows the parameters at the start of the epoch; its loss, accuracy and gradient norms are the "
        + "epoch's report (with mini-batches, the means over its updates)."
    ]
    if standardizer != nil {
      description.append(
        "The model's inputs are the features standardised (mean 0, standard deviation 1 on the training rows); "
          + "the boundary is drawn over the features as read.")
    }
    // An MLP's layers by width and activation; other models' parameter
    // groups by number, as the reports' norms count them.
    let layerNames =
      mlp.map(TrainingPageRun.layerNames(of:))
      ?? (frames.first?.report.layerGradientNorms.indices.map { "layer \($0 + 1)" } ?? [])
    let scaling = standardizer
    return TrainingPageRun(
      title: "backprop train: \((path as NSString).lastPathComponent), epoch by epoch",
      description: description, stepName: "epoch", lossLabel: "loss (\(loss)\(penalty))",
      frames: frames, totalEpochs: epochs, lossText: { formatNumber($0) }, loss: loss,
      layerNames: layerNames,
      network: mlp, features: rows.features, targets: rows.targets,
      prepare: { scaling?($0) ?? $0 }, inputName: scaling == nil ? "inputs" : "inputs (standardised)",
      classNames: rows.classNames)
  }

  /// Stops before training when keeping the parameters of every epoch the
  /// page shows would take too much memory.
  static func checkRecording(parameterCount: Int, frames: Int) throws {
    guard parameterCount * frames > maxRecordedValues else { return }
    throw DataProblem(
      description:
        "--html keeps the parameters of each of the \(frames) epochs it shows: \(parameterCount) parameters "
        + "are too many (at most \(maxRecordedValues / Swift.max(1, frames)))")
  }
}
