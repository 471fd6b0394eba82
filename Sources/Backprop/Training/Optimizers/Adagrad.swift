/// Adagrad: gradient descent with a learning rate per parameter that shrinks
/// with the sum of that parameter's squared gradients.
///
/// With gradient g, learning rate γₖ and ε > 0, one step is, for every
/// parameter p (as PyTorch's `torch.optim.Adagrad` with no learning-rate
/// decay and an initial accumulator of 0):
///
///     s ← s + g²                  (s starts at 0)
///     p ← p − γₖ·g / (√s + ε)
///
/// Parameters with large or frequent gradients take smaller steps; rarely
/// updated ones keep larger steps.
///
///     var optimizer = try Adagrad(parameters: model.parameters, learningRate: 0.1)
///     Tape.scope {
///       optimizer.zeroGrad()
///       loss(model).backward()
///     }
///     optimizer.step()
///
/// Reference: J. Duchi, E. Hazan and Y. Singer, "Adaptive subgradient methods
/// for online learning and stochastic optimization", JMLR 12, 2011.
public struct Adagrad: Optimizer {
  /// The parameters it updates, in a fixed order.
  public var parameters: [Value] { core.parameters }
  /// The parameters, learning rate, schedule and step count.
  private var core: OptimizerCore
  /// The base learning rate γ₀, before the schedule.
  ///
  ///     let adagrad = try Adagrad(parameters: model.parameters, learningRate: 0.1)
  ///     print(adagrad.learningRate)
  ///     // Prints "0.1"
  public var learningRate: Double { core.learningRate }
  /// ε > 0, added to √s so that the first steps never divide by zero.
  ///
  ///     let adagrad = try Adagrad(parameters: model.parameters, learningRate: 0.1)
  ///     print(adagrad.epsilon)
  ///     // Prints "1e-10"
  public private(set) var epsilon: Double
  /// How the learning rate changes with the step count.
  ///
  ///     let adagrad = try Adagrad(
  ///       parameters: model.parameters, learningRate: 0.1, schedule: .inverseTime)
  ///     print(adagrad.schedule)  // 1/(k+1)
  public var schedule: LearningRateSchedule { core.schedule }
  /// The number of updates applied so far.
  ///
  ///     var adagrad = try Adagrad(parameters: model.parameters, learningRate: 0.1)
  ///     adagrad.step()
  ///     print(adagrad.stepCount)  // 1
  public var stepCount: Int { core.stepCount }
  /// The running sums of squared gradients s, one per parameter.
  private var sumOfSquares: [Double]

  /// Creates an Adagrad optimiser for `parameters`.
  ///
  ///     var adagrad = try Adagrad(parameters: model.parameters, learningRate: 0.5)
  ///
  /// - Parameters:
  ///   - parameters: The values to update (leaves, such as a model's
  ///     ``Module/parameters``); at least one.
  ///   - learningRate: γ₀, finite and > 0.
  ///   - epsilon: ε, finite and > 0; 1e-10 by default.
  ///   - schedule: How the learning rate changes with the step count;
  ///     ``LearningRateSchedule/constant`` by default.
  /// - Throws: ``TrainingError/empty(what:)`` for an empty parameter list,
  ///   ``TrainingError/invalidHyperparameter(name:value:requirement:)`` for a
  ///   hyperparameter outside its range or an invalid schedule.
  public init(
    parameters: [Value], learningRate: Double, epsilon: Double = 1e-10,
    schedule: LearningRateSchedule = .constant
  ) throws {
    self.core = try OptimizerCore(
      parameters: parameters, learningRate: learningRate, schedule: schedule
    ) {
      try requireHyperparameter("epsilon", epsilon, "must be finite and > 0") { $0 > 0 }
    }
    self.epsilon = epsilon
    self.sumOfSquares = Array(repeating: 0, count: parameters.count)
  }

  /// Applies one update from the parameters' current gradients with the
  /// learning rate ``currentLearningRate``, then advances ``stepCount``.
  ///
  ///     optimizer.step()  // s += g²; p -= lr·g/(√s + ε)
  ///
  /// - Complexity: O(*n*) for *n* parameters.
  public mutating func step() {
    let lr = core.currentLearningRate
    core.block.withBuffers { data, grad in
      for i in 0..<data.count {
        let g = grad[i]
        let s = sumOfSquares[i] + g * g
        sumOfSquares[i] = s
        data[i] -= lr * g / (s.squareRoot() + epsilon)
      }
    }
    core.stepCount += 1
  }

  /// Everything needed to resume: kind `"adagrad"`; hyperparameters
  /// `learningRate` and `epsilon`; the schedule; the step count; and the
  /// buffer `sumOfSquares`.
  ///
  ///     let saved = optimizer.state
  public var state: OptimizerState {
    core.state(
      kind: "adagrad", hyperparameters: ["epsilon": epsilon],
      buffers: ["sumOfSquares": sumOfSquares])
  }

  /// Restores a state saved by ``state``: hyperparameters, schedule, step
  /// count and sums of squares. Later steps are then the same as those of
  /// the optimiser that saved it.
  ///
  ///     var resumed = try Adagrad(parameters: model.parameters, learningRate: 0.1)
  ///     try resumed.restore(from: saved)
  ///
  /// - Parameter state: A state whose kind is `"adagrad"`.
  /// - Throws: ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   for another kind, a missing or invalid hyperparameter, a negative step
  ///   count or a negative sum of squares;
  ///   ``TrainingError/sizeMismatch(what:expected:actual:)`` when the
  ///   buffer's length is not the number of parameters;
  ///   ``TrainingError/nonFiniteValue(what:index:value:)`` for NaN or ±inf in
  ///   it. Nothing changes when it throws.
  public mutating func restore(from state: OptimizerState) throws {
    try state.requireKind("adagrad")
    var restored = try Adagrad(
      parameters: parameters, learningRate: state.hyperparameter("learningRate"),
      epsilon: state.hyperparameter("epsilon"), schedule: state.schedule)
    restored.core.stepCount = try state.checkedStepCount()
    restored.sumOfSquares = try state.buffer(
      "sumOfSquares", count: parameters.count, nonNegative: true)
    self = restored
  }
}
