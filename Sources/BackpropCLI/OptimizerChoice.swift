// The optimiser chosen on the command line: its names, the optimiser each
// name makes with its default learning rate, and the training loop run with it.

import Backprop

extension TrainCommand {
  static let optimizerNames = ["sgd", "gd", "momentum", "nesterov", "adagrad", "adam", "adamw"]
}

/// An optimiser chosen on the command line.
enum AnyOptimizer {
  case sgd(SGD)
  case adagrad(Adagrad)
  case adam(Adam)
  case adamW(AdamW)

  var name: String {
    switch self {
    case .sgd(let o): o.momentum > 0 ? (o.nesterov ? "nesterov" : "momentum") : "sgd"
    case .adagrad: "adagrad"
    case .adam: "adam"
    case .adamW: "adamw"
    }
  }

  var state: OptimizerState {
    switch self {
    case .sgd(let o): o.state
    case .adagrad(let o): o.state
    case .adam(let o): o.state
    case .adamW(let o): o.state
    }
  }

  mutating func restore(from state: OptimizerState) throws {
    switch self {
    case .sgd(var o):
      try o.restore(from: state)
      self = .sgd(o)
    case .adagrad(var o):
      try o.restore(from: state)
      self = .adagrad(o)
    case .adam(var o):
      try o.restore(from: state)
      self = .adam(o)
    case .adamW(var o):
      try o.restore(from: state)
      self = .adamW(o)
    }
  }

  /// Trains, calling `afterEpoch` with each epoch's report and the
  /// optimiser's state then.
  mutating func train(
    _ model: MLP, on data: Dataset, loss: Loss, options: TrainingOptions,
    afterEpoch: (EpochReport, OptimizerState) throws -> TrainingControl
  ) throws -> [EpochReport] {
    switch self {
    case .sgd(var o):
      defer { self = .sgd(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options) {
        try afterEpoch($0, $1.state)
      }
    case .adagrad(var o):
      defer { self = .adagrad(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options) {
        try afterEpoch($0, $1.state)
      }
    case .adam(var o):
      defer { self = .adam(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options) {
        try afterEpoch($0, $1.state)
      }
    case .adamW(var o):
      defer { self = .adamW(o) }
      return try Backprop.train(model, on: data, loss: loss, optimizer: &o, options: options) {
        try afterEpoch($0, $1.state)
      }
    }
  }
}

/// `sgd`, `momentum`, `nesterov`, `adagrad`, `adam` or `adamw`, with its
/// default learning rate unless one is given.
func makeOptimizer(_ name: String, parameters: [Value], learningRate: Double?) throws -> AnyOptimizer {
  switch name.lowercased() {
  case "sgd", "gd":
    return .sgd(try SGD(parameters: parameters, learningRate: learningRate ?? 0.1))
  case "momentum":
    return .sgd(try SGD(parameters: parameters, learningRate: learningRate ?? 0.05, momentum: 0.9))
  case "nesterov":
    return .sgd(try SGD(parameters: parameters, learningRate: learningRate ?? 0.05, momentum: 0.9, nesterov: true))
  case "adagrad":
    return .adagrad(try Adagrad(parameters: parameters, learningRate: learningRate ?? 0.1))
  case "adam":
    return .adam(try Adam(parameters: parameters, learningRate: learningRate ?? 0.01))
  case "adamw":
    return .adamW(try AdamW(parameters: parameters, learningRate: learningRate ?? 0.01))
  default:
    throw UsageError(description: "unknown optimizer '\(name)'; try sgd, momentum, nesterov, adagrad, adam, adamw")
  }
}
