// What the training page is made from: a run's epoch reports, the parameters
// at the start of each epoch it shows, and how to read its data.

import Backprop
import Foundation

/// A training run as the training page (`backprop demo --html`,
/// `backprop train --html FILE`) shows it.
///
/// The page's frames are epochs (for the demo, full-batch steps): frame k
/// shows epoch k as the training loop saw it, with the parameters at the
/// *start* of the epoch (after k − 1 updates), so that its loss, accuracy
/// and gradient norms are the epoch's report — the numbers the command
/// prints for epoch k — and its point graphs hold the gradients that
/// epoch's first update used. Frame 1 shows the initial model.
struct TrainingPageRun {
  /// The page's title and heading.
  var title: String
  /// Sentences about the run, one paragraph each (the model, the data, the
  /// loss and the optimiser).
  var description: [String]
  /// What a frame is called: "step" for the demo, "epoch" for `train`.
  var stepName: String
  /// The loss curve's axis label, e.g. "loss (hinge + 1e-4·Σp²)".
  var lossLabel: String
  /// The epochs shown, in order, with the parameters at their start.
  var frames: [TrainingPageFrame]
  /// The number of epochs of the whole run (the last frame's epoch).
  var totalEpochs: Int
  /// The loss as the command prints it (the page shows the same digits).
  var lossText: (Double) -> String
  /// The loss the model was trained with (per point: ``Loss/callAsFunction(_:_:)-([[Value]],_)``
  /// of one example).
  var loss: Loss
  /// One name per layer of the model, input side first ("layer 1: 16 relu").
  var layerNames: [String]
  /// The model, for the decision boundary and the point graphs; `nil` when
  /// the page shows only the curves and the gradient norms.
  var network: MLP?
  /// The rows' features as read (the boundary's coordinates).
  var features: [[Double]]
  /// The rows' targets, as the loss takes them.
  var targets: [[Double]]
  /// What the model's input is for a row of features (the standardisation
  /// of `train`; the identity for the demo).
  var prepare: @Sendable ([Double]) -> [Double] = { $0 }
  /// What the point graph calls the model's inputs ("inputs", or
  /// "inputs (standardised)" when ``prepare`` standardises them).
  var inputName = "inputs"
  /// The classes' names, index by index (for the legend and the points).
  var classNames: [String]?
}

/// One frame of the page: an epoch's report and the parameters at its start.
struct TrainingPageFrame {
  var report: EpochReport
  /// The model's parameter values at the start of the epoch (``Module/parameterValues``).
  var parameters: [Double]
}

/// Chooses the epochs a page shows (all of them up to `maxFrames`, else
/// every n-th and the last) and keeps the parameters at the start of each.
///
///     var recorder = TrainingPageRecorder(firstEpoch: 1, lastEpoch: 100)
///     recorder.willStart(epoch: 1, parameters: model.parameterValues)
///     let history = try train(…) { report in
///       recorder.willStart(epoch: report.epoch + 1, parameters: model.parameterValues)
///     }
///     let frames = recorder.frames(history)
struct TrainingPageRecorder {
  /// The first and the last epoch of the run.
  let firstEpoch: Int
  let lastEpoch: Int
  /// A frame every `every` epochs (counted from the first), and the last.
  let every: Int
  /// The kept parameters, by epoch.
  private(set) var snapshots: [Int: [Double]] = [:]

  /// The frames of epochs `firstEpoch…lastEpoch`, at most about `maxFrames`.
  init(firstEpoch: Int, lastEpoch: Int, maxFrames: Int = 100) {
    self.firstEpoch = firstEpoch
    self.lastEpoch = lastEpoch
    let count = Swift.max(1, lastEpoch - firstEpoch + 1)
    every = Swift.max(1, (count + maxFrames - 1) / maxFrames)
  }

  /// Whether the page shows `epoch`.
  func keeps(_ epoch: Int) -> Bool {
    epoch >= firstEpoch && epoch <= lastEpoch
      && ((epoch - firstEpoch) % every == 0 || epoch == lastEpoch)
  }

  /// Keeps `parameters` (read only when the page shows `epoch`) as those at
  /// the start of `epoch`.
  mutating func willStart(epoch: Int, parameters: @autoclosure () -> [Double]) {
    if keeps(epoch) { snapshots[epoch] = parameters() }
  }

  /// The frames of the epochs kept, with their reports from `history`.
  func frames(_ history: [EpochReport]) -> [TrainingPageFrame] {
    history.compactMap { report in
      snapshots[report.epoch].map { TrainingPageFrame(report: report, parameters: $0) }
    }
  }
}

extension TrainingPageRun {
  /// The names of `model`'s layers for the page: "layer 1: 16 relu", ….
  static func layerNames(of model: MLP) -> [String] {
    model.layers.enumerated().map { i, layer in
      "layer \(i + 1): \(layer.outputSize) \(layer.activation)"
    }
  }

  /// The class (from 0) of a row's target, as the legend counts them: for
  /// one signed output (hinge) −1 is class 0 and +1 class 1; for 0/1
  /// targets the label; for a one-hot row its largest entry. `nil` for a
  /// regression loss.
  func classIndex(ofTarget target: [Double]) -> Int? {
    guard loss.classifies else { return nil }
    if target.count == 1 {
      if loss == .hinge { return target[0] > 0 ? 1 : 0 }
      return Int(target[0])
    }
    return target.indices.max { target[$0] < target[$1] }
  }

  /// The class a model's output predicts and how sure it is (the margin:
  /// |score|, |logit|, or the gap between the two largest logits), by the
  /// same rule as the accuracy; `nil` for a regression loss.
  func decision(_ output: [Double]) -> (classIndex: Int, margin: Double)? {
    guard loss.classifies, let first = output.first else { return nil }
    switch loss {
    case .hinge, .binaryCrossEntropyWithLogits:
      return (first > 0 ? 1 : 0, abs(first))
    case .binaryCrossEntropy:
      let p = Swift.min(Swift.max(first, 1e-12), 1 - 1e-12)
      return (first >= 0.5 ? 1 : 0, abs(log(p / (1 - p))))
    default:
      guard let best = output.indices.max(by: { output[$0] < output[$1] }) else { return nil }
      let runnerUp = output.indices.filter { $0 != best }.map { output[$0] }.max() ?? output[best]
      return (best, output[best] - runnerUp)
    }
  }

  /// The names of the classes: the data's, or "class −1"/"class +1" for
  /// hinge targets, "class 0", "class 1", … otherwise.
  var classLabels: [String] {
    if let classNames { return classNames }
    let count = network?.outputSize == 1 ? 2 : (network?.outputSize ?? 2)
    if loss == .hinge { return ["class −1", "class +1"] }
    return (0..<count).map { "class \($0)" }
  }
}
