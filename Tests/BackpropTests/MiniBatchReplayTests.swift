// Mini-batches replayed (`TrainingOptions.replaysMiniBatches`): the same
// bits as recording every batch, for every loss, with a short last batch,
// shards and threads, a convolutional model, targets that cannot replay and
// a model that reads values while it records. Every model here records at
// least 4 nodes an input, so that `train` replays it.

import Backprop
import Testing

/// Each epoch's loss, accuracy and gradient norms, then the parameters, as bits.
private func fingerprint(_ reports: [EpochReport], _ parameters: [Double]) -> [UInt64] {
  reports.flatMap { r in
    [r.loss.bitPattern, (r.accuracy ?? -1).bitPattern, r.gradientNorm.bitPattern]
      + r.layerGradientNorms.map(\.bitPattern)
  } + parameters.map(\.bitPattern)
}

/// 47 rows of 3 features, with targets for `loss`.
private func data(for loss: Loss) throws -> Dataset {
  var rng = SeededGenerator(seed: 12)
  let features = (0..<47).map { _ in (0..<3).map { _ in rng.nextUniform(in: -1, 1) } }
  switch loss {
  case .softmaxCrossEntropy:
    return try Dataset(features: features, labels: features.map { $0[0] > $0[1] ? 2 : ($0[2] > 0 ? 1 : 0) })
  case .binaryCrossEntropy, .binaryCrossEntropyWithLogits:
    return try Dataset(features: features, labels: features.map { $0[0] + $0[1] > 0 ? 1 : 0 })
  case .hinge:
    return try Dataset(features: features, labels: features.map { $0[0] > $0[2] ? 1 : -1 })
  case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError:
    return try Dataset(features: features, targets: features.map { [$0[0] * $0[1], $0[2] - $0[0]] })
  }
}

private func run(
  _ model: some Model, _ data: Dataset, _ loss: Loss, _ options: TrainingOptions
) throws -> [UInt64] {
  var optimizer = try Adam(parameters: model.parameters, learningRate: 0.02)
  let reports = try train(model, on: data, loss: loss, optimizer: &optimizer, options: options)
  return fingerprint(reports, model.parameterValues)
}

/// A model that reads a value's data while it records, so its graph cannot
/// be replayed: training must record it every batch.
private struct Peeking: Model {
  let inner: MLP
  var inputSize: Int { inner.inputSize }
  var outputSize: Int { inner.outputSize }
  var parameterGroups: [ParameterGroup] { inner.parameterGroups }
  func copy() -> Peeking { Peeking(inner: inner.copy()) }
  func callAsFunction(_ x: [Value]) -> [Value] {
    let y = inner(x)
    return y[0].data > 0 ? y : y.map { 0.5 * $0 }
  }
}

@Suite("Mini-batches replayed")
struct MiniBatchReplayTests {
  @Test("replayed and recorded every batch give the same bits, for every loss", arguments: Loss.allCases)
  func everyLoss(_ loss: Loss) throws {
    let data = try data(for: loss)
    let outputs: Int =
      switch loss {
      case .softmaxCrossEntropy: 3
      case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError: 2
      default: 1
      }
    let last: Activation = loss == .binaryCrossEntropy ? .sigmoid : .linear
    func fresh() -> MLP {
      MLP(inputSize: 3, layerSizes: [6, outputs], activation: .tanh, outputActivation: last, seed: 8)
    }
    for shards in [1, 3] {
      let options = TrainingOptions(epochs: 3, batchSize: 10, seed: 4, l2: 1e-3, shards: shards)
      var recorded = options
      recorded.replaysMiniBatches = false
      let a = try Tape.scope { try run(fresh(), data, loss, options) }
      let b = try Tape.scope { try run(fresh(), data, loss, recorded) }
      #expect(a == b, "\(loss), \(shards) shards")
    }
  }

  @Test("the recording is kept on the model's tape during the run; recorded batches are released")
  func recordingIsKept() throws {
    let data = try data(for: .hinge)
    for replays in [true, false] {
      try Tape.scope {
        let model = MLP(inputSize: 3, layerSizes: [6, 1], activation: .tanh, seed: 8)
        var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
        let tape = model.parameters[0].tape
        // The thread's tape may hold nodes of earlier work: count from here.
        let base = tape.count
        var counts: [Int] = []
        try train(
          model, on: data, loss: .hinge, optimizer: &sgd,
          options: TrainingOptions(epochs: 2, batchSize: 10, replaysMiniBatches: replays),
          afterEpoch: { _, _ in
            counts.append(tape.count)
            return .continue
          })
        // A kept batch of 10 holds at least its 30 input leaves and 10 target leaves.
        #expect(counts.allSatisfy { replays ? $0 >= base + 40 : $0 == base }, "\(counts)")
      }
    }
  }

  @Test("2 threads replay as 1 does; weights-only L2; batches that divide the data exactly")
  func threadsAndPenalties() throws {
    let data = try data(for: .softmaxCrossEntropy)
    func fresh() -> MLP { MLP(inputSize: 3, layerSizes: [5, 3], activation: .relu, seed: 2) }
    var runs: [[UInt64]] = []
    for (threads, replays) in [(1, true), (2, true), (2, false)] {
      let options = TrainingOptions(
        epochs: 2, batchSize: 8, seed: 1, l2: 1e-2, l2IncludesBiases: false,
        replaysMiniBatches: replays, shards: 4, threads: threads)
      runs.append(try Tape.scope { try run(fresh(), data, .softmaxCrossEntropy, options) })
    }
    #expect(runs[0] == runs[1] && runs[1] == runs[2])
    let even = data.rows(0..<40)
    let a = try Tape.scope { try run(fresh(), even, .softmaxCrossEntropy, TrainingOptions(epochs: 2, batchSize: 10)) }
    let b = try Tape.scope {
      try run(fresh(), even, .softmaxCrossEntropy, TrainingOptions(epochs: 2, batchSize: 10, replaysMiniBatches: false))
    }
    #expect(a == b)
  }

  @Test("a convolutional network replays its mini-batches bit for bit")
  func convolutional() throws {
    var rng = SeededGenerator(seed: 3)
    let images = (0..<20).map { _ in (0..<16).map { _ in rng.nextUniform(in: 0, 1) } }
    let data = try Dataset(features: images, labels: images.map { $0[5] > $0[10] ? 1 : 0 })
    func fresh() -> Sequential {
      var g = SeededGenerator(seed: 6)
      return Sequential(inputShape: Shape(channels: 1, height: 4, width: 4), [
        Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 2, using: &g), Activation.relu,
        MaxPool2D(2), Flatten(), Layer(inputSize: 4, outputSize: 2, using: &g),
      ])
    }
    let options = TrainingOptions(epochs: 3, batchSize: 6, seed: 9)
    var recorded = options
    recorded.replaysMiniBatches = false
    let a = try Tape.scope { try run(fresh(), data, .softmaxCrossEntropy, options) }
    let b = try Tape.scope { try run(fresh(), data, .softmaxCrossEntropy, recorded) }
    #expect(a == b)
  }

  @Test("one-hot targets and a model that reads values are recorded every batch, with the same results")
  func fallbacks() throws {
    let labels = try data(for: .softmaxCrossEntropy)
    let oneHot = try labels.oneHotEncoded()
    func fresh() -> MLP { MLP(inputSize: 3, layerSizes: [4, 3], activation: .tanh, seed: 5) }
    let options = TrainingOptions(epochs: 2, batchSize: 10)
    var recorded = options
    recorded.replaysMiniBatches = false
    #expect(
      try Tape.scope { try run(fresh(), oneHot, .softmaxCrossEntropy, options) }
        == Tape.scope { try run(fresh(), oneHot, .softmaxCrossEntropy, recorded) })
    let regression = try data(for: .meanSquaredError)
    func peeking() -> Peeking {
      Peeking(inner: MLP(inputSize: 3, layerSizes: [4, 2], activation: .tanh, seed: 6))
    }
    for shards in [1, 2] {
      var o = options
      o.shards = shards
      var r = recorded
      r.shards = shards
      #expect(
        try Tape.scope { try run(peeking(), regression, .meanSquaredError, o) }
          == Tape.scope { try run(peeking(), regression, .meanSquaredError, r) })
    }
  }
}
