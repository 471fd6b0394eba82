/// What happened in one epoch of ``train(_:on:loss:optimizer:options:progress:)``.
///
///     let reports = try train(model, on: data, loss: .meanSquaredError, optimizer: &sgd,
///                             options: TrainingOptions(epochs: 10))
///     for report in reports { print(report.epoch, report.loss, report.gradientNorm) }
public struct EpochReport: Sendable, Equatable {
  /// The epoch, from 1.
  public let epoch: Int
  /// Iterations (updates) so far, over all epochs.
  public let iterations: Int
  /// The mean over the epoch's examples of the training loss (data loss plus
  /// the L2 penalty), each example's loss taken before the update of its
  /// batch.
  public let loss: Double
  /// The fraction of the epoch's examples predicted correctly before the
  /// update of their batch, or `nil` for a regression loss.
  public let accuracy: Double?
  /// The learning rate of the epoch's last update.
  public let learningRate: Double
  /// The norm of the gradient with respect to each layer's parameters,
  /// averaged over the epoch's updates, input layer first. Norms that shrink
  /// towards the input layer show vanishing gradients, norms that grow show
  /// exploding ones (seed 002).
  public let layerGradientNorms: [Double]
  /// The norm of the whole gradient at the epoch's last update.
  public let gradientNorm: Double
}

/// How ``train(_:on:loss:optimizer:options:progress:)`` goes through the
/// data.
///
/// In seed 001's terms: an *epoch* is one pass over the training data, a
/// *batch* the examples behind one gradient, an *iteration* one update. A
/// batch of the whole data set is (full-batch) gradient descent, a batch of
/// 1 is stochastic gradient descent, anything between is mini-batch SGD.
///
///     let options = TrainingOptions(epochs: 50, batchSize: 8, l2: 1e-4)
public struct TrainingOptions: Sendable, Equatable {
  /// Passes over the data.
  public var epochs: Int
  /// Examples per batch; `nil` for the whole data set (full batch).
  public var batchSize: Int?
  /// Whether to reshuffle the examples at the start of each epoch (with a
  /// generator seeded by `seed`, so runs repeat exactly). Ignored for full
  /// batches.
  public var shuffle: Bool
  /// The shuffling seed.
  public var seed: UInt64
  /// The coefficient λ of an L2 penalty λ·Σp² added to each batch's loss; 0
  /// for none.
  public var l2: Double
  /// Whether the L2 penalty includes the biases (seed 004 leaves them out).
  public var l2IncludesBiases: Bool
  /// Stop after an epoch whose final gradient norm is at most this
  /// (seed 002's stopping rule); `nil` to always run every epoch.
  public var gradientNormTolerance: Double?
  /// Whether full-batch training records the graph once and replays it at
  /// every step (``Recording``) instead of recording it again; `true` by
  /// default. The results are bit-identical either way; replay is several
  /// times faster.
  public var replay: Bool

  /// Creates options.
  ///
  ///     let options = TrainingOptions(epochs: 100, batchSize: 16, seed: 7)
  ///
  /// - Parameters:
  ///   - epochs: Passes over the data; at least 1.
  ///   - batchSize: Examples per batch; `nil` (the default) for full batch.
  ///   - shuffle: Reshuffle every epoch; `true` by default.
  ///   - seed: The shuffling seed; 0 by default.
  ///   - l2: The L2 coefficient; 0 by default.
  ///   - l2IncludesBiases: Whether biases are penalised; `true` by default.
  ///   - gradientNormTolerance: The stopping rule's ε; `nil` by default.
  ///   - replay: Replay the full-batch graph instead of recording it at
  ///     every step; `true` by default.
  public init(
    epochs: Int, batchSize: Int? = nil, shuffle: Bool = true, seed: UInt64 = 0, l2: Double = 0,
    l2IncludesBiases: Bool = true, gradientNormTolerance: Double? = nil, replay: Bool = true
  ) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.seed = seed
    self.l2 = l2
    self.l2IncludesBiases = l2IncludesBiases
    self.gradientNormTolerance = gradientNormTolerance
    self.replay = replay
  }

  /// Checks the options against a data set's size.
  func validate(count: Int) throws {
    try requireHyperparameter("epochs", Double(epochs), "must be ≥ 1") { $0 >= 1 }
    if let batchSize {
      try requireHyperparameter("batch size", Double(batchSize), "must be ≥ 1") { $0 >= 1 }
    }
    try requireHyperparameter("l2", l2, "must be finite and ≥ 0") { $0 >= 0 }
    if let gradientNormTolerance {
      try requireHyperparameter(
        "gradient-norm tolerance", gradientNormTolerance, "must be finite and ≥ 0"
      ) { $0 >= 0 }
    }
  }
}

/// Trains `model` on `data`: for each batch, the mean loss is recorded in a
/// scope of the model's tape, differentiated, checked, and handed to the
/// optimiser. Memory stays flat over any number of steps.
///
///     let data = Dataset.twoMoons(count: 100, noise: 0.1, using: &rng)
///     let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
///     var sgd = try SGD(parameters: model.parameters, learningRate: 0.5)
///     let history = try train(model, on: data.signedLabels(), loss: .hinge,
///                             optimizer: &sgd,
///                             options: TrainingOptions(epochs: 100, l2: 1e-4)) { report in
///       print(report.epoch, report.loss, report.accuracy ?? 0)
///     }
///
/// Everything is validated before the first step: the data's width against
/// the model's input size, the targets against the loss (labels in range),
/// the options. A step whose loss or gradient is not finite stops training
/// with ``TrainingError/nonFiniteLoss(epoch:step:loss:)`` *before* its update,
/// so the model keeps the parameters of the last good step.
///
/// - Parameters:
///   - model: The network; its parameters are updated in place.
///   - data: The training data.
///   - loss: The loss; the batch loss is its mean over the batch.
///   - optimizer: The optimiser, which must hold `model.parameters`.
///   - options: Epochs, batch size, shuffling, L2, stopping rule.
///   - progress: Called after each epoch.
/// - Returns: One report per epoch run.
/// - Throws: ``TrainingError`` for invalid data or options (before any
///   change) and for a non-finite step (the model keeps its last good
///   parameters).
@discardableResult
public func train<O: Optimizer>(
  _ model: MLP, on data: Dataset, loss: Loss, optimizer: inout O,
  options: TrainingOptions, progress: (EpochReport) -> Void = { _ in }
) throws -> [EpochReport] {
  guard data.featureCount == model.inputSize else {
    throw TrainingError.sizeMismatch(
      what: "features per row vs the model's inputs", expected: model.inputSize,
      actual: data.featureCount)
  }
  try loss.validate(targets: data.targets, outputSize: model.outputSize)
  try options.validate(count: data.count)
  let parameters = model.parameters
  guard optimizer.parameters.count == parameters.count,
    zip(optimizer.parameters, parameters).allSatisfy({ $0.id == $1.id && $0.tape === $1.tape })
  else {
    throw TrainingError.sizeMismatch(
      what: "the optimiser's parameters vs the model's", expected: parameters.count,
      actual: optimizer.parameters.count)
  }
  let layerRanges = model.layers.reduce(into: [Range<Int>]()) { ranges, layer in
    let start = ranges.last?.upperBound ?? 0
    ranges.append(start..<(start + layer.parameterCount))
  }
  let penalised =
    options.l2IncludesBiases
    ? parameters : model.layers.flatMap { $0.neurons.flatMap(\.weights) }
  let tape = parameters[0].tape

  let batchSize = Swift.min(options.batchSize ?? data.count, data.count)
  var order = Array(0..<data.count)  // full batch or no shuffling: in order
  var generator = SeededGenerator(seed: options.seed)
  var reports: [EpochReport] = []
  var iterations = 0

  // Everything recorded during training (the full-batch recording) is
  // released when it ends.
  return try tape.withCurrent {
    try tape.scope {
      try trainEpochs()
    }
  }

  func trainEpochs() throws -> [EpochReport] {
    var fullBatch: Recording? = nil
    var recordedOutputs: [[Value]] = []
    for epoch in 1...options.epochs {
      if options.shuffle && batchSize < data.count {
        // The package's own Fisher–Yates, not `shuffle(using:)`, whose
        // algorithm is the standard library's to change: a seed gives the same
        // batches on every platform and Swift version.
        order = Dataset.permutation(count: data.count, using: &generator)
      }
      var lossSum = 0.0
      var correct = 0
      var judged = 0
      var normSums = [Double](repeating: 0, count: layerRanges.count)
      var updates = 0
      var lastNorm = 0.0
      var learningRate = optimizer.currentLearningRate

      for start in stride(from: 0, to: data.count, by: batchSize) {
        let rows = Array(order[start..<Swift.min(start + batchSize, data.count)])
        let targets = rows.map { data.targets[$0] }
        optimizer.zeroGrad()
        /// The batch's loss and outputs, recorded on the model's tape.
        func record() -> (total: Value, outputs: [[Value]]) {
          let outputs = rows.map { model(data.features[$0]) }
          var total = loss(outputs, targets)
          if options.l2 > 0 { total = total + l2Penalty(penalised, coefficient: options.l2) }
          return (total, outputs)
        }
        let (batchLoss, outputs): (Double, [[Double]])
        if batchSize == data.count && options.replay {
          // Full batch: the graph is the same at every step, so it is recorded
          // once and replayed (see `Recording`), in the scope around the loop.
          let total: Value
          if let fullBatch {
            total = fullBatch.replay()
          } else {
            let recording = Recording(on: tape) {
              let (total, outputs) = record()
              recordedOutputs = outputs
              return total
            }
            fullBatch = recording
            total = recording.output
          }
          if total.data.isFinite { total.backward() }
          batchLoss = total.data
          outputs = recordedOutputs.map { $0.map(\.data) }
        } else {
          (batchLoss, outputs) = tape.withCurrent {
            tape.scope { () -> (Double, [[Double]]) in
              let (total, outputs) = record()
              if total.data.isFinite { total.backward() }
              return (total.data, outputs.map { $0.map(\.data) })
            }
          }
        }
        let step = iterations + 1
        guard batchLoss.isFinite else {
          throw TrainingError.nonFiniteLoss(epoch: epoch, step: step, loss: batchLoss)
        }
        if let bad = parameters.first(where: { !$0.grad.isFinite }) {
          throw TrainingError.nonFiniteLoss(epoch: epoch, step: step, loss: bad.grad)
        }
        for (k, range) in layerRanges.enumerated() {
          normSums[k] += gradientNorm(Array(parameters[range]))
        }
        lastNorm = gradientNorm(parameters)
        learningRate = optimizer.currentLearningRate
        optimizer.step()
        iterations = step
        updates += 1
        lossSum += batchLoss * Double(rows.count)
        for (output, target) in zip(outputs, targets) {
          if let right = loss.isCorrect(output: output, target: target) {
            judged += 1
            if right { correct += 1 }
          }
        }
      }
      let report = EpochReport(
        epoch: epoch, iterations: iterations, loss: lossSum / Double(data.count),
        accuracy: judged > 0 ? Double(correct) / Double(judged) : nil,
        learningRate: learningRate,
        layerGradientNorms: normSums.map { $0 / Double(Swift.max(1, updates)) },
        gradientNorm: lastNorm)
      reports.append(report)
      progress(report)
      if let tolerance = options.gradientNormTolerance, lastNorm <= tolerance { break }
    }
    return reports
  }
}
