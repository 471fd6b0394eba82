// How Newton's method takes a step from its direction: the full step,
// backtracking, or Levenberg–Marquardt damping.

extension Newton {
  /// How a step is taken from the Newton direction.
  ///
  /// - ``pure``: the full step x + d. Its fast convergence is local: far
  ///   from a minimum it can overshoot, and f may rise.
  /// - ``backtracking(_:)`` (Boyd and Vandenberghe's "damped Newton
  ///   method"): t = t₀, βt₀, β²t₀, … until f(x + t·d) ≤ f(x) + c·t·gᵀd
  ///   (Armijo) and f(x + t·d) < f(x), with the ``BacktrackingLineSearch``'s
  ///   t₀, β, c and trial limit; t₀ = 1, the default, keeps the fast local
  ///   convergence.
  /// - ``levenbergMarquardt(damping:factor:)``: d solves (H + λI) d = −g,
  ///   with λ raised by `factor` until H + λI is positive definite and the
  ///   step lowers f by Armijo's rule, and divided by `factor` after each
  ///   accepted step. A large λ turns d into a short gradient-descent step,
  ///   λ → 0 into Newton's. It is the one strategy that copes with an
  ///   indefinite or singular Hessian.
  ///
  ///     let damped = Newton.Strategy.levenbergMarquardt(damping: 1e-3, factor: 10)
  public enum Strategy: Sendable, Equatable, CustomStringConvertible {
    /// The full step x + d, with H positive definite.
    ///
    ///     var newton = try Newton(parameters: w, strategy: .pure)
    case pure
    /// x + t·d with t found by backtracking (Armijo), with H positive
    /// definite.
    ///
    ///     let search = try BacktrackingLineSearch(shrink: 0.5)
    ///     var newton = try Newton(parameters: w, strategy: .backtracking(search))
    case backtracking(BacktrackingLineSearch)
    /// (H + λI) d = −g with λ adapted from `damping` by `factor`.
    ///
    ///     var newton = try Newton(parameters: w, strategy: .levenbergMarquardt(damping: 1e-2))
    case levenbergMarquardt(damping: Double = 1e-3, factor: Double = 10)

    /// `pure`, `backtracking from t₀ = …`, `Levenberg–Marquardt from λ = …`.
    ///
    ///     print(Newton.Strategy.pure)
    ///     // Prints "pure"
    public var description: String {
      switch self {
      case .pure: "pure"
      case .backtracking(let search): "backtracking from t₀ = \(search.initialStep)"
      case .levenbergMarquardt(let damping, let factor):
        "Levenberg–Marquardt from λ = \(damping), factor \(factor)"
      }
    }
  }
}
