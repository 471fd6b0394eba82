import Backprop
import Testing

// Sharded and parallel training (`TrainingOptions.shards`, `.threads`, built
// by BatchGradient.swift): the same bits for every number of threads; the
// shards' gradients added in shard order, checked against the same
// arithmetic written out here; close to the one-graph gradient; errors.

/// Everything a run produces, as bit patterns: each epoch's loss, accuracy
/// and gradient norms, then the final parameters.
private func fingerprint(_ reports: [EpochReport], _ model: MLP) -> [UInt64] {
  var bits: [UInt64] = []
  for r in reports {
    bits.append(r.loss.bitPattern)
    bits.append((r.accuracy ?? -1).bitPattern)
    bits.append(r.gradientNorm.bitPattern)
    bits.append(contentsOf: r.layerGradientNorms.map(\.bitPattern))
  }
  return bits + model.parameterValues.map(\.bitPattern)
}

/// A classification problem with three classes and three features.
private func threeClasses(count: Int, seed: UInt64) throws -> Dataset {
  var rng = SeededGenerator(seed: seed)
  var features: [[Double]] = []
  var labels: [Double] = []
  for i in 0..<count {
    let c = i % 3
    let x = (0..<3).map { k in rng.nextUniform(in: -1, 1) + (k == c ? 1.5 : 0) }
    features.append(x)
    labels.append(Double(c))
  }
  return try Dataset(features: features, labels: labels)
}

/// Trains a fresh model (seed 3) on `data` with `options` and returns the
/// fingerprint of the run.
private func run(
  _ data: Dataset, loss: Loss, sizes: [Int], activation: Activation = .tanh,
  options: TrainingOptions
) throws -> [UInt64] {
  try Tape.scope {
    let model = MLP(inputSize: data.featureCount, layerSizes: sizes, activation: activation, seed: 3)
    var optimizer = try Adam(parameters: model.parameters, learningRate: 0.01)
    let reports = try train(model, on: data, loss: loss, optimizer: &optimizer, options: options)
    return fingerprint(reports, model)
  }
}

@Suite("Sharded and parallel training")
struct BatchGradientTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var loss: Loss
    var sizes: [Int]
    var batchSize: Int?
    var replay: Bool
    var shards: Int
    var l2IncludesBiases = true
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "full batch, replayed, 4 shards", loss: .softmaxCrossEntropy, sizes: [8, 3],
         batchSize: nil, replay: true, shards: 4),
    Case(name: "full batch, recorded, 3 shards", loss: .softmaxCrossEntropy, sizes: [8, 3],
         batchSize: nil, replay: false, shards: 3),
    Case(name: "mini-batches of 10 with a short last one, 4 shards", loss: .softmaxCrossEntropy,
         sizes: [6, 6, 3], batchSize: 10, replay: true, shards: 4, l2IncludesBiases: false),
    Case(name: "more shards than examples in a batch", loss: .softmaxCrossEntropy, sizes: [5, 3],
         batchSize: 3, replay: true, shards: 8),
  ]

  @Test("the same bits for 1, 2, 3, 4 and 8 threads", arguments: cases)
  func threadCountDoesNotChangeAnything(_ c: Case) throws {
    let data = try threeClasses(count: 47, seed: 11)
    var runs: [[UInt64]] = []
    for threads in [1, 2, 3, 4, 8] {
      let options = TrainingOptions(
        epochs: 4, batchSize: c.batchSize, seed: 5, l2: 1e-3, l2IncludesBiases: c.l2IncludesBiases,
        replaysFullBatch: c.replay, shards: c.shards, threads: threads)
      runs.append(try run(data, loss: c.loss, sizes: c.sizes, options: options))
    }
    for other in runs.dropFirst() { #expect(other == runs[0]) }
  }

  @Test("regression with two outputs and the hinge on micrograd's shape, threads 1 and 2",
        arguments: [Loss.meanSquaredError, .hinge])
  func otherLosses(loss: Loss) throws {
    var rng = SeededGenerator(seed: 9)
    let moons = Dataset.twoMoons(count: 60, noise: 0.1, using: &rng)
    let data =
      loss == .hinge
      ? try moons.signedLabels()
      : try Dataset(features: moons.features, targets: moons.features.map { [$0[0] * $0[1], $0[0] - $0[1]] })
    let sizes = loss == .hinge ? [16, 16, 1] : [8, 2]
    let fingerprints = try [1, 2].map { threads in
      try run(
        data, loss: loss, sizes: sizes, activation: .relu,
        options: TrainingOptions(epochs: 5, l2: 1e-4, shards: 5, threads: threads))
    }
    #expect(fingerprints[0] == fingerprints[1])
  }

  /// One full-batch SGD step with S shards, against the documented
  /// arithmetic written out here: each shard's Σᵢ ℓᵢ · (1/B) (shard 0 with
  /// the penalty) differentiated on its own, the gradients added in shard
  /// order, the shards the first B mod S one example longer.
  @Test("the shards' gradients added in shard order", arguments: [2, 3, 7])
  func shardGradientsAddUpInOrder(shards: Int) throws {
    let data = try threeClasses(count: 23, seed: 2)
    let loss = Loss.softmaxCrossEntropy
    let (trained, expected) = try Tape.scope { () -> ([Double], [Double]) in
      let model = MLP(inputSize: 3, layerSizes: [4, 3], activation: .sigmoid, seed: 8)
      let start = model.parameterValues

      // By hand: one tape per shard, the shard's part of the loss, summed.
      let b = data.count
      let base = b / shards
      let longer = b % shards
      var gradient = [Double](repeating: 0, count: start.count)
      var lower = 0
      for s in 0..<shards {
        let upper = lower + base + (s < longer ? 1 : 0)
        let part = try Tape.scope { () -> [Double] in
          let copy = MLP(inputSize: 3, layerSizes: [4, 3], activation: .sigmoid, seed: 8)
          try copy.setParameterValues(start)
          let outputs = (lower..<upper).map { copy(data.features[$0]) }
          var perExample: [Value] = []
          for (k, row) in (lower..<upper).enumerated() {
            perExample.append(
              softmaxCrossEntropy(logits: outputs[k], classIndex: Int(data.targets[row][0])))
          }
          var total = Value.sum(perExample) * (1.0 / Double(b))
          if s == 0 { total = total + l2Penalty(copy.parameters, coefficient: 0.01) }
          total.backward()
          return copy.parameterGradients
        }
        for k in gradient.indices { gradient[k] = s == 0 ? part[k] : gradient[k] + part[k] }
        lower = upper
      }
      let expected = zip(start, gradient).map { $0 - 0.5 * $1 }

      var sgd = try SGD(parameters: model.parameters, learningRate: 0.5)
      try train(
        model, on: data, loss: loss, optimizer: &sgd,
        options: TrainingOptions(epochs: 1, l2: 0.01, shards: shards, threads: 2))
      return (model.parameterValues, expected)
    }
    #expect(trained.map(\.bitPattern) == expected.map(\.bitPattern))
  }

  /// Sharding changes only the order of floating-point sums: the gradient
  /// is the one-graph gradient to rounding.
  @Test func shardedGradientIsTheOneGraphGradientToRounding() throws {
    let data = try threeClasses(count: 40, seed: 4)
    func gradient(shards: Int) throws -> [Double] {
      try Tape.scope {
        let model = MLP(inputSize: 3, layerSizes: [6, 3], activation: .tanh, seed: 1)
        var capture = StepRecorder(try SGD(parameters: model.parameters, learningRate: 0.1))
        try train(
          model, on: data, loss: .softmaxCrossEntropy, optimizer: &capture,
          options: TrainingOptions(epochs: 1, l2: 1e-3, shards: shards, threads: shards > 1 ? 2 : 1))
        return capture.gradients[0]
      }
    }
    let whole = try gradient(shards: 1)
    let sharded = try gradient(shards: 6)
    #expect(whole.count == sharded.count)
    for (a, b) in zip(whole, sharded) { expectClose(b, a, tolerance: 1e-13) }
    #expect(whole.map(\.bitPattern) != sharded.map(\.bitPattern))  // really another order
  }

  @Test("threads and shards are validated before anything changes",
        arguments: [(0, 1), (1, 0), (257, 4), (-1, 2), (2, 1)])
  func invalidThreadsOrShards(threads: Int, shards: Int) throws {
    let data = try threeClasses(count: 9, seed: 1)
    try Tape.scope {
      let model = MLP(inputSize: 3, layerSizes: [3], activation: .linear, seed: 1)
      let before = model.parameterValues
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
      #expect(throws: TrainingError.self) {
        try train(
          model, on: data, loss: .softmaxCrossEntropy, optimizer: &sgd,
          options: TrainingOptions(epochs: 1, shards: shards, threads: threads))
      }
      #expect(model.parameterValues == before)
      #expect(sgd.stepCount == 0)
    }
  }

  @Test func threadsWithoutShardsSayWhatToDo() throws {
    let data = try Dataset(features: [[1], [2]], labels: [1, 2])
    try Tape.scope {
      let model = MLP(inputSize: 1, layerSizes: [1], activation: .linear)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
      #expect {
        try train(
          model, on: data, loss: .meanSquaredError, optimizer: &sgd,
          options: TrainingOptions(epochs: 1, threads: 4))
      } throws: { error in
        "\(error)".contains("threads") && "\(error)".contains("shards ≥ 2")
      }
    }
  }

  @Test func aNonFiniteStepStopsShardedTrainingBeforeItsUpdate() throws {
    // A learning rate far too large: the weights grow about tenfold a step
    // until the squared error overflows.
    let data = try Dataset(
      features: (0..<12).map { [Double($0), 1] }, targets: (0..<12).map { [Double($0)] })
    try Tape.scope {
      let model = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 1)
      let initial = model.parameterValues
      var capture = StepRecorder(try SGD(parameters: model.parameters, learningRate: 0.5))
      #expect(throws: TrainingError.self) {
        try train(
          model, on: data, loss: .meanSquaredError, optimizer: &capture,
          options: TrainingOptions(epochs: 1_000, shards: 3, threads: 2))
      }
      #expect(capture.stepCount > 10)
      // The parameters are those of the last step that was applied.
      let finite = model.parameterValues.allSatisfy { $0.isFinite }
      #expect(finite)
      #expect(model.parameterValues == (capture.snapshots.last ?? initial))
    }
  }

  @Test func theModelTapeDoesNotGrowAndShardTapesAreReleased() throws {
    let data = try threeClasses(count: 30, seed: 3)
    try Tape.scope {
      let tape = Tape.current
      let model = MLP(inputSize: 3, layerSizes: [4, 3], activation: .relu, seed: 2)
      let nodes = tape.count
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
      for batchSize in [nil, 7] {
        try train(
          model, on: data, loss: .softmaxCrossEntropy, optimizer: &sgd,
          options: TrainingOptions(epochs: 3, batchSize: batchSize, shards: 4, threads: 2))
        #expect(tape.count == nodes)
      }
    }
  }
}
