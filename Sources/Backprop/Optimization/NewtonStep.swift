// The records of Newton's method: what one step did, and what a
// minimisation did.

/// What one ``Newton`` step did.
///
///     let step = try newton.step { loss(w) }
///     print(step.newValue < step.value)
public struct NewtonStep: Sendable, Equatable {
  /// f(xᵏ), before the step.
  public var value: Double
  /// f(xᵏ⁺¹), after it.
  public var newValue: Double
  /// ∇f(xᵏ).
  public var gradient: [Double]
  /// ‖∇f(xᵏ)‖₂.
  public var gradientNorm: Double
  /// d, the solution of (H + λI) d = −∇f(xᵏ).
  public var direction: [Double]
  /// t: the parameters moved by t·d (1 unless backtracking; 0 at a
  /// stationary point).
  public var stepSize: Double
  /// λ, the damping used (0 unless Levenberg–Marquardt).
  public var damping: Double
  /// The trial points at which f was evaluated.
  public var evaluations: Int

  /// Creates a step's record.
  ///
  ///     let step = NewtonStep(
  ///       value: 2, newValue: 1, gradient: [1], gradientNorm: 1, direction: [-1],
  ///       stepSize: 1, damping: 0, evaluations: 1)
  ///
  /// - Parameters:
  ///   - value: f before the step.
  ///   - newValue: f after it.
  ///   - gradient: ∇f before it.
  ///   - gradientNorm: ‖∇f‖₂ before it.
  ///   - direction: d.
  ///   - stepSize: t.
  ///   - damping: λ.
  ///   - evaluations: The trial points evaluated.
  public init(
    value: Double, newValue: Double, gradient: [Double], gradientNorm: Double,
    direction: [Double], stepSize: Double, damping: Double, evaluations: Int
  ) {
    self.value = value
    self.newValue = newValue
    self.gradient = gradient
    self.gradientNorm = gradientNorm
    self.direction = direction
    self.stepSize = stepSize
    self.damping = damping
    self.evaluations = evaluations
  }
}

/// What ``Newton/minimize(until:maxSteps:_:)`` did.
///
///     let run = try newton.minimize(until: rule) { loss(w) }
///     print(run.converged, run.steps.count, run.gradientNorm)
public struct NewtonRun: Sendable, Equatable {
  /// The steps taken, in order.
  public var steps: [NewtonStep]
  /// Whether the last point satisfies the stopping rule.
  public var converged: Bool
  /// f at the last point.
  public var value: Double
  /// ‖∇f‖₂ at the last point.
  public var gradientNorm: Double

  /// Creates a run's record.
  ///
  ///     let run = NewtonRun(steps: [], converged: true, value: 0, gradientNorm: 0)
  ///
  /// - Parameters:
  ///   - steps: The steps taken.
  ///   - converged: Whether the rule was satisfied.
  ///   - value: f at the last point.
  ///   - gradientNorm: ‖∇f‖₂ there.
  public init(steps: [NewtonStep], converged: Bool, value: Double, gradientNorm: Double) {
    self.steps = steps
    self.converged = converged
    self.value = value
    self.gradientNorm = gradientNorm
  }
}
