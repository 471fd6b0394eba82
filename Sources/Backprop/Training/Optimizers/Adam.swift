/// Adam: gradient descent on bias-corrected running averages of the gradient
/// and of its square.
///
/// With gradient g, learning rate γₖ, decay rates β₁ and β₂, ε > 0 and
/// t = k + 1 (the number of this step, from 1), one step is, for every
/// parameter p (Kingma and Ba, Algorithm 1):
///
///     m ← β₁·m + (1 − β₁)·g       (m and v start at 0)
///     v ← β₂·v + (1 − β₂)·g²
///     m̂ = m / (1 − β₁ᵗ)           (bias correction)
///     v̂ = v / (1 − β₂ᵗ)
///     p ← p − γₖ·m̂ / (√v̂ + ε)
///
/// This is what PyTorch's `torch.optim.Adam` computes, up to rounding.
///
///     var optimizer = try Adam(parameters: model.parameters, learningRate: 0.01)
///     Tape.scope {
///       optimizer.zeroGrad()
///       loss(model).backward()
///     }
///     optimizer.step()
///
/// For weight decay use ``AdamW``, which decouples it from the moments.
///
/// Reference: D. P. Kingma and J. Ba, "Adam: a method for stochastic
/// optimization", ICLR 2015, arXiv:1412.6980.
public struct Adam: Optimizer {
  /// The parameters it updates, in a fixed order.
  public var parameters: [Value] { rule.core.parameters }
  /// The core, the moments and the update, shared with ``AdamW``.
  private var rule: AdamRule
  /// The base learning rate γ₀, before the schedule.
  ///
  ///     let adam = try Adam(parameters: model.parameters)
  ///     print(adam.learningRate)
  ///     // Prints "0.001"
  public var learningRate: Double { rule.core.learningRate }
  /// How the learning rate changes with the step count.
  ///
  ///     let adam = try Adam(
  ///       parameters: model.parameters, schedule: .stepDecay(factor: 0.5, every: 10))
  ///     print(adam.schedule)  // ×0.5 every 10 steps
  public var schedule: LearningRateSchedule { rule.core.schedule }
  /// The number of updates applied so far.
  ///
  ///     var adam = try Adam(parameters: model.parameters)
  ///     adam.step()
  ///     print(adam.stepCount)  // 1
  public var stepCount: Int { rule.core.stepCount }

  /// β₁, the decay rate of the gradient's running average m, in [0, 1).
  public var beta1: Double { rule.moments.beta1 }
  /// β₂, the decay rate of the squared gradient's running average v, in [0, 1).
  public var beta2: Double { rule.moments.beta2 }
  /// ε > 0, added to √v̂ so that the step never divides by zero.
  public var epsilon: Double { rule.moments.epsilon }

  /// Creates an Adam optimiser for `parameters`.
  ///
  ///     var adam = try Adam(parameters: model.parameters, learningRate: 0.01)
  ///
  /// - Parameters:
  ///   - parameters: The values to update (leaves, such as a model's
  ///     ``Module/parameters``); at least one.
  ///   - learningRate: γ₀, finite and > 0; 0.001 by default.
  ///   - beta1: β₁, in [0, 1); 0.9 by default.
  ///   - beta2: β₂, in [0, 1); 0.999 by default.
  ///   - epsilon: ε, finite and > 0; 1e-8 by default.
  ///   - schedule: How the learning rate changes with the step count;
  ///     ``LearningRateSchedule/constant`` by default.
  /// - Throws: ``TrainingError/empty(what:)`` for an empty parameter list,
  ///   ``TrainingError/invalidHyperparameter(name:value:requirement:)`` for a
  ///   hyperparameter outside its range or an invalid schedule.
  public init(
    parameters: [Value], learningRate: Double = 0.001, beta1: Double = 0.9,
    beta2: Double = 0.999, epsilon: Double = 1e-8,
    schedule: LearningRateSchedule = .constant
  ) throws {
    self.rule = try AdamRule(
      parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
      epsilon: epsilon, weightDecay: nil, schedule: schedule)
  }

  /// Applies one update from the parameters' current gradients with the
  /// learning rate ``currentLearningRate``, then advances ``stepCount``.
  ///
  ///     optimizer.step()  // p -= lr·m̂/(√v̂ + ε)
  ///
  /// - Complexity: O(*n*) for *n* parameters.
  public mutating func step() { rule.step() }

  /// Everything needed to resume: kind `"adam"`; hyperparameters
  /// `learningRate`, `beta1`, `beta2` and `epsilon`; the schedule; the step
  /// count (which sets the bias correction); and the buffers `m` and `v`.
  ///
  ///     let saved = optimizer.state
  public var state: OptimizerState { rule.state(kind: "adam") }

  /// Restores a state saved by ``state``: hyperparameters, schedule, step
  /// count and moments. Later steps are then the same as those of the
  /// optimiser that saved it.
  ///
  ///     var resumed = try Adam(parameters: model.parameters)
  ///     try resumed.restore(from: saved)
  ///
  /// - Parameter state: A state whose kind is `"adam"`.
  /// - Throws: ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   for another kind, a missing or invalid hyperparameter, a negative step
  ///   count or a negative entry of `v`;
  ///   ``TrainingError/sizeMismatch(what:expected:actual:)`` when a buffer's
  ///   length is not the number of parameters;
  ///   ``TrainingError/nonFiniteValue(what:index:value:)`` for NaN or ±inf in
  ///   one. Nothing changes when it throws.
  public mutating func restore(from state: OptimizerState) throws {
    rule = try AdamRule(restoring: state, kind: "adam", parameters: parameters)
  }
}
