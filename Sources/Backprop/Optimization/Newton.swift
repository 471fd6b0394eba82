// Newton's method: the optimiser, its steps and its minimisation loop, and how
// a step is worked out (f, g and H, the direction, the trial points).

/// Newton's method for small problems: each step solves H d = −g for the
/// gradient g and Hessian H of the objective at the parameters, and moves
/// them to x + t·d.
///
/// Where H is positive definite, d minimises the quadratic model
/// f(x) + gᵀd + ½dᵀHd, and near a minimum the error is squared at every
/// step: a quadratic is minimised in one step, Rosenbrock's function from
/// (−1.2, 1) in a handful, where gradient descent takes thousands. Each step
/// needs the Hessian (n + 1 recording sweeps for n parameters, see
/// ``Value/hessian(of:withRespectTo:)``) and an n × n solve, so it suits a
/// few dozen parameters, not a network.
///
///     let w = [Value(-1.2), Value(1.0)]
///     var newton = try Newton(parameters: w)
///     let run = try newton.minimize(until: try GradientNormStoppingRule(tolerance: 1e-10)) {
///       (1 - w[0]).pow(2) + 100 * (w[1] - w[0].pow(2)).pow(2)   // Rosenbrock
///     }
///     print(run.steps.count, w.map(\.data))
///     // Prints "7 [1.0, 1.0]"
///
/// The objective is a closure that records f from the parameters (it is
/// called inside a scope of their tape, several times a step, and must build
/// the same function each time). A ``Strategy`` says how a step is taken:
/// the full step, backtracking, or Levenberg–Marquardt damping.
///
/// A step either moves the parameters or throws a ``NewtonError`` (which
/// says when each strategy refuses) and leaves them, and the optimiser's
/// state, as they were. No step ever writes NaN to a parameter. At a
/// stationary point (g = 0) the step is zero whatever H is.
///
/// References: J. Nocedal and S. J. Wright, *Numerical Optimization*, 2nd
/// ed., §3.3–3.4 (Newton's method with Hessian modification), Springer 2006;
/// S. Boyd and L. Vandenberghe, *Convex Optimization*, §9.5, Cambridge 2004;
/// K. Levenberg, "A method for the solution of certain non-linear problems
/// in least squares", Quarterly of Applied Mathematics 2(2), 1944;
/// D. Marquardt, "An algorithm for least-squares estimation of nonlinear
/// parameters", SIAM Journal on Applied Mathematics 11(2), 1963.
public struct Newton {
  /// The parameters it updates, in a fixed order: leaves of one tape.
  ///
  ///     let newton = try Newton(parameters: w)
  ///     print(newton.parameters.count)  // 2
  public let parameters: [Value]
  /// How steps are taken.
  ///
  ///     let newton = try Newton(parameters: w, strategy: .pure)
  ///     print(newton.strategy)
  ///     // Prints "pure"
  public let strategy: Strategy
  /// λ for the next step of ``Strategy/levenbergMarquardt(damping:factor:)``
  /// (0 for the other strategies): raised during a step until it is
  /// accepted, then divided by the factor.
  ///
  ///     var newton = try Newton(parameters: w, strategy: .levenbergMarquardt(damping: 1))
  ///     print(newton.damping)  // 1.0
  ///     try newton.step { loss(w) }
  ///     print(newton.damping)  // 0.1 if λ = 1 was accepted
  public private(set) var damping: Double
  /// The number of steps taken so far (refused steps are not counted).
  ///
  ///     try newton.step { loss(w) }
  ///     print(newton.stepCount)  // 1
  public private(set) var stepCount = 0

  /// The most trial values of λ in one Levenberg–Marquardt step.
  static let maximumDampingTrials = 60
  /// Armijo's sufficient-decrease constant for Levenberg–Marquardt.
  static let sufficientDecrease = 1e-4

  /// Creates Newton's method for `parameters`.
  ///
  ///     var newton = try Newton(parameters: w, strategy: .levenbergMarquardt())
  ///
  /// - Parameters:
  ///   - parameters: The values to update: leaves of one tape, at least one.
  ///   - strategy: How steps are taken; ``Strategy/pure`` by default.
  /// - Throws: ``TrainingError/empty(what:)`` for an empty parameter list;
  ///   ``TrainingError/invalidHyperparameter(name:value:requirement:)`` for
  ///   a Levenberg–Marquardt damping that is negative or not finite, or a
  ///   factor that is not finite and > 1.
  /// - Precondition: The parameters are live leaves of one tape.
  public init(parameters: [Value], strategy: Strategy = .pure) throws {
    guard let first = parameters.first else { throw TrainingError.empty(what: "parameter list") }
    for p in parameters {
      require(
        p.isValid && p.storage == first.storage && p.isLeaf,
        "Backprop: Newton's parameters must be live leaves of one tape (values made by `Value(_:)`)")
    }
    var damping = 0.0
    if case .levenbergMarquardt(let lambda, let factor) = strategy {
      try requireHyperparameter("damping", lambda, "must be finite and ≥ 0") { $0 >= 0 }
      try requireHyperparameter("factor", factor, "must be finite and > 1") { $0 > 1 }
      damping = lambda
    }
    self.parameters = parameters
    self.strategy = strategy
    self.damping = damping
  }

  /// Takes one step from the parameters' current data.
  ///
  ///     let step = try newton.step { loss(w) }
  ///     print(step.value, step.newValue, step.gradientNorm)
  ///
  /// - Parameter objective: Records f from the parameters on their tape;
  ///   called inside scopes of it, once for g and H and once per trial
  ///   point.
  /// - Returns: What the step did.
  /// - Throws: A ``NewtonError`` when the step is refused; the parameters
  ///   and ``damping`` are then as they were.
  /// - Precondition: `objective` returns a value of the parameters' tape.
  /// - Complexity: One recording of f and n + 1 sweeps for g and H (n
  ///   parameters, m nodes: O(n·m)), an O(n³) factorisation per trial λ,
  ///   and one evaluation of f per trial point.
  @discardableResult
  public mutating func step(_ objective: () -> Value) throws -> NewtonStep {
    switch try attempt(objective, stoppingRule: nil, mayStep: true) {
    case .stepped(let step): return step
    case .stopped: fatalError("Backprop: Newton stopped without a stopping rule")
    }
  }

  /// Takes steps until ‖∇f‖₂ satisfies `rule`, or `maxSteps` steps have
  /// been taken.
  ///
  ///     let run = try newton.minimize(until: try GradientNormStoppingRule(tolerance: 1e-8)) {
  ///       loss(w)
  ///     }
  ///     print(run.converged, run.steps.count)
  ///
  /// The rule is checked at each point before its step (so a point that
  /// already satisfies it is not moved) and at the last point.
  ///
  /// - Parameters:
  ///   - rule: The stopping rule, on ‖∇f‖₂.
  ///   - maxSteps: The most steps to take, ≥ 0; 100 by default.
  ///   - objective: Records f from the parameters, as for ``step(_:)``.
  /// - Returns: The steps taken, and f and ‖∇f‖₂ at the last point.
  /// - Throws: ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   for a negative `maxSteps`; the ``NewtonError`` of a refused step,
  ///   with the parameters left at the last point reached.
  /// - Complexity: Up to `maxSteps` calls of ``step(_:)``, and one
  ///   evaluation of f and g at the last point.
  public mutating func minimize(
    until rule: GradientNormStoppingRule, maxSteps: Int = 100, _ objective: () -> Value
  ) throws -> NewtonRun {
    try requireHyperparameter("maxSteps", Double(maxSteps), "must be ≥ 0") { $0 >= 0 }
    var steps: [NewtonStep] = []
    while true {
      switch try attempt(objective, stoppingRule: rule, mayStep: steps.count < maxSteps) {
      case .stepped(let step):
        steps.append(step)
      case .stopped(let value, let norm):
        return NewtonRun(
          steps: steps, converged: rule.shouldStop(gradientNorm: norm), value: value,
          gradientNorm: norm)
      }
    }
  }

  // MARK: One step

  private enum Outcome {
    case stepped(NewtonStep)
    case stopped(value: Double, gradientNorm: Double)
  }

  /// f, g and (when needed) H at the parameters' data.
  private struct LocalModel {
    var value: Double
    var gradient: [Double]
    var hessian: [[Double]]?
  }

  private func derivatives(
    _ objective: () -> Value, needsHessian: (Double, [Double]) -> Bool
  ) throws -> LocalModel {
    let tape = parameters[0].tape
    let parameters = self.parameters
    let result = tape.withCurrent {
      tape.scope { () -> LocalModel in
        let y = objective()
        require(
          y.isValid && y.storage == parameters[0].storage,
          "Backprop: Newton's objective must return a value recorded on its parameters' tape")
        let value = y.data
        guard value.isFinite else { return LocalModel(value: value, gradient: [], hessian: nil) }
        let g = Value.gradients(of: y, withRespectTo: parameters)
        let gradient = g.map(\.data)
        guard gradient.allSatisfy(\.isFinite), needsHessian(value, gradient) else {
          return LocalModel(value: value, gradient: gradient, hessian: nil)
        }
        let rows = g.map { gi in
          tape.scope { Value.gradients(of: gi, withRespectTo: parameters).map(\.data) }
        }
        return LocalModel(value: value, gradient: gradient, hessian: Value.symmetrized(rows))
      }
    }
    guard result.value.isFinite else { throw NewtonError.nonFiniteObjective(value: result.value) }
    if let i = result.gradient.firstIndex(where: { !$0.isFinite }) {
      throw NewtonError.nonFiniteGradient(index: i, value: result.gradient[i])
    }
    if let h = result.hessian {
      for (i, row) in h.enumerated() {
        if let j = row.firstIndex(where: { !$0.isFinite }) {
          throw NewtonError.nonFiniteHessian(row: i, column: j, value: row[j])
        }
      }
    }
    return result
  }

  /// f at the parameters' data, recorded in a scope of their tape.
  private func evaluate(_ objective: () -> Value) -> Double {
    let tape = parameters[0].tape
    return tape.withCurrent { tape.scope { objective().data } }
  }

  private func setData(_ x: [Double]) {
    for (p, v) in zip(parameters, x) { p.data = v }
  }

  private mutating func attempt(
    _ objective: () -> Value, stoppingRule rule: GradientNormStoppingRule?, mayStep: Bool
  ) throws -> Outcome {
    let start = parameters.map(\.data)
    let d = try derivatives(objective) { _, g in
      let norm = euclideanNorm(g)
      let stops = rule?.shouldStop(gradientNorm: norm) ?? false
      return mayStep && !stops && g.contains { $0 != 0 }
    }
    let f0 = d.value
    let g = d.gradient
    let norm = euclideanNorm(g)
    if let rule, rule.shouldStop(gradientNorm: norm) || !mayStep {
      return .stopped(value: f0, gradientNorm: norm)
    }
    guard let h = d.hessian else {
      // g = 0: a stationary point, where the Newton step is zero.
      stepCount += 1
      return .stepped(
        NewtonStep(
          value: f0, newValue: f0, gradient: g, gradientNorm: norm,
          direction: g.map { _ in 0 }, stepSize: 0, damping: damping, evaluations: 0))
    }
    let negativeGradient = g.map { -$0 }

    /// Moves the parameters to x + t·dir and returns f there.
    func trial(_ direction: [Double], _ t: Double) -> Double {
      setData(zip(start, direction).map { $0 + t * $1 })
      return evaluate(objective)
    }
    func slope(_ direction: [Double]) -> Double {
      zip(g, direction).reduce(0) { $0 + $1.0 * $1.1 }
    }

    do {
      switch strategy {
      case .pure:
        let direction = try Self.newtonDirection(h, negativeGradient)
        let f1 = trial(direction, 1)
        guard f1.isFinite else { throw NewtonError.noAcceptableStep(evaluations: 1) }
        stepCount += 1
        return .stepped(
          NewtonStep(
            value: f0, newValue: f1, gradient: g, gradientNorm: norm, direction: direction,
            stepSize: 1, damping: 0, evaluations: 1))

      case .backtracking(let search):
        let direction = try Self.newtonDirection(h, negativeGradient)
        let descent = slope(direction)
        var t = search.initialStep
        for evaluations in 1...search.maxIterations {
          let f1 = trial(direction, t)
          if Self.accepts(f1, f0, search.sufficientDecrease * t * descent) {
            stepCount += 1
            return .stepped(
              NewtonStep(
                value: f0, newValue: f1, gradient: g, gradientNorm: norm, direction: direction,
                stepSize: t, damping: 0, evaluations: evaluations))
          }
          t *= search.shrink
        }
        throw NewtonError.noAcceptableStep(evaluations: search.maxIterations)

      case .levenbergMarquardt(_, let factor):
        var largest = 1.0
        for row in h { for x in row { largest = Swift.max(largest, Swift.abs(x)) } }
        // The smallest λ worth adding once λ = 0 has failed: √ε of H's scale.
        let floor = Double.ulpOfOne.squareRoot() * largest
        var lambda = damping
        var evaluations = 0
        for _ in 0..<Self.maximumDampingTrials {
          var shifted = h
          for i in shifted.indices { shifted[i][i] += lambda }
          if let cholesky = try? CholeskyFactorization(shifted),
            let direction = try? cholesky.solve(negativeGradient),
            direction.allSatisfy(\.isFinite)
          {
            let f1 = trial(direction, 1)
            evaluations += 1
            if Self.accepts(f1, f0, Self.sufficientDecrease * slope(direction)) {
              damping = lambda / factor
              stepCount += 1
              return .stepped(
                NewtonStep(
                  value: f0, newValue: f1, gradient: g, gradientNorm: norm, direction: direction,
                  stepSize: 1, damping: lambda, evaluations: evaluations))
            }
          }
          lambda = Swift.max(lambda * factor, floor)
        }
        throw NewtonError.noAcceptableStep(evaluations: evaluations)
      }
    } catch {
      setData(start)
      throw error
    }
  }

  /// Armijo's condition f₁ ≤ f₀ + c·t·gᵀd, and f₁ < f₀: where the decrease
  /// c·t·gᵀd is below the resolution of f₀, the sum rounds to f₀ and the
  /// condition alone would accept a step that does not lower f at all.
  static func accepts(_ f1: Double, _ f0: Double, _ decrease: Double) -> Bool {
    f1.isFinite && f1 <= f0 + decrease && f1 < f0
  }

  /// d with H d = −g, for H positive definite; otherwise the refusal that
  /// says why not.
  static func newtonDirection(_ h: [[Double]], _ negativeGradient: [Double]) throws -> [Double] {
    do {
      let direction = try CholeskyFactorization(h).solve(negativeGradient)
      guard direction.allSatisfy(\.isFinite) else { throw NewtonError.singularHessian }
      return direction
    } catch LinearSystemError.notPositiveDefinite(_, let pivot) {
      // A pivot clearly below 0 shows a direction of negative curvature;
      // one that is 0 to rounding leaves singular or indefinite, which LU
      // decides.
      if pivot < -pivotTolerance(h) { throw NewtonError.indefiniteHessian }
      if (try? LUFactorization(h)) == nil { throw NewtonError.singularHessian }
      throw NewtonError.indefiniteHessian
    }
  }
}

@available(*, unavailable, message: "Newton holds Values, which belong to one thread's tape")
extension Newton: Sendable {}
