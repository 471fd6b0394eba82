// The Euclidean norm of the parameters' gradients, computed without overflow
// or underflow, and the stopping rule on it.

/// The Euclidean norm ‖∇f‖₂ = √(Σᵢ gᵢ²) of the parameters' gradients.
///
/// Computed as `√(Σ g²)` when that sum is a normal finite number; otherwise
/// the gradients are scaled by the largest |gᵢ| first, so huge gradients
/// (above about 1e154) do not overflow to +inf and tiny ones (below about
/// 1e-154) do not underflow to 0. A NaN gradient gives NaN, an infinite one
/// +inf.
///
///     let w = [Value(3.0), Value(4.0)]
///     for p in w { p.grad = p.data }
///     print(gradientNorm(w))
///     // Prints "5.0"
///
/// - Parameter parameters: The values whose `grad` to measure.
/// - Returns: ‖g‖₂, or 0 for an empty list.
/// - Complexity: O(*n*) for *n* parameters.
public func gradientNorm(_ parameters: [Value]) -> Double {
  euclideanNorm(parameters.map(\.grad))
}

/// √(Σ xᵢ²), scaled when the plain sum would overflow or underflow.
func euclideanNorm<C: Collection<Double>>(_ xs: C) -> Double {
  var largest = 0.0
  for x in xs {
    if x.isNaN { return .nan }
    largest = Swift.max(largest, Swift.abs(x))
  }
  guard largest > 0 else { return 0 }
  guard largest.isFinite else { return .infinity }
  var sum = 0.0
  for x in xs { sum += x * x }
  if sum.isFinite && sum >= Double.leastNormalMagnitude {
    return sum.squareRoot()
  }
  var scaled = 0.0
  for x in xs {
    let r = x / largest
    scaled += r * r
  }
  return largest * scaled.squareRoot()
}

/// Seed 002's stopping rule for gradient descent: stop once the gradient's
/// norm ‖∇f(x)‖₂ is at most a tolerance ε.
///
/// The seed stops at ‖∇f(xᵏ⁺¹)‖₂ = 0 (a stationary point); in floating point
/// the norm rarely reaches exactly 0, so a small ε > 0 is the practical rule,
/// and ε = 0 is the seed's exact one.
///
///     let rule = try GradientNormStoppingRule(tolerance: 1e-6)
///     // after a backward pass:
///     if rule.shouldStop(model.parameters) { /* converged */ }
///
/// A NaN gradient never satisfies the rule: training that diverges is not
/// mistaken for training that has converged.
///
/// Reference: A. Cauchy, "Méthode générale pour la résolution des systèmes
/// d'équations simultanées", Comptes rendus de l'Académie des sciences 25,
/// 1847; seed 002, "Gradient Descent Algorithm to solve (GEN-OPT)".
public struct GradientNormStoppingRule: Sendable, Equatable {
  /// ε: the rule stops when ‖∇f‖₂ ≤ ε.
  public let tolerance: Double

  /// Creates the rule ‖∇f‖₂ ≤ `tolerance`.
  ///
  ///     let rule = try GradientNormStoppingRule(tolerance: 1e-8)
  ///
  /// - Parameter tolerance: ε, finite and ≥ 0.
  /// - Throws: ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   for a negative or non-finite tolerance.
  public init(tolerance: Double) throws {
    try requireHyperparameter("tolerance", tolerance, "must be finite and ≥ 0") { $0 >= 0 }
    self.tolerance = tolerance
  }

  /// Whether the gradients now in the parameters' `grad` satisfy
  /// ‖∇f‖₂ ≤ ε.
  ///
  ///     if rule.shouldStop(w) { break }
  ///
  /// - Parameter parameters: The values whose gradients to measure, after a
  ///   backward pass.
  /// - Returns: `true` when ``gradientNorm(_:)`` is at most ``tolerance``;
  ///   `false` when it is larger or NaN.
  /// - Complexity: O(*n*) for *n* parameters.
  public func shouldStop(_ parameters: [Value]) -> Bool {
    shouldStop(gradientNorm: gradientNorm(parameters))
  }

  /// Whether a gradient norm already computed satisfies the rule.
  ///
  ///     rule.shouldStop(gradientNorm: 1e-9)  // true for ε = 1e-8
  ///
  /// - Parameter norm: ‖∇f‖₂.
  /// - Returns: `true` when `norm` ≤ ``tolerance``; `false` when it is
  ///   larger or NaN.
  public func shouldStop(gradientNorm norm: Double) -> Bool {
    norm <= tolerance
  }
}
