// The optimiser chosen on the command line: its names, the optimiser each
// name makes with its default learning rate, and the training loop run with it.

import Backprop

extension TrainCommand {
  static let optimizerNames = ["sgd", "gd", "momentum", "nesterov", "adagrad", "adam", "adamw"]
}

/// An optimiser chosen on the command line: any of the library's, through
/// the `Optimizer` protocol, so that nothing here lists them but
/// ``makeOptimizer(_:parameters:learningRate:)``.
struct AnyOptimizer {
  /// The optimiser itself.
  private var base: any Optimizer

  init(_ base: any Optimizer) { self.base = base }

  /// `sgd`, `momentum` or `nesterov` for SGD (by its momentum), else the
  /// kind its state is saved as: `adagrad`, `adam` or `adamw`.
  var name: String {
    if let sgd = base as? SGD {
      return sgd.momentum > 0 ? (sgd.nesterov ? "nesterov" : "momentum") : "sgd"
    }
    return base.state.kind
  }

  var state: OptimizerState { base.state }

  mutating func restore(from state: OptimizerState) throws {
    try base.restore(from: state)
  }

  /// Trains, calling `afterEpoch` with each epoch's report and the
  /// optimiser's state then.
  mutating func train(
    _ model: some Model, on data: Dataset, loss: Loss, options: TrainingOptions,
    afterEpoch: (EpochReport, OptimizerState) throws -> TrainingControl
  ) throws -> [EpochReport] {
    try Self.train(
      &base, model, on: data, loss: loss, options: options, afterEpoch: afterEpoch)
  }

  /// ``train(_:on:loss:options:afterEpoch:)`` with the optimiser's type opened.
  private static func train(
    _ optimizer: inout some Optimizer, _ model: some Model, on data: Dataset, loss: Loss,
    options: TrainingOptions, afterEpoch: (EpochReport, OptimizerState) throws -> TrainingControl
  ) throws -> [EpochReport] {
    try Backprop.train(model, on: data, loss: loss, optimizer: &optimizer, options: options) {
      try afterEpoch($0, $1.state)
    }
  }
}

/// `sgd`, `momentum`, `nesterov`, `adagrad`, `adam` or `adamw`, with its
/// default learning rate unless one is given.
func makeOptimizer(_ name: String, parameters: [Value], learningRate: Double?) throws -> AnyOptimizer {
  let optimizer: any Optimizer
  switch name.lowercased() {
  case "sgd", "gd":
    optimizer = try SGD(parameters: parameters, learningRate: learningRate ?? 0.1)
  case "momentum":
    optimizer = try SGD(parameters: parameters, learningRate: learningRate ?? 0.05, momentum: 0.9)
  case "nesterov":
    optimizer = try SGD(parameters: parameters, learningRate: learningRate ?? 0.05, momentum: 0.9, nesterov: true)
  case "adagrad":
    optimizer = try Adagrad(parameters: parameters, learningRate: learningRate ?? 0.1)
  case "adam":
    optimizer = try Adam(parameters: parameters, learningRate: learningRate ?? 0.01)
  case "adamw":
    optimizer = try AdamW(parameters: parameters, learningRate: learningRate ?? 0.01)
  default:
    throw UsageError(description: "unknown optimizer '\(name)'; try sgd, momentum, nesterov, adagrad, adam, adamw")
  }
  return AnyOptimizer(optimizer)
}
