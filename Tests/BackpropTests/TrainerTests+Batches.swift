// Epochs, batches and iterations (seed 001), seeded shuffling, per-batch gradient averaging
// and L2, each step checked against the engine by hand.

import Backprop
import Foundation
import Testing

// MARK: - Helpers

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

extension TrainerTests {
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
}
