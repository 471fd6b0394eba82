import Backprop
import Foundation
import Testing

// Resuming and stopping `train`: a run interrupted after epoch k, saved to a
// checkpoint file and resumed with `TrainingOptions.completedEpochs: k`, ends
// bit for bit where the uninterrupted run ends, with the same reports, for
// every optimiser and every way of batching; a stop requested after epoch k
// leaves exactly the state after k epochs.

// MARK: - Helpers

/// A regression y = sin(2x₁) − x₂² + noise, x uniform in [−1, 1]².
private func resumeData(count: Int, seed: UInt64) throws -> Dataset {
  try regressionData(count: count, seed: seed) { x, u in Foundation.sin(2 * x[0]) - x[1] * x[1] + 0.05 * u }
}

/// Everything in a report, as bit patterns, so that `==` is bit for bit.
private struct ReportBits: Equatable, CustomStringConvertible {
  let epoch: Int
  let iterations: Int
  let loss: UInt64
  let accuracy: UInt64?
  let learningRate: UInt64
  let layerNorms: [UInt64]
  let norm: UInt64

  init(_ r: EpochReport) {
    epoch = r.epoch
    iterations = r.iterations
    loss = r.loss.bitPattern
    accuracy = r.accuracy?.bitPattern
    learningRate = r.learningRate.bitPattern
    layerNorms = r.layerGradientNorms.map(\.bitPattern)
    norm = r.gradientNorm.bitPattern
  }

  var description: String { "epoch \(epoch), \(iterations) iterations, loss \(loss)" }
}

private func bits(_ reports: [EpochReport]) -> [ReportBits] { reports.map(ReportBits.init) }
private func bits(_ model: MLP) -> [UInt64] { model.parameterValues.map(\.bitPattern) }

/// The optimisers, each with a schedule that changes with the step count, so
/// that a wrong step count after resuming shows.
enum ResumeOptimizerKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case sgd, momentum, nesterov, adagrad, adam, adamw
  var testDescription: String { rawValue }
}

/// The ways of going through the data.
enum ResumeBatchMode: String, CaseIterable, Sendable, CustomTestStringConvertible {
  case fullBatchReplay, fullBatchRecorded, miniBatch, stochastic
  case miniBatchSharded, fullBatchShardedThreads
  var testDescription: String { rawValue }

  func options(epochs: Int, completedEpochs: Int = 0) -> TrainingOptions {
    var options = TrainingOptions(
      epochs: epochs, seed: 11, l2: 1e-3, l2IncludesBiases: false,
      completedEpochs: completedEpochs)
    switch self {
    case .fullBatchReplay: break
    case .fullBatchRecorded: options.replaysFullBatch = false
    case .miniBatch: options.batchSize = 5  // 23 rows: batches of 5, 5, 5, 5, 3
    case .stochastic: options.batchSize = 1
    case .miniBatchSharded:
      options.batchSize = 7
      options.shards = 3
    case .fullBatchShardedThreads:
      options.shards = 4
      options.threads = 2
    }
    return options
  }
}

/// A type-erased optimiser maker: `body` is called with a fresh optimiser of
/// `kind` on `parameters`.
private func withOptimizer<R>(
  _ kind: ResumeOptimizerKind, _ parameters: [Value],
  _ body: (inout any Optimizer) throws -> R
) throws -> R {
  var optimizer: any Optimizer
  switch kind {
  case .sgd:
    optimizer = try SGD(
      parameters: parameters, learningRate: 0.2, schedule: .stepDecay(factor: 0.7, every: 4))
  case .momentum:
    optimizer = try SGD(
      parameters: parameters, learningRate: 0.05, momentum: 0.9, weightDecay: 1e-3,
      schedule: .inverseTime)
  case .nesterov:
    optimizer = try SGD(
      parameters: parameters, learningRate: 0.05, momentum: 0.8, nesterov: true,
      schedule: .linearDecay(final: 0.01, steps: 40))
  case .adagrad:
    optimizer = try Adagrad(
      parameters: parameters, learningRate: 0.3, schedule: .stepDecay(factor: 0.5, every: 7))
  case .adam:
    optimizer = try Adam(
      parameters: parameters, learningRate: 0.02, schedule: .linearDecay(final: 0.001, steps: 30))
  case .adamw:
    optimizer = try AdamW(
      parameters: parameters, learningRate: 0.02, weightDecay: 0.05, schedule: .inverseTime)
  }
  return try body(&optimizer)
}

/// `train` with an existential optimiser.
@discardableResult
private func run(
  _ model: MLP, _ data: Dataset, _ optimizer: inout any Optimizer, _ options: TrainingOptions,
  afterEpoch: (EpochReport, any Optimizer) throws -> TrainingControl = { _, _ in .continue }
) throws -> [EpochReport] {
  func open<O: Optimizer>(_ o: inout O) throws -> [EpochReport] {
    try train(
      model, on: data, loss: .meanSquaredError, optimizer: &o, options: options,
      afterEpoch: { report, o in try afterEpoch(report, o) })
  }
  return try open(&optimizer)
}

/// A fresh directory for checkpoint files, removed by `remove()`.
private struct ScratchDirectory {
  let path: String
  init() throws {
    path = NSTemporaryDirectory() + "backprop-resume-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }
  func remove() { try? FileManager.default.removeItem(atPath: path) }
}

// MARK: - Resumed runs equal uninterrupted ones

@Suite("Resuming an interrupted training run")
struct TrainerResumeTests {
  static let epochs = 6
  static let completed = 2

  @Test(
    "k epochs, a checkpoint file, then the rest: bit for bit the uninterrupted run",
    arguments: ResumeOptimizerKind.allCases, ResumeBatchMode.allCases)
  func resumedRunMatches(kind: ResumeOptimizerKind, mode: ResumeBatchMode) throws {
    let data = try resumeData(count: 23, seed: 3)
    let (epochs, k) = (Self.epochs, Self.completed)

    // Uninterrupted.
    let whole = MLP(inputSize: 2, layerSizes: [5, 4, 1], activation: .tanh, seed: 9)
    let (wholeReports, wholeState) = try withOptimizer(kind, whole.parameters) { o in
      (try run(whole, data, &o, mode.options(epochs: epochs)), o.state)
    }
    #expect(wholeReports.map(\.epoch) == Array(1...epochs))

    // Interrupted after k epochs, saved to a file.
    let directory = try ScratchDirectory()
    defer { directory.remove() }
    let path = directory.path + "/model.json"
    let first = MLP(inputSize: 2, layerSizes: [5, 4, 1], activation: .tanh, seed: 9)
    let firstReports = try withOptimizer(kind, first.parameters) { o in
      var saves = 0
      let reports = try run(first, data, &o, mode.options(epochs: epochs)) { report, o in
        guard report.epoch == k else { return .continue }
        try first.save(to: path, optimizer: o.state, metadata: ["epoch": String(report.epoch)])
        saves += 1
        return .stop
      }
      #expect(saves == 1)
      return reports
    }
    #expect(bits(firstReports) == bits(Array(wholeReports.prefix(k))))

    // Loaded into a fresh model and optimiser, resumed for the rest.
    let checkpoint = try Checkpoint.load(from: path)
    #expect(checkpoint.metadata["epoch"] == String(k))
    let resumed = try checkpoint.makeModel()
    let state = try #require(checkpoint.optimizer)
    let (restReports, restState) = try withOptimizer(kind, resumed.parameters) { o in
      try o.restore(from: state)
      let reports = try run(resumed, data, &o, mode.options(epochs: epochs, completedEpochs: k))
      return (reports, o.state)
    }
    #expect(bits(restReports) == bits(Array(wholeReports.dropFirst(k))))
    #expect(bits(resumed) == bits(whole))
    #expect(restState == wholeState)
  }

  @Test(
    "resumed twice, after epochs 1 and 4: still the uninterrupted run",
    arguments: [ResumeBatchMode.miniBatch, .fullBatchReplay])
  func resumedTwice(mode: ResumeBatchMode) throws {
    let data = try resumeData(count: 23, seed: 5)
    let whole = MLP(inputSize: 2, layerSizes: [6, 1], activation: .relu, seed: 4)
    let wholeReports = try withOptimizer(.adam, whole.parameters) { o in
      try run(whole, data, &o, mode.options(epochs: 7))
    }
    let model = MLP(inputSize: 2, layerSizes: [6, 1], activation: .relu, seed: 4)
    var reports: [EpochReport] = []
    var state: OptimizerState?
    var current = model
    for (done, stopAfter) in [(0, 1), (1, 4), (4, 7)] {
      let loaded: MLP
      if done == 0 {
        loaded = current
      } else {
        let directory = try ScratchDirectory()
        defer { directory.remove() }
        let path = directory.path + "/m.json"
        try current.save(to: path, optimizer: state)
        let checkpoint = try Checkpoint.load(from: path)
        loaded = try checkpoint.makeModel()
        state = checkpoint.optimizer
      }
      let part = try withOptimizer(.adam, loaded.parameters) { o in
        if let state { try o.restore(from: state) }
        let part = try run(loaded, data, &o, mode.options(epochs: 7, completedEpochs: done)) {
          report, _ in report.epoch == stopAfter ? .stop : .continue
        }
        state = o.state
        return part
      }
      reports += part
      current = loaded
    }
    #expect(bits(reports) == bits(wholeReports))
    #expect(bits(current) == bits(whole))
  }

  @Test("the stopping rule stops a resumed run at the epoch it stops the whole run")
  func stoppingRuleContinues() throws {
    let data = try resumeData(count: 23, seed: 8)
    let mode = ResumeBatchMode.fullBatchReplay
    let probe = MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh, seed: 1)
    let norms = try withOptimizer(.sgd, probe.parameters) { o in
      try run(probe, data, &o, mode.options(epochs: 12)).map(\.gradientNorm)
    }
    // A tolerance first met at epoch `stop`, after the resumption point.
    let k = 3
    let tolerance = try #require(norms.dropFirst(k).min())
    let stop = try #require(norms.firstIndex(of: tolerance)) + 1
    try #require(stop > k && norms.prefix(stop - 1).allSatisfy { $0 > tolerance })

    var options = mode.options(epochs: 12)
    options.gradientNormTolerance = tolerance
    let whole = MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh, seed: 1)
    let wholeReports = try withOptimizer(.sgd, whole.parameters) { o in
      try run(whole, data, &o, options)
    }
    #expect(wholeReports.count == stop)

    let model = MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh, seed: 1)
    let rest = try withOptimizer(.sgd, model.parameters) { o in
      try run(model, data, &o, options) { r, _ in r.epoch == k ? .stop : .continue }
      options.completedEpochs = k
      return try run(model, data, &o, options)
    }
    #expect(rest.map(\.epoch) == Array((k + 1)...stop))
    #expect(bits(rest) == bits(Array(wholeReports.dropFirst(k))))
    #expect(bits(model) == bits(whole))
  }

  @Test("completedEpochs equal to epochs runs nothing and changes nothing")
  func nothingLeft() throws {
    let data = try resumeData(count: 10, seed: 2)
    let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 2)
    var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
    try train(model, on: data, loss: .meanSquaredError, optimizer: &sgd,
              options: TrainingOptions(epochs: 3, batchSize: 4))
    let before = bits(model)
    let state = sgd.state
    let reports = try train(
      model, on: data, loss: .meanSquaredError, optimizer: &sgd,
      options: TrainingOptions(epochs: 3, batchSize: 4, completedEpochs: 3))
    #expect(reports.isEmpty)
    #expect(bits(model) == before)
    #expect(sgd.state == state)
  }
}

// MARK: - Refused resumptions

@Suite("Resuming: refused before any change")
struct TrainerResumeRefusalTests {
  @Test("an optimiser whose step count is not that of the completed epochs")
  func wrongStepCount() throws {
    let data = try resumeData(count: 10, seed: 2)
    let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 2)
    var adam = try Adam(parameters: model.parameters, learningRate: 0.01)  // fresh: 0 steps
    let before = bits(model)
    #expect(
      throws: TrainingError.sizeMismatch(
        what: "the optimiser's step count vs the updates of the 2 completed epochs "
          + "(resume with the optimiser state saved after epoch 2)",
        expected: 6, actual: 0)
    ) {
      try train(
        model, on: data, loss: .meanSquaredError, optimizer: &adam,
        options: TrainingOptions(epochs: 5, batchSize: 4, completedEpochs: 2))
    }
    #expect(bits(model) == before)
    #expect(adam.stepCount == 0)
  }

  @Test("completedEpochs outside 0…epochs", arguments: [-1, 6])
  func outOfRange(completed: Int) throws {
    let data = try resumeData(count: 10, seed: 2)
    let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 2)
    var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
    let before = bits(model)
    #expect(
      throws: TrainingError.invalidHyperparameter(
        name: "completed epochs", value: Double(completed),
        requirement: "must be from 0 to epochs (5)")
    ) {
      try train(
        model, on: data, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 5, completedEpochs: completed))
    }
    #expect(bits(model) == before)
  }
}

// MARK: - Stopping between epochs

@Suite("Stopping training between epochs")
struct TrainerStopTests {
  @Test(
    "a stop after epoch k leaves exactly the model and optimiser of a k-epoch run",
    arguments: ResumeOptimizerKind.allCases, [ResumeBatchMode.miniBatch, .fullBatchShardedThreads])
  func stopLeavesStateAfterK(kind: ResumeOptimizerKind, mode: ResumeBatchMode) throws {
    let data = try resumeData(count: 23, seed: 6)
    let k = 3
    let short = MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh, seed: 5)
    let (shortReports, shortState) = try withOptimizer(kind, short.parameters) { o in
      (try run(short, data, &o, mode.options(epochs: k)), o.state)
    }

    let stopped = MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh, seed: 5)
    // A flag set from outside (a signal handler in the CLI), read between epochs.
    var interrupt = false
    let (reports, state) = try withOptimizer(kind, stopped.parameters) { o in
      let reports = try run(stopped, data, &o, mode.options(epochs: 10)) { report, o in
        // The optimiser handed over is the one after this epoch.
        #expect(o.stepCount == report.iterations)
        if report.epoch == k { interrupt = true }
        return interrupt ? .stop : .continue
      }
      return (reports, o.state)
    }
    #expect(bits(reports) == bits(shortReports))
    #expect(bits(stopped) == bits(short))
    #expect(state == shortState)
  }

  @Test("an error thrown after an epoch ends training there and is rethrown")
  func thrownErrorStops() throws {
    struct SaveFailed: Error, Equatable {}
    let data = try resumeData(count: 12, seed: 4)
    let short = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 3)
    var shortSGD = try SGD(parameters: short.parameters, learningRate: 0.1, momentum: 0.5)
    try train(short, on: data, loss: .meanSquaredError, optimizer: &shortSGD,
              options: TrainingOptions(epochs: 2, batchSize: 4))

    let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 3)
    var sgd = try SGD(parameters: model.parameters, learningRate: 0.1, momentum: 0.5)
    var seen: [Int] = []
    #expect(throws: SaveFailed()) {
      try train(
        model, on: data, loss: .meanSquaredError, optimizer: &sgd,
        options: TrainingOptions(epochs: 5, batchSize: 4)
      ) { report, _ in
        seen.append(report.epoch)
        if report.epoch == 2 { throw SaveFailed() }
        return .continue
      }
    }
    #expect(seen == [1, 2])
    #expect(bits(model) == bits(short))
    #expect(sgd.state == shortSGD.state)
  }

  @Test("the progress overload still reports every epoch")
  func progressOverload() throws {
    let data = try resumeData(count: 12, seed: 4)
    let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .tanh, seed: 3)
    var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
    var epochs: [Int] = []
    let reports = try train(
      model, on: data, loss: .meanSquaredError, optimizer: &sgd,
      options: TrainingOptions(epochs: 4, batchSize: 5)
    ) { report in epochs.append(report.epoch) }
    #expect(epochs == [1, 2, 3, 4])
    #expect(reports.map(\.iterations) == [3, 6, 9, 12])
  }
}
