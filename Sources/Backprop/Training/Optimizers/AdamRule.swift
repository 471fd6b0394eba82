// What Adam and AdamW share: the moments m and v with β₁, β₂ and ε, the
// bias-corrected update, and the decoupled weight decay that AdamW adds.

/// The whole of ``Adam`` and ``AdamW`` but their names: the core (parameters,
/// learning rate, schedule, step count), the moments, and the decoupled
/// weight decay λ, `nil` for Adam (whose state has no `weightDecay`).
struct AdamRule {
  var core: OptimizerCore
  var moments: AdamMoments
  let weightDecay: Double?

  /// Checks, in this order, the parameters, the learning rate, β₁, β₂, ε,
  /// λ (unless `nil`) and the schedule, and makes zero moments.
  init(
    parameters: [Value], learningRate: Double, beta1: Double, beta2: Double, epsilon: Double,
    weightDecay: Double?, schedule: LearningRateSchedule
  ) throws {
    self.core = try OptimizerCore(
      parameters: parameters, learningRate: learningRate, schedule: schedule
    ) {
      try AdamMoments.validate(beta1: beta1, beta2: beta2, epsilon: epsilon)
      if let weightDecay {
        try requireHyperparameter("weightDecay", weightDecay, "must be finite and ≥ 0") {
          $0 >= 0
        }
      }
    }
    self.moments = AdamMoments(
      count: parameters.count, beta1: beta1, beta2: beta2, epsilon: epsilon)
    self.weightDecay = weightDecay
  }

  /// The rule of `kind` restored from `state`: hyperparameters, schedule,
  /// step count and moments, all checked before anything is used.
  init(restoring state: OptimizerState, kind: String, parameters: [Value]) throws {
    try state.requireKind(kind)
    try self.init(
      parameters: parameters, learningRate: state.hyperparameter("learningRate"),
      beta1: state.hyperparameter("beta1"), beta2: state.hyperparameter("beta2"),
      epsilon: state.hyperparameter("epsilon"),
      weightDecay: kind == "adamw" ? state.hyperparameter("weightDecay") : nil,
      schedule: state.schedule)
    core.stepCount = try state.checkedStepCount()
    try moments.restoreBuffers(from: state)
  }

  /// One step: `p ← p − γₖ·λ·p` when λ ≠ 0, then the Adam update of step
  /// `t = stepCount + 1` with the same γₖ.
  mutating func step() {
    let lr = core.currentLearningRate
    if let decay = weightDecay, decay != 0 {
      core.block.withBuffers { data, _ in
        for i in 0..<data.count { data[i] -= lr * decay * data[i] }
      }
    }
    moments.apply(to: core.block, learningRate: lr, t: core.stepCount + 1)
    core.stepCount += 1
  }

  /// The state of kind `kind`: β₁, β₂, ε (and λ for AdamW) with the core's,
  /// and the buffers `m` and `v`.
  func state(kind: String) -> OptimizerState {
    var hyperparameters = moments.hyperparameters
    if let weightDecay { hyperparameters["weightDecay"] = weightDecay }
    return core.state(kind: kind, hyperparameters: hyperparameters, buffers: moments.buffers)
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

  /// Throws unless β₁ and β₂ are in [0, 1) and ε is finite and > 0.
  static func validate(beta1: Double, beta2: Double, epsilon: Double) throws {
    try requireHyperparameter("beta1", beta1, "must be in [0, 1)") { $0 >= 0 && $0 < 1 }
    try requireHyperparameter("beta2", beta2, "must be in [0, 1)") { $0 >= 0 && $0 < 1 }
    try requireHyperparameter("epsilon", epsilon, "must be finite and > 0") { $0 > 0 }
  }

  /// Zero moments for `count` parameters, with β₁, β₂ and ε checked by
  /// ``validate(beta1:beta2:epsilon:)``.
  init(count: Int, beta1: Double, beta2: Double, epsilon: Double) {
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
