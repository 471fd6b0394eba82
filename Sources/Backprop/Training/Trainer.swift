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
  /// How many pieces each batch is cut into for its gradient: each piece (a
  /// *shard*, a run of consecutive examples) is recorded on a tape of its
  /// own, and the shards' gradients are added in shard order. 1 (the
  /// default) records the batch as one graph on the model's tape. The
  /// result depends on the shards (floating-point sums in another order,
  /// a difference of a few units in the last place) but never on
  /// ``threads``. A batch of fewer examples than shards has a shard per
  /// example.
  public var shards: Int
  /// How many threads compute the shards of a batch at once, the calling
  /// thread included; 1 by default. More than one needs ``shards`` of at
  /// least 2; more threads than shards leave the rest idle. The results are
  /// bit-identical for any number of threads.
  ///
  ///     // The same model with threads: 1, 2 or 8; faster with more cores.
  ///     let options = TrainingOptions(epochs: 100, shards: 8, threads: 2)
  public var threads: Int
  /// Epochs of this run already done, 0 (the default) for a fresh run: to
  /// resume a run after epoch k, pass the model and the optimiser as they
  /// were after epoch k (from a checkpoint) and `completedEpochs: k`, with
  /// every other option as in the original run. Training then runs epochs
  /// k + 1 through ``epochs``, with the shuffles, epoch numbers, iteration
  /// counts and stopping rule of the uninterrupted run, and gives the same
  /// parameters and reports bit for bit. The optimiser's ``Optimizer/stepCount``
  /// must be that of k epochs: k times the batches per epoch.
  ///
  ///     // Epochs 1–4 ran and were saved; run 5–10.
  ///     let options = TrainingOptions(epochs: 10, batchSize: 8, seed: 7, completedEpochs: 4)
  public var completedEpochs: Int

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
  ///   - shards: The pieces each batch is cut into; 1 by default.
  ///   - threads: The threads that compute the shards; 1 by default.
  ///   - completedEpochs: Epochs of this run already done, to resume it; 0
  ///     by default.
  public init(
    epochs: Int, batchSize: Int? = nil, shuffle: Bool = true, seed: UInt64 = 0, l2: Double = 0,
    l2IncludesBiases: Bool = true, gradientNormTolerance: Double? = nil, replay: Bool = true,
    shards: Int = 1, threads: Int = 1, completedEpochs: Int = 0
  ) {
    self.epochs = epochs
    self.batchSize = batchSize
    self.shuffle = shuffle
    self.seed = seed
    self.l2 = l2
    self.l2IncludesBiases = l2IncludesBiases
    self.gradientNormTolerance = gradientNormTolerance
    self.replay = replay
    self.shards = shards
    self.threads = threads
    self.completedEpochs = completedEpochs
  }

  /// The batch size of a data set of `count` examples.
  func effectiveBatchSize(count: Int) -> Int { Swift.min(batchSize ?? count, count) }

  /// The updates of one epoch over `count` examples.
  func updatesPerEpoch(count: Int) -> Int {
    let size = effectiveBatchSize(count: count)
    return (count + size - 1) / size
  }

  /// Checks the options against a data set's size.
  func validate(count: Int) throws {
    try requireHyperparameter("epochs", Double(epochs), "must be ≥ 1") { $0 >= 1 }
    if let batchSize {
      try requireHyperparameter("batch size", Double(batchSize), "must be ≥ 1") { $0 >= 1 }
    }
    try requireHyperparameter("shards", Double(shards), "must be ≥ 1") { $0 >= 1 }
    try requireHyperparameter("threads", Double(threads), "must be from 1 to 256") {
      $0 >= 1 && $0 <= 256
    }
    if threads > 1 && shards == 1 {
      throw TrainingError.invalidHyperparameter(
        name: "threads", value: Double(threads),
        requirement:
          "needs shards ≥ 2: the shards of a batch are what runs in parallel; set shards "
          + "(8, say) and keep it, since the result depends on shards, never on threads")
    }
    try requireHyperparameter(
      "completed epochs", Double(completedEpochs), "must be from 0 to epochs (\(epochs))"
    ) { $0 >= 0 && $0 <= Double(epochs) }
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
  try train(
    model, on: data, loss: loss, optimizer: &optimizer, options: options,
    afterEpoch: { report, _ in
      progress(report)
      return .continue
    })
}

/// What ``train(_:on:loss:optimizer:options:afterEpoch:)`` does after an
/// epoch: go on, or stop there.
///
///     let reports = try train(model, on: data, loss: .hinge, optimizer: &sgd,
///                             options: TrainingOptions(epochs: 100)) { report, _ in
///       report.loss < 0.01 ? .stop : .continue
///     }
public enum TrainingControl: Sendable, Equatable {
  /// Run the next epoch (if there is one and the stopping rule allows it).
  case `continue`
  /// Stop now: the model and the optimiser stay exactly as at the end of
  /// the epoch just reported.
  case stop
}

/// Trains `model` on `data` like ``train(_:on:loss:optimizer:options:progress:)``,
/// calling `afterEpoch` after each completed epoch with its report and the
/// optimiser as it is then, so that the caller can save a checkpoint
/// (`model.save(to:optimizer: optimizer.state, …)`) and stop cleanly.
///
/// The closure runs between epochs, when the model's parameters and the
/// optimiser's state are exactly those after the epoch reported: a checkpoint
/// saved there, resumed with ``TrainingOptions/completedEpochs`` set to the
/// report's epoch, continues the run bit for bit. Returning
/// ``TrainingControl/stop`` ends training there, leaving the model and
/// `optimizer` in that state; an error the closure throws ends it the same
/// way and is rethrown. A stop requested during an epoch (a flag set by a
/// signal handler, say) takes effect when the epoch ends.
///
///     nonisolated(unsafe) var interrupted = false  // set by a SIGINT handler
///     try train(model, on: data, loss: .meanSquaredError, optimizer: &adam,
///               options: TrainingOptions(epochs: 100)) { report, adam in
///       if report.epoch % 10 == 0 || interrupted {
///         try model.save(to: "model.json", optimizer: adam.state,
///                        metadata: ["epoch": String(report.epoch)])
///       }
///       return interrupted ? .stop : .continue
///     }
///
/// - Parameters:
///   - model: The network; its parameters are updated in place.
///   - data: The training data.
///   - loss: The loss; the batch loss is its mean over the batch.
///   - optimizer: The optimiser, which must hold `model.parameters`.
///   - options: Epochs, batch size, shuffling, L2, stopping rule, and the
///     epochs already done when resuming.
///   - afterEpoch: Called after each epoch with its report and the
///     optimiser; returns whether to go on.
/// - Returns: One report per epoch run, the last one the epoch stopped at.
/// - Throws: ``TrainingError`` for invalid data or options (before any
///   change), for a resumed optimiser whose step count does not match
///   ``TrainingOptions/completedEpochs``, and for a non-finite step (the
///   model keeps its last good parameters); whatever `afterEpoch` throws.
@discardableResult
public func train<O: Optimizer>(
  _ model: MLP, on data: Dataset, loss: Loss, optimizer: inout O,
  options: TrainingOptions, afterEpoch: (EpochReport, O) throws -> TrainingControl
) throws -> [EpochReport] {
  guard data.featureCount == model.inputSize else {
    throw TrainingError.sizeMismatch(
      what: "features per row vs the model's inputs", expected: model.inputSize,
      actual: data.featureCount)
  }
  try loss.validate(targets: data.targets, outputSize: model.outputSize)
  try options.validate(count: data.count)
  let parameters = model.parameters
  if let reason = optimizerMismatch(optimizer.parameters, parameters) {
    throw TrainingError.optimizerMismatch(reason: reason)
  }
  let layerRanges = model.layers.reduce(into: [Range<Int>]()) { ranges, layer in
    let start = ranges.last?.upperBound ?? 0
    ranges.append(start..<(start + layer.parameterCount))
  }
  let tape = parameters[0].tape
  let block = ParameterBlock(parameters)

  let batchSize = options.effectiveBatchSize(count: data.count)
  let shuffles = options.shuffle && batchSize < data.count
  // Resuming after epoch k: the run's state at the end of epoch k.
  let completed = options.completedEpochs
  var iterations = completed * options.updatesPerEpoch(count: data.count)
  if completed > 0 && optimizer.stepCount != iterations {
    throw TrainingError.sizeMismatch(
      what:
        "the optimiser's step count vs the updates of the \(completed) completed epochs "
        + "(resume with the optimiser state saved after epoch \(completed))",
      expected: iterations, actual: optimizer.stepCount)
  }
  var order = Array(0..<data.count)  // full batch or no shuffling: in order
  var generator = SeededGenerator(seed: options.seed)
  if shuffles {
    // The generator as it was after epoch k: the same draws, discarded.
    for _ in 0..<completed {
      order = Dataset.permutation(count: data.count, using: &generator)
    }
  }
  var reports: [EpochReport] = []
  // Buffers reused at every step: the batch's outputs and the gradient.
  let width = model.outputSize
  var outputs = Array(repeating: 0.0, count: batchSize * width)
  var gradient = Array(repeating: 0.0, count: parameters.count)

  // Everything recorded during training (the full-batch recording) is
  // released when it ends.
  return try tape.withCurrent {
    try tape.scope {
      let batches = BatchGradient(
        model: model, tape: tape, data: data, loss: loss, options: options)
      return try trainEpochs(batches)
    }
  }

  func trainEpochs(_ batches: BatchGradient) throws -> [EpochReport] {
    for epoch in (completed + 1)..<(options.epochs + 1) {
      if shuffles {
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
        let rows = order[start..<Swift.min(start + batchSize, data.count)]
        block.zeroGrad()  // the optimiser's parameters: checked above
        let batchLoss = batches.evaluate(
          rows: rows, isFullBatch: batchSize == data.count, outputs: &outputs)
        let step = iterations + 1
        guard batchLoss.isFinite else {
          throw TrainingError.nonFiniteLoss(epoch: epoch, step: step, loss: batchLoss)
        }
        block.withBuffers(writingData: false) { _, grad in
          for k in 0..<grad.count { gradient[k] = grad[k] }
        }
        if let bad = gradient.first(where: { !$0.isFinite }) {
          throw TrainingError.nonFiniteLoss(epoch: epoch, step: step, loss: bad)
        }
        for (k, range) in layerRanges.enumerated() {
          normSums[k] += euclideanNorm(gradient[range])
        }
        lastNorm = euclideanNorm(gradient)
        learningRate = optimizer.currentLearningRate
        optimizer.step()
        iterations = step
        updates += 1
        lossSum += batchLoss * Double(rows.count)
        for (k, row) in rows.enumerated() {
          let output = outputs[(k * width)..<((k + 1) * width)]
          if let right = loss.isCorrect(output: output, target: data.targets[row]) {
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
      if try afterEpoch(report, optimizer) == .stop { break }
      if let tolerance = options.gradientNormTolerance, lastNorm <= tolerance { break }
    }
    return reports
  }
}

/// Why an optimiser's parameters are not the model's, or `nil` when they are.
func optimizerMismatch(_ held: [Value], _ parameters: [Value]) -> String? {
  guard held.count == parameters.count else {
    return "it holds \(held.count) parameters but the model has \(parameters.count)"
  }
  guard
    let i = held.indices.first(where: {
      held[$0].id != parameters[$0].id || held[$0].tape !== parameters[$0].tape
    })
  else { return nil }
  let own = Set(parameters.map { ObjectIdentifier($0.tape) }) == Set(held.map { ObjectIdentifier($0.tape) })
    && Set(parameters.map(\.id)) == Set(held.map(\.id))
  if own {
    return "it holds the model's \(held.count) parameters but in another order (parameter "
      + "\(i + 1) differs); build it from model.parameters"
  }
  return "it holds \(held.count) parameters, as many as the model, but not the model's own "
    + "(the first other one is parameter \(i + 1)): it was built for another model, or for "
    + "this one before it was rebuilt or loaded; build it from model.parameters"
}
