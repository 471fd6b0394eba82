// Training runs refused before any change: wrong data, labels, options and optimisers (the
// InvalidTrainingRun cases), and an optimiser holding another tape's parameters.

import Backprop
import Foundation
import Testing

// MARK: - Invalid runs

/// A training run that must be refused before any change.
enum InvalidTrainingRun: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case widerFeatures, narrowerFeatures
  case bceLabelTwo, hingeZeroOneLabels, classIndexOutOfRange, fractionalClassIndex
  case bceWithTwoOutputs, regressionTargetTooWide
  case zeroEpochs, negativeEpochs, zeroBatchSize, negativeBatchSize
  case negativeL2, nanL2, infiniteL2, negativeTolerance
  case optimizerOfAnotherModel, optimizerMissingAParameter, optimizerInAnotherOrder

  var testDescription: String { rawValue }

  /// The model's output count.
  var outputs: Int {
    switch self {
    case .classIndexOutOfRange, .fractionalClassIndex: 3
    case .bceWithTwoOutputs: 2
    default: 1
    }
  }

  var loss: Loss {
    switch self {
    case .bceLabelTwo, .bceWithTwoOutputs: .binaryCrossEntropyWithLogits
    case .hingeZeroOneLabels: .hinge
    case .classIndexOutOfRange, .fractionalClassIndex: .softmaxCrossEntropy
    default: .meanSquaredError
    }
  }

  func data() throws -> Dataset {
    let x: [[Double]] = [
      [0.1, 0.2], [0.3, -0.4], [-0.5, 0.6], [0.7, 0.8], [-0.9, -1.0], [1.1, 0],
    ]
    switch self {
    case .widerFeatures:
      return try Dataset(features: x.map { $0 + [1] }, labels: [0, 1, 0, 1, 0, 1])
    case .narrowerFeatures:
      return try Dataset(features: x.map { [$0[0]] }, labels: [0, 1, 0, 1, 0, 1])
    case .bceLabelTwo:
      return try Dataset(features: x, labels: [0, 1, 1, 0, 2, 1])
    case .hingeZeroOneLabels:
      return try Dataset(features: x, labels: [1, -1, 0, 1, -1, 1])
    case .classIndexOutOfRange:
      return try Dataset(features: x, labels: [0, 1, 2, 1, 3, 0])
    case .fractionalClassIndex:
      return try Dataset(features: x, labels: [0, 1.5, 2, 1, 0, 0])
    case .regressionTargetTooWide:
      return try Dataset(features: x, targets: x.map { [$0[0], $0[1]] })
    default:
      return try Dataset(features: x, labels: [0, 1, 0, 1, 0, 1])
    }
  }

  var options: TrainingOptions {
    switch self {
    case .zeroEpochs: TrainingOptions(epochs: 0)
    case .negativeEpochs: TrainingOptions(epochs: -3)
    case .zeroBatchSize: TrainingOptions(epochs: 2, batchSize: 0)
    case .negativeBatchSize: TrainingOptions(epochs: 2, batchSize: -2)
    case .negativeL2: TrainingOptions(epochs: 2, l2: -0.1)
    case .nanL2: TrainingOptions(epochs: 2, l2: .nan)
    case .infiniteL2: TrainingOptions(epochs: 2, l2: .infinity)
    case .negativeTolerance: TrainingOptions(epochs: 2, gradientNormTolerance: -1)
    default: TrainingOptions(epochs: 2, batchSize: 2)
    }
  }

  /// Whether `error` is the one this run must throw.
  func matches(_ error: TrainingError, parameterCount n: Int) -> Bool {
    switch (self, error) {
    case (.widerFeatures, .sizeMismatch(_, 2, 3)), (.narrowerFeatures, .sizeMismatch(_, 2, 1)):
      return true
    case (.bceLabelTwo, .labelOutOfRange(4, 2, 2)):
      return true
    case (.hingeZeroOneLabels, .invalidLabel(2, 0, let allowed)):
      return allowed == [-1, 1]
    case (.classIndexOutOfRange, .labelOutOfRange(4, 3, 3)),
      (.fractionalClassIndex, .labelOutOfRange(1, 1.5, 3)):
      return true
    case (.bceWithTwoOutputs, .sizeMismatch(_, 1, 2)):
      return true
    case (.regressionTargetTooWide, .sizeMismatch(let what, 1, 2)):
      return what.contains("row 0")
    case (.zeroEpochs, .invalidHyperparameter(let name, 0, _)),
      (.negativeEpochs, .invalidHyperparameter(let name, -3, _)):
      return name.contains("epoch")
    case (.zeroBatchSize, .invalidHyperparameter(let name, 0, _)),
      (.negativeBatchSize, .invalidHyperparameter(let name, -2, _)):
      return name.contains("batch")
    case (.negativeL2, .invalidHyperparameter(let name, -0.1, _)),
      (.infiniteL2, .invalidHyperparameter(let name, .infinity, _)):
      return name == "l2"
    case (.nanL2, .invalidHyperparameter(let name, let value, _)):
      return name == "l2" && value.isNaN
    case (.negativeTolerance, .invalidHyperparameter(let name, -1, _)):
      return name.contains("tolerance")
    case (.optimizerOfAnotherModel, .optimizerMismatch(let reason)):
      return reason.contains("\(n) parameters, as many as the model, but not the model's own")
    case (.optimizerInAnotherOrder, .optimizerMismatch(let reason)):
      return reason.contains("the model's \(n) parameters but in another order")
    case (.optimizerMissingAParameter, .optimizerMismatch(let reason)):
      return reason.contains("it holds \(n - 1) parameters but the model has \(n)")
    default:
      return false
    }
  }
}

extension TrainerTests {
  // MARK: Validation before any change

  @Test(
    "an invalid run throws a typed error and changes nothing: parameters, gradients, optimiser",
    arguments: InvalidTrainingRun.allCases)
  func invalidRunChangesNothing(_ run: InvalidTrainingRun) throws {
    try Tape().withCurrent {
      let model = MLP(inputSize: 2, layerSizes: [3, run.outputs], activation: .tanh, seed: 3)
      let other = MLP(inputSize: 2, layerSizes: [3, run.outputs], activation: .tanh, seed: 4)
      for (i, p) in model.parameters.enumerated() { p.grad = 0.25 * Double(i) - 1 }
      let held: [Value] =
        switch run {
        case .optimizerOfAnotherModel: other.parameters
        case .optimizerMissingAParameter: Array(model.parameters.dropLast())
        case .optimizerInAnotherOrder: model.parameters.reversed()
        default: model.parameters
        }
      var sgd = try SGD(parameters: held, learningRate: 0.1, momentum: 0.9)
      let values = bits(model.parameterValues)
      let gradients = bits(model.parameterGradients)
      let otherValues = bits(other.parameterValues)
      let state = sgd.state
      let data = try run.data()
      var calls = 0
      let error = #expect(throws: TrainingError.self) {
        try train(model, on: data, loss: run.loss, optimizer: &sgd, options: run.options) { _ in
          calls += 1
        }
      }
      if let error {
        #expect(run.matches(error, parameterCount: model.parameterCount), "\(error)")
      }
      #expect(bits(model.parameterValues) == values)
      #expect(bits(model.parameterGradients) == gradients)
      #expect(bits(other.parameterValues) == otherValues)
      #expect(sgd.stepCount == 0)
      #expect(sgd.state == state)
      #expect(calls == 0)
    }
  }

  /// Two models built the same way on two fresh tapes have parameters with
  /// the same node indices: only their tapes tell them apart.
  @Test("an optimiser holding the same-numbered parameters of another tape is refused")
  func optimizerOfAnotherTapeIsRefused() throws {
    let tapeA = Tape()
    let tapeB = Tape()
    let model = tapeA.withCurrent {
      MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 3)
    }
    let twin = tapeB.withCurrent {
      MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 3)
    }
    #expect(model.parameters.map(\.id) == twin.parameters.map(\.id))
    let data = try InvalidTrainingRun.optimizerOfAnotherModel.data()
    var sgd = try SGD(parameters: twin.parameters, learningRate: 0.1, momentum: 0.9)
    let values = bits(model.parameterValues)
    let twinValues = bits(twin.parameterValues)
    let error = #expect(throws: TrainingError.self) {
      try train(
        model, on: data, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 3))
    }
    if let error {
      guard case .optimizerMismatch(let reason) = error, reason.contains("not the model's own")
      else {
        Issue.record("unexpected \(error)")
        return
      }
    }
    #expect(sgd.stepCount == 0)
    #expect(bits(model.parameterValues) == values)
    #expect(bits(twin.parameterValues) == twinValues)
  }
}
