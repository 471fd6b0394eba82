/// AdamW: Adam with decoupled weight decay, which shrinks each parameter
/// towards 0 directly instead of adding λ·p to its gradient.
///
/// With weight decay λ, one step is, for every parameter p (Loshchilov and
/// Hutter, Algorithm 2, with the decay scaled by the learning rate as in
/// PyTorch's `torch.optim.AdamW`):
///
///     p ← p − γₖ·λ·p              (decoupled weight decay)
///     m ← β₁·m + (1 − β₁)·g       (then the ``Adam`` step)
///     v ← β₂·v + (1 − β₂)·g²
///     p ← p − γₖ·(m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
///
/// The gradient g is the one ``Value/backward(gradient:)`` left in `p.grad`;
/// the decay never enters the moments, which is what sets AdamW apart from
/// Adam with an L2 penalty.
///
///     var optimizer = try AdamW(
///       parameters: model.parameters, learningRate: 0.01, weightDecay: 0.05)
///     Tape.scope {
///       optimizer.zeroGrad()
///       loss(model).backward()
///     }
///     optimizer.step()
///
/// References: I. Loshchilov and F. Hutter, "Decoupled weight decay
/// regularization", ICLR 2019, arXiv:1711.05101; D. P. Kingma and J. Ba,
/// "Adam: a method for stochastic optimization", ICLR 2015.
public struct AdamW: Optimizer {
  /// The parameters it updates, in a fixed order.
  public var parameters: [Value] { rule.core.parameters }
  /// The core, the moments, the decay and the update, shared with ``Adam``.
  private var rule: AdamRule
  /// The base learning rate γ₀, before the schedule.
  ///
  ///     let adamw = try AdamW(parameters: model.parameters, learningRate: 0.01)
  ///     print(adamw.learningRate)
  ///     // Prints "0.01"
  public var learningRate: Double { rule.core.learningRate }
  /// The decoupled weight decay λ ≥ 0; 0 makes this ``Adam``.
  ///
  ///     let adamw = try AdamW(parameters: model.parameters)
  ///     print(adamw.weightDecay)
  ///     // Prints "0.01"
  public var weightDecay: Double { rule.weightDecay ?? 0 }
  /// How the learning rate changes with the step count.
  ///
  ///     let adamw = try AdamW(
  ///       parameters: model.parameters, schedule: .linearDecay(final: 1e-4, steps: 100))
  ///     print(adamw.schedule)  // linear to 0.0001 over 100 steps
  public var schedule: LearningRateSchedule { rule.core.schedule }
  /// The number of updates applied so far.
  ///
  ///     var adamw = try AdamW(parameters: model.parameters)
  ///     adamw.step()
  ///     print(adamw.stepCount)  // 1
  public var stepCount: Int { rule.core.stepCount }

  /// β₁, the decay rate of the gradient's running average m, in [0, 1).
  public var beta1: Double { rule.moments.beta1 }
  /// β₂, the decay rate of the squared gradient's running average v, in [0, 1).
  public var beta2: Double { rule.moments.beta2 }
  /// ε > 0, added to √v̂ so that the step never divides by zero.
  public var epsilon: Double { rule.moments.epsilon }

  /// Creates an AdamW optimiser for `parameters`.
  ///
  ///     var adamw = try AdamW(parameters: model.parameters, weightDecay: 0.1)
  ///
  /// - Parameters:
  ///   - parameters: The values to update (leaves, such as a model's
  ///     ``Module/parameters``); at least one.
  ///   - learningRate: γ₀, finite and > 0; 0.001 by default.
  ///   - beta1: β₁, in [0, 1); 0.9 by default.
  ///   - beta2: β₂, in [0, 1); 0.999 by default.
  ///   - epsilon: ε, finite and > 0; 1e-8 by default.
  ///   - weightDecay: λ, finite and ≥ 0; 0.01 by default.
  ///   - schedule: How the learning rate changes with the step count;
  ///     ``LearningRateSchedule/constant`` by default.
  /// - Throws: ``TrainingError/empty(what:)`` for an empty parameter list,
  ///   ``TrainingError/invalidHyperparameter(name:value:requirement:)`` for a
  ///   hyperparameter outside its range or an invalid schedule.
  public init(
    parameters: [Value], learningRate: Double = 0.001, beta1: Double = 0.9,
    beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0.01,
    schedule: LearningRateSchedule = .constant
  ) throws {
    self.rule = try AdamRule(
      parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2,
      epsilon: epsilon, weightDecay: weightDecay, schedule: schedule)
  }

  /// Applies one update from the parameters' current gradients with the
  /// learning rate ``currentLearningRate``, then advances ``stepCount``.
  ///
  ///     optimizer.step()  // p -= lr·λ·p, then the Adam step
  ///
  /// - Complexity: O(*n*) for *n* parameters.
  public mutating func step() { rule.step() }

  /// Everything needed to resume: kind `"adamw"`; hyperparameters
  /// `learningRate`, `beta1`, `beta2`, `epsilon` and `weightDecay`; the
  /// schedule; the step count (which sets the bias correction); and the
  /// buffers `m` and `v`.
  ///
  ///     let saved = optimizer.state
  public var state: OptimizerState { rule.state(kind: "adamw") }

  /// Restores a state saved by ``state``: hyperparameters, schedule, step
  /// count and moments. Later steps are then the same as those of the
  /// optimiser that saved it.
  ///
  ///     var resumed = try AdamW(parameters: model.parameters)
  ///     try resumed.restore(from: saved)
  ///
  /// - Parameter state: A state whose kind is `"adamw"`.
  /// - Throws: ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   for another kind, a missing or invalid hyperparameter, a negative step
  ///   count or a negative entry of `v`;
  ///   ``TrainingError/sizeMismatch(what:expected:actual:)`` when a buffer's
  ///   length is not the number of parameters;
  ///   ``TrainingError/nonFiniteValue(what:index:value:)`` for NaN or ±inf in
  ///   one. Nothing changes when it throws.
  public mutating func restore(from state: OptimizerState) throws {
    rule = try AdamRule(restoring: state, kind: "adamw", parameters: parameters)
  }
}
