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
  _ model: some Model, on data: Dataset, loss: Loss, optimizer: inout O,
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
public func train<M: Model, O: Optimizer>(
  _ model: M, on data: Dataset, loss: Loss, optimizer: inout O,
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
  guard !parameters.isEmpty else {
    throw TrainingError.optimizerMismatch(reason: "the model has no parameters to train")
  }
  let layerRanges = model.parameterGroups.reduce(into: [Range<Int>]()) { ranges, group in
    let start = ranges.last?.upperBound ?? 0
    ranges.append(start..<(start + group.parameters.count))
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

  func trainEpochs(_ batches: BatchGradient<M>) throws -> [EpochReport] {
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
