import Backprop
import Foundation
import Testing

// The training loop `train(_:on:loss:optimizer:options:progress:)`: validation
// before any change, the non-finite-step rule, epochs / batches / iterations
// (seed 001), per-batch averaging, L2, the progress reports, vanishing
// gradients (seed 002), the stopping rule, flat memory, and every optimiser
// with every loss on small generated data sets.

// MARK: - Helpers

/// A noise-free regression y = 0.5·x₁ − x₂ + 0.25 with x uniform in [−1, 1]².
private func linearData(count: Int, seed: UInt64) throws -> Dataset {
  try regressionData(count: count, seed: seed, noise: false) { x, _ in 0.5 * x[0] - x[1] + 0.25 }
}

/// The indices in `model.parameters` of the biases.
private func biasIndices(_ model: MLP) -> Set<Int> {
  var result: Set<Int> = []
  var i = 0
  for layer in model.layers {
    for neuron in layer.neurons {
      i += neuron.weights.count
      result.insert(i)
      i += 1
    }
  }
  return result
}

/// Expects |actual − expected| ≤ tolerance.
private func expectWithin(
  _ actual: Double, _ expected: Double, _ tolerance: Double,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(
    Swift.abs(actual - expected) <= tolerance, "\(actual) vs \(expected)",
    sourceLocation: sourceLocation)
}

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

@Suite("Training loop")
struct TrainerTests {
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

  // MARK: A non-finite step stops training before its update

  @Test(
    "a learning rate that blows the parameters up stops at the first non-finite step, keeping the last good step's parameters",
    arguments: [nil, 3, 1] as [Int?])
  func divergenceStopsBeforeTheBadUpdate(batchSize: Int?) throws {
    try Tape().withCurrent {
      let data = try linearData(count: 8, seed: 1)
      let model = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 1)
      let initial = model.parameterValues
      var sgd = StepRecorder(try SGD(parameters: model.parameters, learningRate: 1e3))
      var reports: [EpochReport] = []
      let options = TrainingOptions(epochs: 10_000, batchSize: batchSize, shuffle: false)
      let error = #expect(throws: TrainingError.self) {
        try train(model, on: data, loss: .meanSquaredError, optimizer: &sgd, options: options) {
          reports.append($0)
        }
      }
      guard case .nonFiniteLoss(let epoch, let step, let loss)? = error else {
        Issue.record("expected nonFiniteLoss, got \(String(describing: error))")
        return
      }
      let size = batchSize ?? data.count
      let perEpoch = (data.count + size - 1) / size
      #expect(!loss.isFinite)
      #expect(step > 3, "a few good steps come first")
      #expect(sgd.stepCount == step - 1)
      #expect(sgd.snapshots.count == step - 1)
      #expect(epoch == (step - 1) / perEpoch + 1)
      #expect(reports.map(\.epoch) == Array(1..<epoch))
      #expect(reports.allSatisfy { $0.loss.isFinite })
      // The model holds the parameters of the last good step, all finite.
      let lastGood = sgd.snapshots.last ?? initial
      #expect(bits(model.parameterValues) == bits(lastGood))
      #expect(model.parameterValues.allSatisfy { $0.isFinite })
      // The named step's batch really has a non-finite loss at these parameters.
      let first = ((step - 1) % perEpoch) * size
      let rows = Array(first..<Swift.min(first + size, data.count))
      let recomputed = Tape.scope {
        Loss.meanSquaredError(rows.map { model(data.features[$0]) }, rows.map { data.targets[$0] })
          .data
      }
      #expect(!recomputed.isFinite)
      // Full batch: the same run stopped one epoch earlier ends where this one stopped.
      if batchSize == nil && epoch > 1 {
        let twin = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 1)
        var twinSGD = try SGD(parameters: twin.parameters, learningRate: 1e3)
        try train(
          twin, on: data, loss: .meanSquaredError, optimizer: &twinSGD,
          options: TrainingOptions(epochs: epoch - 1, shuffle: false))
        #expect(bits(twin.parameterValues) == bits(model.parameterValues))
      }
    }
  }

  @Test("data whose loss overflows stops at the step of its batch; earlier steps are kept")
  func overflowingBatchStopsAtItsStep() throws {
    try Tape().withCurrent {
      let data = try Dataset(
        features: [[0.5, -0.5], [0.25, 1], [1e200, 1e200], [0, 1]], labels: [1, 0, 1, 0])
      let model = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 2)
      var sgd = StepRecorder(try SGD(parameters: model.parameters, learningRate: 0.1))
      var calls = 0
      let error = #expect(throws: TrainingError.self) {
        try train(
          model, on: data, loss: .meanSquaredError, optimizer: &sgd,
          options: TrainingOptions(epochs: 3, batchSize: 2, shuffle: false)
        ) { _ in calls += 1 }
      }
      guard case .nonFiniteLoss(epoch: 1, step: 2, let loss)? = error else {
        Issue.record("expected nonFiniteLoss(epoch: 1, step: 2), got \(String(describing: error))")
        return
      }
      #expect(loss == .infinity)
      #expect(sgd.stepCount == 1)
      #expect(bits(model.parameterValues) == bits(sgd.snapshots[0]))
      #expect(calls == 0)
    }
  }

  @Test("a non-finite first step leaves the model and Adam's moments exactly as they were")
  func nonFiniteFirstStepChangesNothing() throws {
    try Tape().withCurrent {
      let data = try Dataset(features: [[1, 2], [1e300, -1e300], [3, 4]], labels: [0, 1, 1])
      let model = MLP(inputSize: 2, layerSizes: [4, 1], activation: .linear, seed: 5)
      let values = bits(model.parameterValues)
      var adam = try Adam(parameters: model.parameters, learningRate: 0.01)
      let state = adam.state
      let error = #expect(throws: TrainingError.self) {
        try train(
          model, on: data, loss: .meanSquaredError, optimizer: &adam,
          options: TrainingOptions(epochs: 5))
      }
      guard case .nonFiniteLoss(epoch: 1, step: 1, let loss)? = error else {
        Issue.record("expected nonFiniteLoss(epoch: 1, step: 1), got \(String(describing: error))")
        return
      }
      #expect(!loss.isFinite)
      #expect(bits(model.parameterValues) == values)
      #expect(adam.stepCount == 0)
      #expect(adam.state == state)
    }
  }

  @Test("a finite loss with an infinite gradient also stops before the update")
  func infiniteGradientStops() throws {
    try Tape().withCurrent {
      // ŷ = w₂(w₁x + b₁) + b₂ with x = 1e200, w₁ = 1, w₂ = 1e-90: ŷ = 1e110, the
      // loss ŷ² = 1e220 is finite, but ∂L/∂w₂ = 2ŷ·(w₁x) = 2e310 overflows.
      let data = try Dataset(features: [[1e200]], labels: [0])
      let model = MLP(inputSize: 1, layerSizes: [1, 1], activation: .linear)
      try model.setParameterValues([1, 0, 1e-90, 0])
      let values = bits(model.parameterValues)
      var sgd = try SGD(parameters: model.parameters, learningRate: 1e-300)
      let error = #expect(throws: TrainingError.self) {
        try train(
          model, on: data, loss: .meanSquaredError, optimizer: &sgd,
          options: TrainingOptions(epochs: 1))
      }
      guard case .nonFiniteLoss(epoch: 1, step: 1, let bad)? = error else {
        Issue.record("expected nonFiniteLoss(epoch: 1, step: 1), got \(String(describing: error))")
        return
      }
      #expect(!bad.isFinite)
      #expect(bits(model.parameterValues) == values)
      #expect(sgd.stepCount == 0)
    }
  }

  // MARK: Epochs, batches, iterations (seed 001)

  @Test(
    "iterations per epoch: full batch 1, batch size 1 (SGD) one per row, mini-batches ⌈n/b⌉",
    arguments: [
      (nil, 1), (10, 1), (25, 1), (1, 10), (4, 3), (5, 2), (3, 4), (9, 2),
    ] as [(Int?, Int)])
  func iterationsPerEpoch(batchSize: Int?, perEpoch: Int) throws {
    try Tape().withCurrent {
      let data = try linearData(count: 10, seed: 3)
      let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 3)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.05)
      let reports = try train(
        model, on: data, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 3, batchSize: batchSize, seed: 9))
      #expect(reports.map(\.iterations) == [perEpoch, 2 * perEpoch, 3 * perEpoch])
      #expect(sgd.stepCount == 3 * perEpoch)
    }
  }

  /// One-hot features make each step's gradient show its batch: with
  /// ŷ = wⱼ + b for row j, ∂L/∂wⱼ = 2(ŷⱼ − yⱼ)/B is non-zero exactly for the
  /// batch's rows, and reveals the batch size B it was averaged over.
  @Test(
    "each epoch's batches partition the rows into sizes b, b, …, remainder, each gradient the batch mean",
    arguments: [nil, 1, 3, 4, 7] as [Int?], [true, false])
  func batchesPartitionEachEpoch(batchSize: Int?, shuffle: Bool) throws {
    try Tape().withCurrent {
      let n = 10
      let features = (0..<n).map { j in (0..<n).map { $0 == j ? 1.0 : 0.0 } }
      let data = try Dataset(features: features, labels: (0..<n).map { 10 + Double($0) })
      let model = MLP(inputSize: n, layerSizes: [1], activation: .linear, seed: 6)
      let initial = model.parameterValues
      var sgd = StepRecorder(try SGD(parameters: model.parameters, learningRate: 0.01))
      let epochs = 3
      let reports = try train(
        model, on: data, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: epochs, batchSize: batchSize, shuffle: shuffle, seed: 4))
      let size = batchSize ?? n
      let expectedSizes = stride(from: 0, to: n, by: size).map { Swift.min(size, n - $0) }
      #expect(sgd.gradients.count == epochs * expectedSizes.count)
      var batchesByEpoch: [[[Int]]] = []
      for epoch in 0..<epochs {
        var batches: [[Int]] = []
        var lossSum = 0.0
        var normSum = 0.0
        var lastNorm = 0.0
        for k in 0..<expectedSizes.count {
          let step = epoch * expectedSizes.count + k
          let before = step == 0 ? initial : sgd.snapshots[step - 1]
          let g = sgd.gradients[step]
          let rows = (0..<n).filter { g[$0] != 0 }
          #expect(rows.count == expectedSizes[k], "epoch \(epoch + 1), batch \(k + 1)")
          let b = Double(rows.count)
          var biasGradient = 0.0
          for j in rows {
            let residual = before[j] + before[n] - (10 + Double(j))
            expectWithin(g[j], 2 * residual / b, 1e-12 * Swift.abs(residual))
            biasGradient += 2 * residual / b
            lossSum += residual * residual
          }
          expectWithin(g[n], biasGradient, 1e-12 * Swift.abs(biasGradient) + 1e-15)
          batches.append(rows)
          lastNorm = g.reduce(0) { $0 + $1 * $1 }.squareRoot()
          normSum += lastNorm
        }
        #expect(batches.flatMap { $0 }.sorted() == Array(0..<n), "epoch \(epoch + 1)")
        // The report: the mean of each row's loss before its batch's update,
        // the gradient norm of the last update, the layer's norm averaged
        // over the epoch's updates.
        let report = reports[epoch]
        let meanLoss = lossSum / Double(n)
        expectWithin(report.loss, meanLoss, 1e-12 * meanLoss)
        expectWithin(report.gradientNorm, lastNorm, 1e-12 * lastNorm)
        let meanNorm = normSum / Double(expectedSizes.count)
        #expect(report.layerGradientNorms.count == 1)
        expectWithin(report.layerGradientNorms[0], meanNorm, 1e-12 * meanNorm)
        batchesByEpoch.append(batches)
      }
      if !shuffle || size >= n {
        // In order: rows 0..<b, b..<2b, …
        let consecutive = stride(from: 0, to: n, by: size).map {
          Array($0..<Swift.min($0 + size, n))
        }
        #expect(batchesByEpoch.allSatisfy { $0 == consecutive })
      } else if size > 1 {
        // Reshuffled every epoch: the batches differ from one epoch to the next.
        #expect(batchesByEpoch[0] != batchesByEpoch[1] || batchesByEpoch[1] != batchesByEpoch[2])
      }
    }
  }

  /// Trains a fresh two-moons model and returns its reports and parameters.
  private static func moonsRun(
    seed: UInt64, shuffle: Bool = true, batchSize: Int? = 8
  ) throws -> ([EpochReport], [UInt64]) {
    try Tape().withCurrent {
      var rng = SeededGenerator(seed: 21)
      let data = try Dataset.twoMoons(count: 40, noise: 0.1, using: &rng).signedLabels()
      let model = MLP(inputSize: 2, layerSizes: [6, 1], activation: .tanh, seed: 2)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.1, momentum: 0.5)
      let reports = try train(
        model, on: data, loss: .hinge, optimizer: &sgd,
        options: TrainingOptions(epochs: 6, batchSize: batchSize, shuffle: shuffle, seed: seed))
      return (reports, bits(model.parameterValues))
    }
  }

  @Test("the same seed gives a bit-identical run; another seed another run")
  func shufflingIsSeeded() throws {
    let (reportsA, paramsA) = try Self.moonsRun(seed: 7)
    let (reportsB, paramsB) = try Self.moonsRun(seed: 7)
    let (_, paramsC) = try Self.moonsRun(seed: 8)
    #expect(reportsA == reportsB)
    #expect(paramsA == paramsB)
    #expect(paramsA != paramsC)
  }

  @Test("without shuffling, and for full batches, the seed makes no difference")
  func unshuffledRunsIgnoreTheSeed() throws {
    let (reportsA, paramsA) = try Self.moonsRun(seed: 7, shuffle: false)
    let (reportsB, paramsB) = try Self.moonsRun(seed: 123_456, shuffle: false)
    #expect(reportsA == reportsB)
    #expect(paramsA == paramsB)
    let (fullA, fullParamsA) = try Self.moonsRun(seed: 7, batchSize: nil)
    let (fullB, fullParamsB) = try Self.moonsRun(seed: 8, batchSize: nil)
    #expect(fullA == fullB)
    #expect(fullParamsA == fullParamsB)
  }

  // MARK: Per-batch gradient averaging

  @Test(
    "one full-batch SGD step is p −= γ·∇(mean loss), bit for bit, and ∇(mean loss) is the mean of the per-example gradients",
    arguments: [Loss.meanSquaredError, .hinge], [0.0, 0.01])
  func fullBatchStepIsTheMeanGradientStep(loss: Loss, l2: Double) throws {
    try Tape().withCurrent {
      var rng = SeededGenerator(seed: 31)
      let moons = Dataset.twoMoons(count: 12, noise: 0.1, using: &rng)
      let data = loss == .hinge ? try moons.signedLabels() : moons
      let gamma = 0.3
      let model = MLP(inputSize: 2, layerSizes: [4, 3, 1], activation: .tanh, seed: 8)
      var sgd = try SGD(parameters: model.parameters, learningRate: gamma)
      try train(
        model, on: data, loss: loss, optimizer: &sgd, options: TrainingOptions(epochs: 1, l2: l2))

      // By hand with the engine: the mean loss of the batch (plus the penalty), one step.
      let twin = MLP(inputSize: 2, layerSizes: [4, 3, 1], activation: .tanh, seed: 8)
      let start = twin.parameterValues
      Tape.scope {
        twin.zeroGrad()
        var total = loss(data.features.map { twin($0) }, data.targets)
        if l2 > 0 { total = total + l2Penalty(twin.parameters, coefficient: l2) }
        total.backward()
      }
      let meanGradient = twin.parameterGradients
      for p in twin.parameters { p.data -= gamma * p.grad }
      #expect(bits(model.parameterValues) == bits(twin.parameterValues))

      // Independently: the mean over the rows of each row's own gradient.
      try twin.setParameterValues(start)
      var sum = [Double](repeating: 0, count: twin.parameterCount)
      for r in 0..<data.count {
        Tape.scope {
          twin.zeroGrad()
          var l = loss([twin(data.features[r])], [data.targets[r]])
          if l2 > 0 { l = l + l2Penalty(twin.parameters, coefficient: l2) }
          l.backward()
        }
        for (i, g) in twin.parameterGradients.enumerated() { sum[i] += g }
      }
      for (g, s) in zip(meanGradient, sum) {
        expectWithin(g, s / Double(data.count), 1e-13 * (1 + Swift.abs(g)))
      }
    }
  }

  @Test("mini-batches with a remainder: each step is the engine's mean-loss step on its rows")
  func miniBatchStepsMatchByHand() throws {
    try Tape().withCurrent {
      let data = try linearData(count: 10, seed: 12)
      let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .sigmoid, seed: 12)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.2)
      try train(
        model, on: data, loss: .halfMeanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 2, batchSize: 4, shuffle: false))
      #expect(sgd.stepCount == 6)

      let twin = MLP(inputSize: 2, layerSizes: [3, 1], activation: .sigmoid, seed: 12)
      for _ in 0..<2 {
        for rows in [0..<4, 4..<8, 8..<10] {
          Tape.scope {
            twin.zeroGrad()
            let outputs = rows.map { twin(data.features[$0]) }
            Loss.halfMeanSquaredError(outputs, rows.map { data.targets[$0] }).backward()
          }
          for p in twin.parameters { p.data -= 0.2 * p.grad }
        }
      }
      #expect(bits(model.parameterValues) == bits(twin.parameterValues))
    }
  }

  // MARK: L2

  @Test(
    "L2 adds 2λp to exactly the penalised parameters' gradients, and λΣp² to the loss",
    arguments: [true, false])
  func l2ChangesTheExpectedGradients(includeBiases: Bool) throws {
    try Tape().withCurrent {
      let lambda = 0.05
      let data = try linearData(count: 9, seed: 14)
      func oneStep(l2: Double) throws -> (EpochReport, [Double], [Double]) {
        let model = MLP(
          inputSize: 2, layerSizes: [3, 2, 1], activation: .tanh, bias: 0.3, seed: 14)
        let start = model.parameterValues
        var sgd = StepRecorder(try SGD(parameters: model.parameters, learningRate: 0.1))
        let reports = try train(
          model, on: data, loss: .meanSquaredError, optimizer: &sgd,
          options: TrainingOptions(epochs: 1, l2: l2, l2IncludesBiases: includeBiases))
        return (reports[0], start, sgd.gradients[0])
      }
      let (plain, start, g0) = try oneStep(l2: 0)
      let (penalised, _, g1) = try oneStep(l2: lambda)
      let biases = biasIndices(
        MLP(inputSize: 2, layerSizes: [3, 2, 1], activation: .tanh, bias: 0.3, seed: 14))
      #expect(biases.count == 6)
      var penalty = 0.0
      for i in start.indices {
        if includeBiases || !biases.contains(i) {
          expectWithin(g1[i] - g0[i], 2 * lambda * start[i], 1e-14)
          penalty += start[i] * start[i]
        } else {
          #expect(g1[i].bitPattern == g0[i].bitPattern, "bias \(i): \(g1[i]) vs \(g0[i])")
        }
      }
      expectWithin(penalised.loss, plain.loss + lambda * penalty, 1e-14)
    }
  }

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
