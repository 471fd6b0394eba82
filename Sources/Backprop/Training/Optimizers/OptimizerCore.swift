// What every optimiser shares, whatever its update rule: its parameters,
// base learning rate, schedule and step count, their checks, and its state.

/// The part of every optimiser that is not its update rule: the parameters
/// (one ``ParameterBlock``), the base learning rate, the schedule and the
/// step count; the checks of the initialisers; and the assembly of an
/// ``OptimizerState``. Each optimiser holds one and adds its own
/// hyperparameters and buffers.
struct OptimizerCore {
  /// The parameters, read and written as buffers.
  let block: ParameterBlock
  /// The base learning rate γ₀, before the schedule.
  let learningRate: Double
  /// How the learning rate changes with the step count.
  let schedule: LearningRateSchedule
  /// The number of updates applied so far.
  var stepCount = 0

  /// Checks, in this order, that there are parameters, that the learning
  /// rate is finite and > 0, the optimiser's own hyperparameters
  /// (`hyperparameters`), and the schedule; then holds them.
  ///
  /// - Throws: ``TrainingError/empty(what:)`` for an empty parameter list,
  ///   ``TrainingError/invalidHyperparameter(name:value:requirement:)`` for a
  ///   hyperparameter outside its range or an invalid schedule.
  init(
    parameters: [Value], learningRate: Double, schedule: LearningRateSchedule,
    validating hyperparameters: () throws -> Void
  ) throws {
    guard !parameters.isEmpty else { throw TrainingError.empty(what: "parameter list") }
    try requireHyperparameter("learningRate", learningRate, "must be finite and > 0") { $0 > 0 }
    try hyperparameters()
    try schedule.validate()
    self.block = ParameterBlock(parameters)
    self.learningRate = learningRate
    self.schedule = schedule
  }

  /// The parameters, in order.
  var parameters: [Value] { block.parameters }

  /// The learning rate of the next step: the schedule's at ``stepCount``.
  var currentLearningRate: Double { schedule.rate(base: learningRate, step: stepCount) }

  /// The state of an optimiser of kind `kind`: `learningRate` added to its
  /// `hyperparameters`, with the schedule, the step count and `buffers`.
  func state(
    kind: String, hyperparameters: [String: Double], buffers: [String: [Double]]
  ) -> OptimizerState {
    var all = hyperparameters
    all["learningRate"] = learningRate
    return OptimizerState(
      kind: kind, hyperparameters: all, schedule: schedule, stepCount: stepCount,
      buffers: buffers)
  }
}

/// Checks a hyperparameter, throwing
/// ``TrainingError/invalidHyperparameter(name:value:requirement:)``.
func requireHyperparameter(
  _ name: String, _ value: Double, _ requirement: String, _ isValid: (Double) -> Bool
) throws {
  guard value.isFinite, isValid(value) else {
    throw TrainingError.invalidHyperparameter(name: name, value: value, requirement: requirement)
  }
}

// MARK: - Reading a saved state

extension OptimizerState {
  /// Throws unless the state was saved by an optimiser of kind `expected`.
  func requireKind(_ expected: String) throws {
    guard kind == expected else {
      throw TrainingError.optimizerKindMismatch(expected: expected, found: kind)
    }
  }

  /// The hyperparameter `name`, or an error naming it when it is missing.
  func hyperparameter(_ name: String) throws -> Double {
    guard let value = hyperparameters[name] else {
      throw TrainingError.invalidHyperparameter(
        name: name, value: .nan, requirement: "missing from the saved optimizer state")
    }
    return value
  }

  /// The step count, checked to be ≥ 0.
  func checkedStepCount() throws -> Int {
    guard stepCount >= 0 else {
      throw TrainingError.invalidHyperparameter(
        name: "stepCount", value: Double(stepCount), requirement: "must be ≥ 0")
    }
    return stepCount
  }

  /// The buffer `name`, checked to hold `count` finite entries, each ≥ 0 when
  /// `nonNegative` is set (sums of squares).
  func buffer(_ name: String, count: Int, nonNegative: Bool = false) throws -> [Double] {
    let values = buffers[name] ?? []
    guard values.count == count else {
      throw TrainingError.sizeMismatch(
        what: "optimizer buffer \"\(name)\" (one entry per parameter)", expected: count,
        actual: values.count)
    }
    for (i, x) in values.enumerated() {
      guard x.isFinite else {
        throw TrainingError.nonFiniteValue(
          what: "optimizer buffer \"\(name)\" entry", index: i, value: x)
      }
      if nonNegative && x < 0 {
        throw TrainingError.invalidHyperparameter(
          name: "\(name)[\(i)]", value: x, requirement: "must be ≥ 0")
      }
    }
    return values
  }
}
