// The training loop `train(_:on:loss:optimizer:options:progress:)`: flat memory, the model's
// own tape, and every optimiser with every loss on small data sets (more in TrainerTests+*.swift).

import Backprop
import Foundation
import Testing

@Suite("Training loop")
struct TrainerTests {
  // MARK: Memory

  @Test("memory is flat: the tape holds the same nodes and bytes after 5 and after 200 epochs")
  func memoryIsFlat() throws {
    let tape = Tape()
    try tape.withCurrent {
      var rng = SeededGenerator(seed: 71)
      let data = try Dataset.twoMoons(count: 24, noise: 0.1, using: &rng).signedLabels()
      let model = MLP(inputSize: 2, layerSizes: [6, 6, 1], activation: .relu, seed: 71)
      #expect(model.parameters[0].tape === tape)
      var adam = try Adam(parameters: model.parameters, learningRate: 0.01)
      let options = TrainingOptions(epochs: 5, batchSize: 5, l2: 1e-4)
      try train(model, on: data, loss: .hinge, optimizer: &adam, options: options)
      let count = model.parameters[0].tape.count
      let bytes = model.parameters[0].tape.allocatedBytes
      #expect(count == model.parameterCount)
      var more = options
      more.epochs = 195
      try train(model, on: data, loss: .hinge, optimizer: &adam, options: more)
      #expect(adam.stepCount == 200 * 5)
      #expect(model.parameters[0].tape.count == count)
      #expect(model.parameters[0].tape.allocatedBytes == bytes)
    }
  }

  @Test("a model of another tape trains on its own tape and records nothing on the current one")
  func trainsOnTheModelsTape() throws {
    let own = Tape()
    let model = own.withCurrent {
      MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh, seed: 72)
    }
    let ownCount = own.count
    try Tape().withCurrent {
      let current = Tape.current
      let before = current.count
      let data = try linearData(count: 12, seed: 72)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
      let reports = try train(
        model, on: data, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 20, batchSize: 5))
      #expect(reports.last.map { $0.loss < reports[0].loss } == true)
      #expect(current.count == before)
      #expect(own.count == ownCount)
    }
  }

  // MARK: Every optimiser, every loss

  @Test(
    "every optimiser trains every kind of loss to a sensible result",
    arguments: TrainerOptimizerKind.allCases, TrainerProblem.allCases)
  func trainsToASensibleResult(optimizer: TrainerOptimizerKind, problem: TrainerProblem) throws {
    try Tape().withCurrent {
      let (data, loss, outputs) = try problem.make()
      let model = MLP(
        inputSize: 2, layerSizes: [8, outputs], activation: .tanh,
        outputActivation: loss == .binaryCrossEntropy ? .sigmoid : .linear, seed: 81)
      let initialLoss = Tape.scope { loss(data.features.map { model($0) }, data.targets).data }
      let options = TrainingOptions(epochs: problem.epochs, batchSize: 10, seed: 82)
      let reports: [EpochReport]
      switch optimizer {
      case .sgd:
        var o = try SGD(parameters: model.parameters, learningRate: 0.2)
        reports = try train(model, on: data, loss: loss, optimizer: &o, options: options)
      case .momentum:
        var o = try SGD(parameters: model.parameters, learningRate: 0.05, momentum: 0.9)
        reports = try train(model, on: data, loss: loss, optimizer: &o, options: options)
      case .nesterov:
        var o = try SGD(
          parameters: model.parameters, learningRate: 0.05, momentum: 0.9, nesterov: true)
        reports = try train(model, on: data, loss: loss, optimizer: &o, options: options)
      case .adagrad:
        var o = try Adagrad(parameters: model.parameters, learningRate: 0.3)
        reports = try train(model, on: data, loss: loss, optimizer: &o, options: options)
      case .adam:
        var o = try Adam(parameters: model.parameters, learningRate: 0.02)
        reports = try train(model, on: data, loss: loss, optimizer: &o, options: options)
      case .adamW:
        var o = try AdamW(parameters: model.parameters, learningRate: 0.02, weightDecay: 0.01)
        reports = try train(model, on: data, loss: loss, optimizer: &o, options: options)
      }
      #expect(reports.count == problem.epochs)
      let last = try #require(reports.last)
      let finalLoss = Tape.scope { loss(data.features.map { model($0) }, data.targets).data }
      #expect(finalLoss < 0.5 * initialLoss, "loss \(finalLoss) from \(initialLoss)")
      if let target = problem.accuracy {
        let predictions = data.features.map { model.predict($0) }
        let correct = zip(predictions, data.targets).filter {
          loss.isCorrect(output: $0, target: $1) == true
        }.count
        let accuracy = Double(correct) / Double(data.count)
        #expect(accuracy >= target, "accuracy \(accuracy)")
        #expect(last.accuracy.map { $0 >= target - 0.1 } == true)
      } else {
        #expect(last.accuracy == nil)
        #expect(finalLoss < 0.05 * initialLoss, "MSE \(finalLoss) from \(initialLoss)")
      }
    }
  }
}

/// The optimisers of the package, with settings that suit small problems.
enum TrainerOptimizerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case sgd, momentum, nesterov, adagrad, adam, adamW
  var testDescription: String { rawValue }
}

/// A small generated data set with the loss that suits it.
enum TrainerProblem: String, CaseIterable, Sendable, CustomTestStringConvertible {
  /// Two moons, −1/+1 labels, hinge loss.
  case moonsHinge
  /// XOR, 0/1 labels, binary cross-entropy from a logit.
  case xorBCELogits
  /// Circles, 0/1 labels, binary cross-entropy of a sigmoid output.
  case circlesBCE
  /// Three standardized blobs, class indices, softmax cross-entropy.
  case blobsSoftmax
  /// Three blobs with one-hot targets, softmax cross-entropy.
  case blobsOneHot
  /// A smooth regression, mean squared error.
  case regressionMSE

  var testDescription: String { rawValue }

  var epochs: Int {
    switch self {
    case .moonsHinge: 60
    case .circlesBCE: 100
    default: 40
    }
  }

  /// The accuracy to reach, or nil for the regression.
  var accuracy: Double? {
    switch self {
    case .moonsHinge: 0.9
    case .xorBCELogits: 0.95
    case .circlesBCE: 0.9
    case .blobsSoftmax, .blobsOneHot: 0.95
    case .regressionMSE: nil
    }
  }

  /// The data, the loss and the model's output count.
  func make() throws -> (Dataset, Loss, Int) {
    var rng = SeededGenerator(seed: 90)
    switch self {
    case .moonsHinge:
      return (try Dataset.twoMoons(count: 60, noise: 0.1, using: &rng).signedLabels(), .hinge, 1)
    case .xorBCELogits:
      return (Dataset.xor(count: 40, noise: 0.15, using: &rng), .binaryCrossEntropyWithLogits, 1)
    case .circlesBCE:
      return (Dataset.circles(count: 60, noise: 0.05, using: &rng), .binaryCrossEntropy, 1)
    case .blobsSoftmax, .blobsOneHot:
      let blobs = Dataset.blobs(count: 60, classes: 3, spread: 1, using: &rng)
      let scaled = Standardizer(fitting: blobs)(blobs)
      let data = self == .blobsOneHot ? try scaled.oneHotEncoded() : scaled
      return (data, .softmaxCrossEntropy, 3)
    case .regressionMSE:
      var features: [[Double]] = []
      var labels: [Double] = []
      for _ in 0..<40 {
        let x = [rng.nextUniform(in: -1.5, 1.5), rng.nextUniform(in: -1.5, 1.5)]
        features.append(x)
        labels.append(sin(x[0]) + 0.5 * x[1] * x[1] - 0.5)
      }
      return (try Dataset(features: features, labels: labels), .meanSquaredError, 1)
    }
  }
}
