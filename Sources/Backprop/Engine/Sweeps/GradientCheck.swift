// Gradient checking: the engine's derivatives against central differences,
// as public API so that users can check their own functions the way our tests
// check every op.

/// How a gradient check compares an analytic derivative `a` with a central
/// difference `n`.
///
/// The check passes for an input when
///
///     |a − n| ≤ absolute · max(1, |f(x)|) + relative · |n|
///
/// with the difference taken at step `h = step · max(1, |x|)`. The defaults
/// (absolute 1e-8, relative 1e-6, step 1e-6) are the project's policy for
/// `Double`: a central difference is accurate to about 1e-10 on smooth
/// functions of moderate size, so they leave headroom while still catching a
/// derivative that is 0.0001 % wrong (PyTorch's `gradcheck` default, rtol
/// 1e-3, would pass one that is 0.1 % wrong). Keep sample points away from
/// kinks (relu, abs, max) by more than `h`: there the difference quotient
/// averages two one-sided slopes.
public struct GradientCheckTolerance: Sendable, Equatable {
  /// The absolute allowance, scaled by `max(1, |f(x)|)`.
  public var absolute: Double
  /// The allowance relative to the size of the numeric derivative.
  public var relative: Double
  /// The finite-difference step, relative to `max(1, |x|)`.
  public var step: Double

  /// Creates a tolerance.
  ///
  ///     let loose = GradientCheckTolerance(absolute: 1e-6, relative: 1e-4)
  ///
  /// - Parameters:
  ///   - absolute: Allowance scaled by `max(1, |f(x)|)`; 1e-8 by default.
  ///   - relative: Allowance relative to `|numeric|`; 1e-6 by default.
  ///   - step: Step relative to `max(1, |x|)`; 1e-6 by default.
  public init(absolute: Double = 1e-8, relative: Double = 1e-6, step: Double = 1e-6) {
    self.absolute = absolute
    self.relative = relative
    self.step = step
  }

  /// The project's policy: absolute 1e-8, relative 1e-6, step 1e-6.
  ///
  ///     let report = checkGradient(of: { x in x[0].tanh() }, at: [0.5], tolerance: .default)
  public static let `default` = GradientCheckTolerance()

  /// Whether `analytic` and `numeric` agree for a function whose value is
  /// `value`. Non-finite derivatives agree only when they are equal.
  ///
  ///     let tolerance = GradientCheckTolerance.default
  ///     print(tolerance.accepts(analytic: 2, numeric: 2 + 1e-9, value: 4))
  ///     // Prints "true"
  ///
  /// - Parameters:
  ///   - analytic: The derivative from ``Value/backward(gradient:)``.
  ///   - numeric: The central difference.
  ///   - value: f at the point checked.
  /// - Returns: Whether `|analytic − numeric|` is within the allowance.
  public func accepts(analytic: Double, numeric: Double, value: Double) -> Bool {
    guard analytic.isFinite, numeric.isFinite else {
      return analytic == numeric
    }
    return Swift.abs(analytic - numeric) <= allowance(numeric: numeric, value: value)
  }

  /// The largest difference accepted for these sizes.
  ///
  ///     let allowed = GradientCheckTolerance.default.allowance(numeric: 2, value: 4)
  ///     // 1e-8 · 4 + 1e-6 · 2
  ///
  /// - Parameters:
  ///   - numeric: The central difference.
  ///   - value: f at the point checked.
  /// - Returns: `absolute · max(1, |value|) + relative · |numeric|`.
  public func allowance(numeric: Double, value: Double) -> Double {
    absolute * Swift.max(1, Swift.abs(value)) + relative * Swift.abs(numeric)
  }
}

/// The result of ``checkGradient(of:at:tolerance:)-(_,[Double],_)``: both gradients and where
/// they disagree most.
///
///     let report = checkGradient(of: { x in (x[0] * x[1]).tanh() }, at: [0.3, -1.2])
///     print(report.passed)
///     // Prints "true"
public struct GradientCheckReport: Sendable, CustomStringConvertible {
  /// f at the point checked.
  public let value: Double
  /// The gradient from ``Value/backward(gradient:)``.
  public let analytic: [Double]
  /// The gradient from central differences.
  public let numeric: [Double]
  /// The largest `|analytic − numeric|` over the inputs.
  public let worstAbsoluteError: Double
  /// The largest `|analytic − numeric| / max(|analytic|, |numeric|)` over the
  /// inputs (0 where both are 0).
  public let worstRelativeError: Double
  /// The input whose error is largest compared with what the tolerance
  /// allows it, or `nil` when there are no inputs.
  public let worstInput: Int?
  /// Each user-defined op's derivative (``ElementwiseFunction``) checked
  /// at the values the graph saw, node by node: empty when the graph has
  /// none. A wrong one fails the report and is named in its description.
  public let localDerivatives: [LocalDerivativeCheck]
  /// Whether every input, and every user-defined op's derivative, passed.
  public let passed: Bool

  /// A one-line summary, naming the worst input.
  public var description: String {
    let verdict = passed ? "passed" : "FAILED"
    let wrong = localDerivatives.first { !$0.passed }.map { "; \($0)" } ?? ""
    guard let i = worstInput else { return "gradient check \(verdict): no inputs\(wrong)" }
    return """
      gradient check \(verdict): worst at input \(i): analytic \(analytic[i]), \
      numeric \(numeric[i]); worst absolute error \(worstAbsoluteError), \
      worst relative error \(worstRelativeError)\(wrong)
      """
  }
}

/// The result of ``checkDirectionalDerivative(of:at:direction:tolerance:)``.
///
///     let report = checkDirectionalDerivative(
///       of: { x in x[0] * x[1] }, at: [0.3, -1.2], direction: [1, 1])
///     print(report.passed)  // true
public struct DirectionalCheckReport: Sendable, CustomStringConvertible {
  /// f at the point checked.
  public let value: Double
  /// The direction `u` (unit length).
  public let direction: [Double]
  /// `∇f · u` from ``Value/backward(gradient:)``.
  public let analytic: Double
  /// `(f(x + hu) − f(x − hu)) / 2h`.
  public let numeric: Double
  /// `|analytic − numeric|`.
  public let absoluteError: Double
  /// `|analytic − numeric| / max(|analytic|, |numeric|)`, 0 when both are 0.
  public let relativeError: Double
  /// Whether they agree within the tolerance.
  public let passed: Bool

  /// A one-line summary.
  public var description: String {
    """
    directional check \(passed ? "passed" : "FAILED"): analytic \(analytic), numeric \
    \(numeric), absolute error \(absoluteError), relative error \(relativeError)
    """
  }
}

/// Evaluates `f` at `x` in a scope of the current tape and returns f(x) and,
/// when `gradient` is true, ∇f(x).
private func evaluate(
  _ f: ([Value]) -> Value, at x: [Double], gradient: Bool,
  tolerance: GradientCheckTolerance = .default
) -> (value: Double, gradient: [Double], locals: [LocalDerivativeCheck]) {
  Tape.current.scope {
    let inputs = x.map { Value($0) }
    let y = f(inputs)
    guard gradient else { return (y.data, [], []) }
    y.backward()
    return (y.data, inputs.map(\.grad), checkLocalDerivatives(below: y, tolerance: tolerance))
  }
}

private func relativeError(_ a: Double, _ b: Double) -> Double {
  let scale = Swift.max(Swift.abs(a), Swift.abs(b))
  return scale == 0 ? 0 : Swift.abs(a - b) / scale
}

/// Checks the gradient that the engine computes for `f` at `x` against
/// central differences, input by input.
///
/// `f` is evaluated on the current thread's tape inside scopes, 2n + 1 times
/// for n inputs, so it must build its result from the values it is given
/// (and may use others recorded before). Use it on your own functions:
///
///     let report = checkGradient(of: { x in
///       (x[0] * x[1] + x[0].pow(2)).tanh()
///     }, at: [2.0, -3.0])
///     print(report.passed)
///     // Prints "true"
///
/// - Parameters:
///   - f: A scalar function of `x.count` values.
///   - x: The point.
///   - tolerance: The comparison policy; ``GradientCheckTolerance/default``.
/// - Returns: Both gradients, the worst errors and whether all passed.
/// - Complexity: 2n + 1 evaluations of `f` and one backward pass. For many
///   inputs use ``checkDirectionalDerivative(of:at:direction:tolerance:)``.
public func checkGradient(
  of f: ([Value]) -> Value, at x: [Double],
  tolerance: GradientCheckTolerance = .default
) -> GradientCheckReport {
  let (value, analytic, locals) = evaluate(f, at: x, gradient: true, tolerance: tolerance)
  var numeric = [Double](repeating: 0, count: x.count)
  var worstAbsolute = 0.0
  var worstRelative = 0.0
  var worstInput: Int? = nil
  var worstScore = -Double.infinity
  var passed = locals.allSatisfy(\.passed)
  for i in x.indices {
    let h = tolerance.step * Swift.max(1, Swift.abs(x[i]))
    var plus = x
    var minus = x
    plus[i] += h
    minus[i] -= h
    let fPlus = evaluate(f, at: plus, gradient: false).value
    let fMinus = evaluate(f, at: minus, gradient: false).value
    numeric[i] = (fPlus - fMinus) / (plus[i] - minus[i])
    let error = Swift.abs(analytic[i] - numeric[i])
    let ok = tolerance.accepts(analytic: analytic[i], numeric: numeric[i], value: value)
    passed = passed && ok
    // How far past its allowance this input is: error ÷ allowance, so that
    // among several failures the worst is named; a non-finite mismatch is
    // the worst there is.
    let finite = analytic[i].isFinite && numeric[i].isFinite
    let score: Double =
      finite
      ? error / tolerance.allowance(numeric: numeric[i], value: value)
      : (ok ? 0 : .infinity)
    if worstInput == nil || score > worstScore {
      worstScore = score
      worstInput = i
    }
    if !(error <= worstAbsolute) { worstAbsolute = error }
    let relative = relativeError(analytic[i], numeric[i])
    if !(relative <= worstRelative) { worstRelative = relative }
  }
  return GradientCheckReport(
    value: value, analytic: analytic, numeric: numeric,
    worstAbsoluteError: worstAbsolute, worstRelativeError: worstRelative,
    worstInput: worstInput, localDerivatives: locals, passed: passed)
}

/// Checks the derivative of a function of one value against a central
/// difference.
///
///     let report = checkGradient(of: { $0.sigmoid() }, at: 0.5)
///
/// - Parameters:
///   - f: A scalar function of one value.
///   - x: The point.
///   - tolerance: The comparison policy; ``GradientCheckTolerance/default``.
/// - Returns: The report for one input.
public func checkGradient(
  of f: (Value) -> Value, at x: Double,
  tolerance: GradientCheckTolerance = .default
) -> GradientCheckReport {
  checkGradient(of: { f($0[0]) }, at: [x], tolerance: tolerance)
}

/// Checks the derivative of `f` at `x` along one direction: `∇f · u` from the
/// engine against `(f(x + hu) − f(x − hu)) / 2h`.
///
/// Three evaluations of `f` whatever the number of inputs, so it suits large
/// graphs (PyTorch's fast `gradcheck`, JAX's `check_grads`). A random unit
/// direction tests every input's gradient at once:
///
///     var rng = SeededGenerator(seed: 7)
///     let x = (0..<10_000).map { _ in rng.nextUniform(in: -1, 1) }
///     let report = checkDirectionalDerivative(
///       of: { Value.sum($0.map { $0.tanh() }) }, at: x,
///       direction: randomUnitVector(count: x.count, using: &rng))
///     print(report.passed)
///     // Prints "true"
///
/// - Parameters:
///   - f: A scalar function of `x.count` values.
///   - x: The point.
///   - direction: The direction `u`; it is normalised to unit length.
///   - tolerance: The comparison policy; the step is relative to
///     `max(1, maxᵢ |xᵢ|)`.
/// - Returns: Both directional derivatives and whether they agree.
/// - Precondition: `direction.count == x.count` and `direction` is not zero.
public func checkDirectionalDerivative(
  of f: ([Value]) -> Value, at x: [Double], direction: [Double],
  tolerance: GradientCheckTolerance = .default
) -> DirectionalCheckReport {
  require(
    direction.count == x.count,
    "Backprop: the direction has \(direction.count) entries for \(x.count) inputs")
  let norm = direction.reduce(0) { $0 + $1 * $1 }.squareRoot()
  require(norm > 0 && norm.isFinite, "Backprop: the direction must be non-zero and finite")
  let u = direction.map { $0 / norm }
  let (value, gradient, _) = evaluate(f, at: x, gradient: true)
  var analytic = 0.0
  for i in x.indices { analytic += gradient[i] * u[i] }
  let scale = x.reduce(1) { Swift.max($0, Swift.abs($1)) }
  let h = tolerance.step * scale
  let plus = zip(x, u).map { $0 + h * $1 }
  let minus = zip(x, u).map { $0 - h * $1 }
  let numeric =
    (evaluate(f, at: plus, gradient: false).value - evaluate(f, at: minus, gradient: false).value)
    / (2 * h)
  return DirectionalCheckReport(
    value: value, direction: u, analytic: analytic, numeric: numeric,
    absoluteError: Swift.abs(analytic - numeric),
    relativeError: relativeError(analytic, numeric),
    passed: tolerance.accepts(analytic: analytic, numeric: numeric, value: value))
}

/// A random direction of unit length, for
/// ``checkDirectionalDerivative(of:at:direction:tolerance:)``.
///
///     var rng = SeededGenerator(seed: 1)
///     let u = randomUnitVector(count: 3, using: &rng)
///
/// - Parameters:
///   - count: The number of entries.
///   - generator: The source of randomness.
/// - Returns: A vector of `count` Gaussian entries scaled to length 1.
public func randomUnitVector(
  count: Int, using generator: inout SeededGenerator
) -> [Double] {
  require(count > 0, "Backprop: a direction needs at least one entry")
  while true {
    let v = (0..<count).map { _ in generator.nextGaussian() }
    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
    if norm > 0 { return v.map { $0 / norm } }
  }
}
