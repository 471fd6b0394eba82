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
  public var parameters: [Value] { block.parameters }
  private let block: ParameterBlock
  /// The base learning rate γ₀, before the schedule.
  ///
  ///     let adam = try Adam(parameters: model.parameters)
  ///     print(adam.learningRate)
  ///     // Prints "0.001"
  public private(set) var learningRate: Double
  /// How the learning rate changes with the step count.
  ///
  ///     let adam = try Adam(
  ///       parameters: model.parameters, schedule: .stepDecay(factor: 0.5, every: 10))
  ///     print(adam.schedule)  // ×0.5 every 10 steps
  public private(set) var schedule: LearningRateSchedule
  /// The number of updates applied so far.
  ///
  ///     var adam = try Adam(parameters: model.parameters)
  ///     adam.step()
  ///     print(adam.stepCount)  // 1
  public private(set) var stepCount: Int = 0
  /// The moments and their hyperparameters.
  private var moments: AdamMoments

  /// β₁, the decay rate of the gradient's running average m, in [0, 1).
  public var beta1: Double { moments.beta1 }
  /// β₂, the decay rate of the squared gradient's running average v, in [0, 1).
  public var beta2: Double { moments.beta2 }
  /// ε > 0, added to √v̂ so that the step never divides by zero.
  public var epsilon: Double { moments.epsilon }

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
    guard !parameters.isEmpty else { throw TrainingError.empty(what: "parameter list") }
    try requireHyperparameter("learningRate", learningRate, "must be finite and > 0") { $0 > 0 }
    self.moments = try AdamMoments(
      count: parameters.count, beta1: beta1, beta2: beta2, epsilon: epsilon)
    try schedule.validate()
    self.block = ParameterBlock(parameters)
    self.learningRate = learningRate
    self.schedule = schedule
  }

  /// Applies one update from the parameters' current gradients with the
  /// learning rate ``currentLearningRate``, then advances ``stepCount``.
  ///
  ///     optimizer.step()  // p -= lr·m̂/(√v̂ + ε)
  ///
  /// - Complexity: O(*n*) for *n* parameters.
  public mutating func step() {
    moments.apply(to: block, learningRate: currentLearningRate, t: stepCount + 1)
    stepCount += 1
  }

  /// Everything needed to resume: kind `"adam"`; hyperparameters
  /// `learningRate`, `beta1`, `beta2` and `epsilon`; the schedule; the step
  /// count (which sets the bias correction); and the buffers `m` and `v`.
  ///
  ///     let saved = optimizer.state
  public var state: OptimizerState {
    var hyperparameters = moments.hyperparameters
    hyperparameters["learningRate"] = learningRate
    return OptimizerState(
      kind: "adam", hyperparameters: hyperparameters, schedule: schedule,
      stepCount: stepCount, buffers: moments.buffers)
  }

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
    try state.requireKind("adam")
    var restored = try Adam(
      parameters: parameters, learningRate: state.hyperparameter("learningRate"),
      beta1: state.hyperparameter("beta1"), beta2: state.hyperparameter("beta2"),
      epsilon: state.hyperparameter("epsilon"), schedule: state.schedule)
    restored.stepCount = try state.checkedStepCount()
    try restored.moments.restoreBuffers(from: state)
    self = restored
  }
}

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
  public var parameters: [Value] { block.parameters }
  private let block: ParameterBlock
  /// The base learning rate γ₀, before the schedule.
  ///
  ///     let adamw = try AdamW(parameters: model.parameters, learningRate: 0.01)
  ///     print(adamw.learningRate)
  ///     // Prints "0.01"
  public private(set) var learningRate: Double
  /// The decoupled weight decay λ ≥ 0; 0 makes this ``Adam``.
  ///
  ///     let adamw = try AdamW(parameters: model.parameters)
  ///     print(adamw.weightDecay)
  ///     // Prints "0.01"
  public private(set) var weightDecay: Double
  /// How the learning rate changes with the step count.
  ///
  ///     let adamw = try AdamW(
  ///       parameters: model.parameters, schedule: .linearDecay(final: 1e-4, steps: 100))
  ///     print(adamw.schedule)  // linear to 0.0001 over 100 steps
  public private(set) var schedule: LearningRateSchedule
  /// The number of updates applied so far.
  ///
  ///     var adamw = try AdamW(parameters: model.parameters)
  ///     adamw.step()
  ///     print(adamw.stepCount)  // 1
  public private(set) var stepCount: Int = 0
  /// The moments and their hyperparameters.
  private var moments: AdamMoments

  /// β₁, the decay rate of the gradient's running average m, in [0, 1).
  public var beta1: Double { moments.beta1 }
  /// β₂, the decay rate of the squared gradient's running average v, in [0, 1).
  public var beta2: Double { moments.beta2 }
  /// ε > 0, added to √v̂ so that the step never divides by zero.
  public var epsilon: Double { moments.epsilon }

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
    guard !parameters.isEmpty else { throw TrainingError.empty(what: "parameter list") }
    try requireHyperparameter("learningRate", learningRate, "must be finite and > 0") { $0 > 0 }
    self.moments = try AdamMoments(
      count: parameters.count, beta1: beta1, beta2: beta2, epsilon: epsilon)
    try requireHyperparameter("weightDecay", weightDecay, "must be finite and ≥ 0") { $0 >= 0 }
    try schedule.validate()
    self.block = ParameterBlock(parameters)
    self.learningRate = learningRate
    self.weightDecay = weightDecay
    self.schedule = schedule
  }

  /// Applies one update from the parameters' current gradients with the
  /// learning rate ``currentLearningRate``, then advances ``stepCount``.
  ///
  ///     optimizer.step()  // p -= lr·λ·p, then the Adam step
  ///
  /// - Complexity: O(*n*) for *n* parameters.
  public mutating func step() {
    let lr = currentLearningRate
    if weightDecay != 0 {
      block.withBuffers { data, _ in
        for i in 0..<data.count { data[i] -= lr * weightDecay * data[i] }
      }
    }
    moments.apply(to: block, learningRate: lr, t: stepCount + 1)
    stepCount += 1
  }

  /// Everything needed to resume: kind `"adamw"`; hyperparameters
  /// `learningRate`, `beta1`, `beta2`, `epsilon` and `weightDecay`; the
  /// schedule; the step count (which sets the bias correction); and the
  /// buffers `m` and `v`.
  ///
  ///     let saved = optimizer.state
  public var state: OptimizerState {
    var hyperparameters = moments.hyperparameters
    hyperparameters["learningRate"] = learningRate
    hyperparameters["weightDecay"] = weightDecay
    return OptimizerState(
      kind: "adamw", hyperparameters: hyperparameters, schedule: schedule,
      stepCount: stepCount, buffers: moments.buffers)
  }

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
    try state.requireKind("adamw")
    var restored = try AdamW(
      parameters: parameters, learningRate: state.hyperparameter("learningRate"),
      beta1: state.hyperparameter("beta1"), beta2: state.hyperparameter("beta2"),
      epsilon: state.hyperparameter("epsilon"),
      weightDecay: state.hyperparameter("weightDecay"), schedule: state.schedule)
    restored.stepCount = try state.checkedStepCount()
    try restored.moments.restoreBuffers(from: state)
    self = restored
  }
}

/// The part of ``Adam`` and ``AdamW`` they share: β₁, β₂, ε, the moments m
/// and v, and the bias-corrected update.
struct AdamMoments {
  let beta1: Double
  let beta2: Double
  let epsilon: Double
  /// The running average of the gradient, one per parameter.
  private(set) var m: [Double]
  /// The running average of the squared gradient, one per parameter.
  private(set) var v: [Double]

  /// Validates β₁, β₂ and ε and makes zero moments for `count` parameters.
  init(count: Int, beta1: Double, beta2: Double, epsilon: Double) throws {
    try requireHyperparameter("beta1", beta1, "must be in [0, 1)") { $0 >= 0 && $0 < 1 }
    try requireHyperparameter("beta2", beta2, "must be in [0, 1)") { $0 >= 0 && $0 < 1 }
    try requireHyperparameter("epsilon", epsilon, "must be finite and > 0") { $0 > 0 }
    self.beta1 = beta1
    self.beta2 = beta2
    self.epsilon = epsilon
    self.m = Array(repeating: 0, count: count)
    self.v = Array(repeating: 0, count: count)
  }

  /// `beta1`, `beta2` and `epsilon` by name.
  var hyperparameters: [String: Double] {
    ["beta1": beta1, "beta2": beta2, "epsilon": epsilon]
  }

  /// `m` and `v` by name.
  var buffers: [String: [Double]] { ["m": m, "v": v] }

  /// Replaces m and v with the state's, changing nothing when either is
  /// invalid.
  mutating func restoreBuffers(from state: OptimizerState) throws {
    let newM = try state.buffer("m", count: m.count)
    let newV = try state.buffer("v", count: v.count, nonNegative: true)
    m = newM
    v = newV
  }

  /// The Adam update of step `t` (from 1) with learning rate `lr`, from the
  /// parameters' gradients.
  mutating func apply(to parameters: ParameterBlock, learningRate lr: Double, t: Int) {
    let correction1 = 1 - LibM.pow(beta1, Double(t))
    let correction2 = 1 - LibM.pow(beta2, Double(t))
    parameters.withBuffers { data, grad in
      for i in 0..<data.count {
        let g = grad[i]
        let mi = beta1 * m[i] + (1 - beta1) * g
        let vi = beta2 * v[i] + (1 - beta2) * (g * g)
        m[i] = mi
        v[i] = vi
        let mHat = mi / correction1
        let vHat = vi / correction2
        data[i] -= lr * mHat / (vHat.squareRoot() + epsilon)
      }
    }
  }
}
