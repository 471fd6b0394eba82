/// Stochastic gradient descent, with optional momentum, Nesterov momentum and
/// weight decay: the update rule of seed 002, wₖ₊₁ = wₖ − γₖ·∇e(wₖ).
///
/// With the defaults (no momentum, no weight decay) each ``step()`` applies
/// exactly `p.data -= lr * p.grad` to every parameter, where `lr` is
/// ``currentLearningRate``: the update micrograd's demo writes by hand, so
/// the two give the same numbers bit for bit.
///
///     let model = MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh)
///     var optimizer = try SGD(
///       parameters: model.parameters, learningRate: 1,
///       schedule: .linearDecay(final: 0.1, steps: 100))
///     for _ in 0..<100 {
///       Tape.scope {
///         optimizer.zeroGrad()
///         let loss = ...  // built from the model
///         loss.backward()
///       }
///       optimizer.step()
///     }
///
/// With gradient g, weight decay λ, momentum μ and learning rate γₖ, one step
/// is, for every parameter p (as PyTorch's `torch.optim.SGD`, with no
/// dampening):
///
///     g ← g + λ·p                 (when λ > 0)
///     v ← μ·v + g                 (when μ > 0; v starts at 0)
///     p ← p − γₖ·v                (classical momentum)
///     p ← p − γₖ·(g + μ·v)        (Nesterov momentum)
///     p ← p − γₖ·g                (no momentum)
///
/// The schedule ``LearningRateSchedule/inverseTime`` gives the seed's
/// Robbins–Monro step sizes γₖ = γ₀/(k + 1).
///
/// References: H. Robbins and S. Monro, "A stochastic approximation method",
/// Annals of Mathematical Statistics 22(3), 1951; B. T. Polyak, "Some methods
/// of speeding up the convergence of iteration methods", USSR Computational
/// Mathematics and Mathematical Physics 4(5), 1964; I. Sutskever, J. Martens,
/// G. Dahl and G. Hinton, "On the importance of initialization and momentum
/// in deep learning", ICML 2013.
public struct SGD: Optimizer {
  /// The parameters it updates, in a fixed order.
  public var parameters: [Value] { core.parameters }
  /// The parameters, learning rate, schedule and step count.
  private var core: OptimizerCore
  /// The base learning rate γ₀, before the schedule.
  ///
  ///     let sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
  ///     print(sgd.learningRate)
  ///     // Prints "0.1"
  public var learningRate: Double { core.learningRate }
  /// The momentum factor μ, in [0, 1); 0 turns momentum off.
  ///
  ///     let sgd = try SGD(parameters: model.parameters, learningRate: 0.1, momentum: 0.9)
  ///     print(sgd.momentum)
  ///     // Prints "0.9"
  public private(set) var momentum: Double
  /// Whether the momentum is Nesterov's (look-ahead) rather than classical.
  ///
  ///     let sgd = try SGD(
  ///       parameters: model.parameters, learningRate: 0.1, momentum: 0.9, nesterov: true)
  ///     print(sgd.nesterov)  // true
  public private(set) var nesterov: Bool
  /// The L2 penalty λ ≥ 0 added to each gradient as λ·p; 0 turns it off.
  ///
  ///     let sgd = try SGD(parameters: model.parameters, learningRate: 0.1, weightDecay: 1e-4)
  ///     print(sgd.weightDecay)
  ///     // Prints "0.0001"
  public private(set) var weightDecay: Double
  /// How the learning rate changes with the step count.
  ///
  ///     let sgd = try SGD(parameters: model.parameters, learningRate: 0.1, schedule: .inverseTime)
  ///     print(sgd.schedule)
  ///     // Prints "1/(k+1)"
  public var schedule: LearningRateSchedule { core.schedule }
  /// The number of updates applied so far.
  ///
  ///     var sgd = try SGD(parameters: model.parameters, learningRate: 0.1)
  ///     sgd.step()
  ///     print(sgd.stepCount)  // 1
  public var stepCount: Int { core.stepCount }
  /// The momentum buffer v, one entry per parameter (all 0 without momentum).
  private var velocity: [Double]

  /// Creates an SGD optimiser for `parameters`.
  ///
  ///     var sgd = try SGD(parameters: model.parameters, learningRate: 0.05, momentum: 0.9)
  ///
  /// - Parameters:
  ///   - parameters: The values to update (leaves, such as a model's
  ///     ``Module/parameters``); at least one.
  ///   - learningRate: γ₀, finite and > 0.
  ///   - momentum: μ, in [0, 1); 0 (the default) for none.
  ///   - nesterov: Whether to use Nesterov momentum; needs `momentum > 0`.
  ///   - weightDecay: λ, finite and ≥ 0; 0 (the default) for none.
  ///   - schedule: How the learning rate changes with the step count;
  ///     ``LearningRateSchedule/constant`` by default.
  /// - Throws: ``TrainingError/empty(what:)`` for an empty parameter list,
  ///   ``TrainingError/invalidHyperparameter(name:value:requirement:)`` for a
  ///   hyperparameter outside its range or an invalid schedule.
  public init(
    parameters: [Value], learningRate: Double, momentum: Double = 0,
    nesterov: Bool = false, weightDecay: Double = 0,
    schedule: LearningRateSchedule = .constant
  ) throws {
    self.core = try OptimizerCore(
      parameters: parameters, learningRate: learningRate, schedule: schedule
    ) {
      try requireHyperparameter("momentum", momentum, "must be in [0, 1)") { $0 >= 0 && $0 < 1 }
      if nesterov {
        try requireHyperparameter("momentum", momentum, "must be > 0 with Nesterov momentum") {
          $0 > 0
        }
      }
      try requireHyperparameter("weightDecay", weightDecay, "must be finite and ≥ 0") { $0 >= 0 }
    }
    self.momentum = momentum
    self.nesterov = nesterov
    self.weightDecay = weightDecay
    self.velocity = Array(repeating: 0, count: parameters.count)
  }

  /// Applies one update from the parameters' current gradients with the
  /// learning rate ``currentLearningRate``, then advances ``stepCount``.
  ///
  ///     optimizer.step()  // p.data -= lr * p.grad, without momentum
  ///
  /// - Complexity: O(*n*) for *n* parameters.
  public mutating func step() {
    let lr = core.currentLearningRate
    core.block.withBuffers { data, grad in
      if momentum == 0 && weightDecay == 0 {
        for i in 0..<data.count { data[i] -= lr * grad[i] }
        return
      }
      for i in 0..<data.count {
        var g = grad[i]
        if weightDecay != 0 { g += weightDecay * data[i] }
        if momentum != 0 {
          let v = momentum * velocity[i] + g
          velocity[i] = v
          g = nesterov ? g + momentum * v : v
        }
        data[i] -= lr * g
      }
    }
    core.stepCount += 1
  }

  /// Everything needed to resume: kind `"sgd"`; hyperparameters
  /// `learningRate`, `momentum`, `nesterov` (1 or 0) and `weightDecay`; the
  /// schedule; the step count; and the buffer `velocity`.
  ///
  ///     let saved = optimizer.state
  public var state: OptimizerState {
    core.state(
      kind: "sgd",
      hyperparameters: [
        "momentum": momentum, "nesterov": nesterov ? 1 : 0, "weightDecay": weightDecay,
      ],
      buffers: ["velocity": velocity])
  }

  /// Restores a state saved by ``state``: hyperparameters, schedule, step
  /// count and momentum buffer. Later steps are then the same as those of the
  /// optimiser that saved it.
  ///
  ///     var resumed = try SGD(parameters: model.parameters, learningRate: 0.1)
  ///     try resumed.restore(from: saved)
  ///
  /// - Parameter state: A state whose kind is `"sgd"`.
  /// - Throws: ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   for another kind, a missing or invalid hyperparameter or a negative
  ///   step count; ``TrainingError/sizeMismatch(what:expected:actual:)`` when
  ///   the buffer's length is not the number of parameters;
  ///   ``TrainingError/nonFiniteValue(what:index:value:)`` for NaN or ±inf in
  ///   it. Nothing changes when it throws.
  public mutating func restore(from state: OptimizerState) throws {
    try state.requireKind("sgd")
    let nesterovFlag = try state.hyperparameter("nesterov")
    guard nesterovFlag == 0 || nesterovFlag == 1 else {
      throw TrainingError.invalidHyperparameter(
        name: "nesterov", value: nesterovFlag, requirement: "must be 0 or 1")
    }
    var restored = try SGD(
      parameters: parameters, learningRate: state.hyperparameter("learningRate"),
      momentum: state.hyperparameter("momentum"), nesterov: nesterovFlag == 1,
      weightDecay: state.hyperparameter("weightDecay"), schedule: state.schedule)
    restored.core.stepCount = try state.checkedStepCount()
    restored.velocity = try state.buffer("velocity", count: parameters.count)
    self = restored
  }
}
