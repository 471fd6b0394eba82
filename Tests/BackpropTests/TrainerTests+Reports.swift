// The training loop's progress reports, vanishing gradients seen in them (seed 002), and the
// gradient-norm stopping rule (seed 002).

import Backprop
import Foundation
import Testing

extension TrainerTests {
  // MARK: Progress reports

  @Test(
    "progress: once per epoch, epochs 1…N, no accuracy for regression, the scheduled rate",
    arguments: [
      LearningRateSchedule.constant, .inverseTime, .linearDecay(final: 0.01, steps: 10),
      .stepDecay(factor: 0.5, every: 5),
    ], [Loss.meanSquaredError, .sumOfSquaredErrors, .halfMeanSquaredError])
  func progressReports(schedule: LearningRateSchedule, loss: Loss) throws {
    try Tape().withCurrent {
      let data = try linearData(count: 10, seed: 15)
      let model = MLP(inputSize: 2, layerSizes: [4, 3, 1], activation: .tanh, seed: 15)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.05, schedule: schedule)
      var seen: [EpochReport] = []
      let reports = try train(
        model, on: data, loss: loss, optimizer: &sgd,
        options: TrainingOptions(epochs: 6, batchSize: 3, seed: 2)
      ) { seen.append($0) }
      #expect(seen == reports)
      #expect(reports.map(\.epoch) == Array(1...6))
      #expect(reports.map(\.iterations) == [4, 8, 12, 16, 20, 24])
      for report in reports {
        #expect(report.accuracy == nil)
        #expect(report.loss.isFinite && report.loss >= 0)
        #expect(report.layerGradientNorms.count == 3)
        #expect(report.layerGradientNorms.allSatisfy { $0.isFinite && $0 >= 0 })
        // The rate of the epoch's last update, step k = 4e − 1.
        let k = 4 * report.epoch - 1
        #expect(report.learningRate == schedule.rate(base: 0.05, step: k))
        if schedule == .inverseTime {
          #expect(report.learningRate == 0.05 / Double(4 * report.epoch))
        }
      }
      #expect(reports.map(\.learningRate).last == sgd.schedule.rate(base: 0.05, step: 23))
    }
  }

  @Test(
    "epoch 1 of a full batch reports the initial model's loss, accuracy and gradient norms",
    arguments: [Loss.hinge, .binaryCrossEntropyWithLogits, .softmaxCrossEntropy])
  func firstReportDescribesTheInitialModel(loss: Loss) throws {
    try Tape().withCurrent {
      var rng = SeededGenerator(seed: 41)
      let data: Dataset
      let outputs: Int
      switch loss {
      case .hinge:
        data = try Dataset.twoMoons(count: 30, noise: 0.2, using: &rng).signedLabels()
        outputs = 1
      case .softmaxCrossEntropy:
        data = Dataset.spirals(count: 30, classes: 3, noise: 0.05, using: &rng)
        outputs = 3
      default:
        data = Dataset.xor(count: 30, noise: 0.3, using: &rng)
        outputs = 1
      }
      let model = MLP(inputSize: 2, layerSizes: [5, outputs], activation: .relu, seed: 42)
      let predictions = data.features.map { model.predict($0) }
      let correct = zip(predictions, data.targets).filter {
        loss.isCorrect(output: $0, target: $1) == true
      }.count
      let initialLoss = Tape.scope { loss(data.features.map { model($0) }, data.targets).data }
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.01)
      let reports = try train(
        model, on: data, loss: loss, optimizer: &sgd, options: TrainingOptions(epochs: 1))
      let report = try #require(reports.first)
      #expect(report.accuracy == Double(correct) / Double(data.count))
      expectWithin(report.loss, initialLoss, 1e-14 * initialLoss)
      // The gradients are left at the step's (plain SGD does not touch them).
      #expect(report.gradientNorm == gradientNorm(model.parameters))
      #expect(report.layerGradientNorms == model.layers.map { gradientNorm($0.parameters) })
      #expect(report.learningRate == 0.01)
    }
  }

  // MARK: Vanishing gradients (seed 002)

  @Test("a deep sigmoid network's gradient norms shrink towards the input layer")
  func vanishingGradientsAreVisible() throws {
    try Tape().withCurrent {
      var rng = SeededGenerator(seed: 51)
      let data = Dataset.twoMoons(count: 40, noise: 0.1, using: &rng)
      let model = MLP(
        inputSize: 2, layerSizes: Array(repeating: 4, count: 8) + [1], activation: .sigmoid,
        seed: 51)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
      let reports = try train(
        model, on: data, loss: .binaryCrossEntropyWithLogits, optimizer: &sgd,
        options: TrainingOptions(epochs: 1))
      let norms = reports[0].layerGradientNorms
      #expect(norms.count == 9)
      #expect(norms.allSatisfy { $0 > 0 && $0.isFinite })
      // Each sigmoid layer multiplies the back-propagated error by σ' ≤ 1/4.
      #expect(norms[0] < 1e-3 * norms[8], "\(norms)")
      #expect(zip(norms, norms.dropFirst()).allSatisfy { $0 < $1 }, "\(norms)")
    }
  }

  // MARK: The gradient-norm stopping rule (seed 002)

  @Test("the gradient-norm rule ends training at the first epoch whose gradient is small")
  func gradientNormRuleStopsEarly() throws {
    try Tape().withCurrent {
      let data = try linearData(count: 20, seed: 61)
      let model = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 61)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.5)
      let reports = try train(
        model, on: data, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 5_000, gradientNormTolerance: 1e-6))
      #expect(reports.count < 5_000)
      #expect(reports.last.map { $0.gradientNorm <= 1e-6 } == true)
      #expect(reports.dropLast().allSatisfy { $0.gradientNorm > 1e-6 })
      #expect(sgd.stepCount == reports.count)
      let w = model.parameterValues
      expectWithin(w[0], 0.5, 1e-5)
      expectWithin(w[1], -1, 1e-5)
      expectWithin(w[2], 0.25, 1e-5)
    }
  }

  @Test("a tolerance met at once stops after one epoch; one never met runs every epoch")
  func gradientNormRuleExtremes() throws {
    try Tape().withCurrent {
      let data = try linearData(count: 10, seed: 62)
      let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 62)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.05)
      let once = try train(
        model, on: data, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 50, batchSize: 4, gradientNormTolerance: 1e9))
      #expect(once.count == 1)
      #expect(sgd.stepCount == 3)
      let all = try train(
        model, on: data, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 7, batchSize: 4, gradientNormTolerance: 0))
      #expect(all.count == 7)
    }
  }

  @Test("the rule is ‖∇‖ ≤ ε: a norm equal to ε stops, and ε = 0 stops at an exact zero gradient")
  func gradientNormRuleBoundary() throws {
    try Tape().withCurrent {
      let data = try linearData(count: 10, seed: 63)
      func run(_ tolerance: Double?) throws -> [EpochReport] {
        let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 63)
        var sgd = try SGD(parameters: model.parameters, learningRate: 0.05)
        return try train(
          model, on: data, loss: .meanSquaredError, optimizer: &sgd,
          options: TrainingOptions(epochs: 5, gradientNormTolerance: tolerance))
      }
      let free = try run(nil)
      #expect(free.count == 5)
      #expect(try run(free[0].gradientNorm).count == 1)
      #expect(try run(free[0].gradientNorm.nextDown).count > 1)

      // Seed 002's rule: stop when ∇E = 0. Integer data fitted exactly by
      // y = 2x₁ + x₂ + 1 gives residuals, hence gradients, of exactly 0.
      let exact = try Dataset(
        features: [[1, 2], [-3, 0], [2, -1], [0, 4]], labels: [5, -5, 4, 5])
      let model = MLP(inputSize: 2, layerSizes: [1], activation: .linear)
      try model.setParameterValues([2, 1, 1])
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
      let reports = try train(
        model, on: exact, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 10, gradientNormTolerance: 0))
      #expect(reports.count == 1)
      #expect(reports[0].gradientNorm == 0)
      #expect(model.parameterValues == [2, 1, 1])
    }
  }
}
