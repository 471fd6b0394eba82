// A backtracking (Armijo) line search: one step of full-batch gradient
// descent whose step size is chosen from the loss, and what the step did.

/// A backtracking (Armijo) line search along the negative gradient: one step
/// of full-batch gradient descent whose step size is chosen from the loss
/// itself.
///
/// Seed 002 writes gradient descent as dᵏ = −∇f(xᵏ), αᵏ = argmin over α > 0
/// of f(xᵏ + α·dᵏ), xᵏ⁺¹ = xᵏ + αᵏ·dᵏ. The exact minimisation is rarely
/// affordable; backtracking stands in for it. With g = ∇f(x), it tries
/// t = t₀, β·t₀, β²·t₀, … and accepts the first t with
///
///     f(x − t·g) ≤ f(x) − c·t·‖g‖²       (sufficient decrease)
///
/// which exists for any smooth f with g ≠ 0. It also requires
/// f(x − t·g) < f(x) outright: when the decrease c·t·‖g‖² is below the
/// resolution of f(x) (a loss of 10³⁰ and a gradient of 1, say), the
/// right-hand side rounds to f(x), and the Armijo test alone would accept a
/// step that does not lower the loss. So an accepted point always lowers it.
///
///     let w = [Value(-1.0), Value(2.0)]
///     func loss() -> Double {
///       Tape.scope { ((w[0] - 3).pow(2) + (w[1] + 1).pow(2)).data }
///     }
///     let search = try BacktrackingLineSearch()
///     let rule = try GradientNormStoppingRule(tolerance: 1e-8)
///     for _ in 0..<100 {
///       Tape.scope {
///         for p in w { p.zeroGrad() }
///         ((w[0] - 3).pow(2) + (w[1] + 1).pow(2)).backward()
///       }
///       if rule.shouldStop(w) { break }
///       _ = search.step(parameters: w, loss: loss)
///     }
///
/// References: L. Armijo, "Minimization of functions having Lipschitz
/// continuous first partial derivatives", Pacific Journal of Mathematics
/// 16(1), 1966; J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd
/// ed., Algorithm 3.1, Springer 2006.
public struct BacktrackingLineSearch: Sendable, Equatable {
  /// The first trial step t₀.
  public let initialStep: Double
  /// The factor β in (0, 1) by which a rejected step is shrunk.
  public let shrink: Double
  /// The sufficient-decrease constant c in (0, 1).
  public let sufficientDecrease: Double
  /// The most trial points evaluated in one ``step(parameters:loss:)``.
  public let maxIterations: Int

  /// Creates a line search.
  ///
  ///     let search = try BacktrackingLineSearch(initialStep: 2, shrink: 0.5)
  ///
  /// - Parameters:
  ///   - initialStep: t₀, finite and > 0; 1 by default.
  ///   - shrink: β, in (0, 1); 0.5 by default.
  ///   - c: The Armijo constant, in (0, 1); 1e-4 by default.
  ///   - maxIterations: The most trial points per step, ≥ 1; 50 by default.
  /// - Throws: ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   for a value outside its range.
  public init(
    initialStep: Double = 1, shrink: Double = 0.5, sufficientDecrease c: Double = 1e-4,
    maxIterations: Int = 50
  ) throws {
    try requireHyperparameter("initialStep", initialStep, "must be finite and > 0") { $0 > 0 }
    try requireHyperparameter("shrink", shrink, "must be in (0, 1)") { $0 > 0 && $0 < 1 }
    try requireHyperparameter("sufficientDecrease", c, "must be in (0, 1)") { $0 > 0 && $0 < 1 }
    try requireHyperparameter("maxIterations", Double(maxIterations), "must be ≥ 1") { $0 >= 1 }
    self.initialStep = initialStep
    self.shrink = shrink
    self.sufficientDecrease = c
    self.maxIterations = maxIterations
  }

  /// Moves the parameters along their negative gradient by a step that
  /// satisfies the sufficient-decrease condition, evaluating the loss at the
  /// current point first.
  ///
  /// The gradients must already be in `p.grad` (from a ``Value/backward(gradient:)``
  /// of the loss at the current point); they are read, not changed. `loss`
  /// computes the loss from the parameters' current `data`, preferably
  /// inside ``Tape/scope(_:)-method`` so that each evaluation leaves
  /// nothing on the tape.
  ///
  ///     let result = search.step(parameters: w, loss: loss)
  ///     // result.newLoss ≤ result.oldLoss − c·t·‖g‖² when result.accepted
  ///
  /// - Parameters:
  ///   - parameters: The values to move (leaves).
  ///   - loss: The loss at the parameters' current data.
  /// - Returns: The accepted step and the losses before and after. When no
  ///   trial point passes within ``maxIterations`` (or the loss or a
  ///   gradient is not finite, or the gradient is 0), the parameters are left
  ///   as they were and `accepted` is `false`.
  /// - Throws: What `loss` throws, after putting the parameters back.
  /// - Complexity: Up to ``maxIterations`` + 1 evaluations of `loss`, and
  ///   O(*n*) work per evaluation for *n* parameters.
  public func step(
    parameters: [Value], loss: () throws -> Double
  ) rethrows -> LineSearchResult {
    try step(parameters: parameters, currentLoss: loss(), loss: loss)
  }

  /// Moves the parameters along their negative gradient, as
  /// ``step(parameters:loss:)`` does, given the loss at the current point
  /// (saving one evaluation when the caller has it from the backward pass).
  ///
  ///     let result = search.step(parameters: w, currentLoss: f0, loss: loss)
  ///
  /// - Parameters:
  ///   - parameters: The values to move (leaves).
  ///   - f0: f(x), the loss at the parameters' current data.
  ///   - loss: The loss at the parameters' current data.
  /// - Returns: The accepted step and the losses before and after.
  /// - Throws: What `loss` throws, after putting the parameters back.
  /// - Complexity: Up to ``maxIterations`` evaluations of `loss`.
  public func step(
    parameters: [Value], currentLoss f0: Double, loss: () throws -> Double
  ) rethrows -> LineSearchResult {
    let start = parameters.map(\.data)
    let gradient = parameters.map(\.grad)
    var squaredNorm = 0.0
    for g in gradient { squaredNorm += g * g }
    let rejected = LineSearchResult(
      stepSize: 0, oldLoss: f0, newLoss: f0, iterations: 0, accepted: false)
    guard f0.isFinite, squaredNorm.isFinite, squaredNorm > 0 else { return rejected }

    var t = initialStep
    for iteration in 1...maxIterations {
      for (i, p) in parameters.enumerated() { p.data = start[i] - t * gradient[i] }
      let f: Double
      do {
        f = try loss()
      } catch {
        for (i, p) in parameters.enumerated() { p.data = start[i] }
        throw error
      }
      if f.isFinite && f < f0 && f <= f0 - sufficientDecrease * t * squaredNorm {
        return LineSearchResult(
          stepSize: t, oldLoss: f0, newLoss: f, iterations: iteration, accepted: true)
      }
      t *= shrink
    }
    for (i, p) in parameters.enumerated() { p.data = start[i] }
    return LineSearchResult(
      stepSize: 0, oldLoss: f0, newLoss: f0, iterations: maxIterations, accepted: false)
  }
}

/// What one ``BacktrackingLineSearch`` step did.
///
///     let result = search.step(parameters: w, loss: loss)
///     if !result.accepted { /* at a stationary point, or f is too flat to tell */ }
public struct LineSearchResult: Sendable, Equatable {
  /// The accepted step size t (the parameters moved by −t·g), or 0 when
  /// none was accepted.
  public var stepSize: Double
  /// f(x), the loss before the step.
  public var oldLoss: Double
  /// f(x − t·g), the loss after the step; `oldLoss` when none was accepted.
  public var newLoss: Double
  /// The number of trial points evaluated.
  public var iterations: Int
  /// Whether a step satisfying the sufficient-decrease condition was found
  /// and taken.
  public var accepted: Bool

  /// Creates a result.
  ///
  ///     let none = LineSearchResult(
  ///       stepSize: 0, oldLoss: 1.5, newLoss: 1.5, iterations: 50, accepted: false)
  ///
  /// - Parameters:
  ///   - stepSize: The accepted step size, or 0.
  ///   - oldLoss: The loss before the step.
  ///   - newLoss: The loss after the step.
  ///   - iterations: The number of trial points evaluated.
  ///   - accepted: Whether a step was taken.
  public init(
    stepSize: Double, oldLoss: Double, newLoss: Double, iterations: Int, accepted: Bool
  ) {
    self.stepSize = stepSize
    self.oldLoss = oldLoss
    self.newLoss = newLoss
    self.iterations = iterations
    self.accepted = accepted
  }
}
