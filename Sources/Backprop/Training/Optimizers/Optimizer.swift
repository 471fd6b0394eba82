/// Something that updates parameters from their gradients: ``SGD``
/// (with momentum and Nesterov), ``Adagrad``, ``Adam``, ``AdamW``.
///
///     var optimizer = try SGD(parameters: model.parameters, learningRate: 0.1)
///     for _ in 0..<100 {
///       Tape.scope {
///         optimizer.zeroGrad()
///         let loss = ...  // built from the model
///         loss.backward()
///       }
///       optimizer.step()
///     }
///
/// An optimiser holds the parameters (handles into the tape) and its own
/// state: one buffer per parameter for momentum or moments, and the step
/// count that its ``LearningRateSchedule`` reads. Initialisers validate the
/// hyperparameters and throw ``TrainingError/invalidHyperparameter(name:value:requirement:)``.
public protocol Optimizer {
  /// The parameters it updates, in a fixed order.
  var parameters: [Value] { get }
  /// The base learning rate, before the schedule.
  var learningRate: Double { get }
  /// How the learning rate changes with the step count.
  var schedule: LearningRateSchedule { get }
  /// The number of updates applied so far.
  var stepCount: Int { get }

  /// Applies one update from the parameters' current gradients, with the
  /// learning rate ``schedule`` gives for ``stepCount``, then advances
  /// ``stepCount``.
  mutating func step()

  /// Everything needed to resume: hyperparameters, step count, buffers.
  var state: OptimizerState { get }

  /// Restores a state saved by ``state``; throws, changing nothing, when it
  /// belongs to another kind of optimiser or another number of parameters.
  mutating func restore(from state: OptimizerState) throws
}

extension Optimizer {
  /// Sets every parameter's gradient to zero.
  ///
  ///     optimizer.zeroGrad()  // before each backward pass
  public func zeroGrad() {
    for p in parameters { p.zeroGrad() }
  }

  /// The learning rate the next ``step()`` will use.
  public var currentLearningRate: Double {
    schedule.rate(base: learningRate, step: stepCount)
  }
}

/// An optimiser's resumable state, as saved in a checkpoint.
///
///     let json = try JSONEncoder().encode(optimizer.state)
///     let saved = try JSONDecoder().decode(OptimizerState.self, from: json)
///     try optimizer.restore(from: saved)
public struct OptimizerState: Sendable, Equatable, Codable {
  /// The optimiser: `sgd`, `adagrad`, `adam` or `adamw`.
  public var kind: String
  /// Its hyperparameters by name (`learningRate`, `momentum`, `beta1`, …).
  public var hyperparameters: [String: Double]
  /// Its schedule.
  public var schedule: LearningRateSchedule
  /// Updates applied so far.
  public var stepCount: Int
  /// Per-parameter buffers by name (`velocity`, `m`, `v`, `sumOfSquares`),
  /// each with one entry per parameter.
  public var buffers: [String: [Double]]

  /// Creates a state.
  ///
  ///     let state = OptimizerState(
  ///       kind: "adagrad", hyperparameters: ["learningRate": 0.1, "epsilon": 1e-10],
  ///       schedule: .constant, stepCount: 0, buffers: ["sumOfSquares": [0, 0, 0]])
  ///
  /// - Parameters:
  ///   - kind: The optimiser: `sgd`, `adagrad`, `adam` or `adamw`.
  ///   - hyperparameters: Its hyperparameters by name.
  ///   - schedule: Its schedule.
  ///   - stepCount: Updates applied so far.
  ///   - buffers: Per-parameter buffers by name, one entry per parameter.
  public init(
    kind: String, hyperparameters: [String: Double], schedule: LearningRateSchedule,
    stepCount: Int, buffers: [String: [Double]]
  ) {
    self.kind = kind
    self.hyperparameters = hyperparameters
    self.schedule = schedule
    self.stepCount = stepCount
    self.buffers = buffers
  }
}
