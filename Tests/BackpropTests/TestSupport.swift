// Shared helpers for the engine's tests: a closeness check that reports the
// caller's line, a forward-mode dual number used as an independent oracle for
// every op's derivative, and the case types of the parameterized op tests.

import Backprop
import Foundation
import Testing

// MARK: - Closeness

/// Expects `actual` to equal `expected` up to a relative `tolerance`:
/// `|actual − expected| ≤ tolerance · max(|actual|, |expected|)`.
///
/// Equal values always pass (so do two equal infinities); NaN never passes,
/// so test NaN with `isNaN`.
///
///     expectClose(x.grad, 2.5 * d.derivative)
///
/// - Parameters:
///   - actual: The value computed by the engine.
///   - expected: The value from the oracle.
///   - tolerance: The relative tolerance; 1e-12 by default.
///   - sourceLocation: Where a failure is reported: the caller's line.
func expectClose(
  _ actual: Double, _ expected: Double, tolerance: Double = 1e-12,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let scale = Swift.max(Swift.abs(actual), Swift.abs(expected))
  let close = actual == expected || Swift.abs(actual - expected) <= tolerance * scale
  #expect(
    close, "\(actual) is not within \(tolerance) (relative) of \(expected)",
    sourceLocation: sourceLocation)
}

/// Expects a gradient check to pass, printing its report when it fails.
func expectPassed(
  _ report: GradientCheckReport, sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(report.passed, "\(report)", sourceLocation: sourceLocation)
}

/// The number of nodes that `body` records on a fresh tape (made current
/// while it runs). Values made by `body` must not escape it.
func nodesRecorded(by body: () -> Void) -> Int {
  let tape = Tape()
  return tape.withCurrent {
    let before = tape.count
    body()
    return tape.count - before
  }
}

// MARK: - Forward-mode oracle

// The C library's functions under names that Dual's methods do not shadow.
private func cExp(_ x: Double) -> Double { exp(x) }
private func cLog(_ x: Double) -> Double { log(x) }
private func cLog1p(_ x: Double) -> Double { log1p(x) }
private func cPow(_ x: Double, _ y: Double) -> Double { pow(x, y) }
private func cTanh(_ x: Double) -> Double { tanh(x) }
private func cCosh(_ x: Double) -> Double { cosh(x) }

/// A dual number `value + derivative·ε` with `ε² = 0`: forward-mode automatic
/// differentiation, written from the textbook derivatives and Foundation's
/// math, independently of the engine, to serve as an oracle for it.
///
///     let d = Dual(0.5, derivative: 1).tanh()
///     // d.derivative == 1 / cosh²(0.5)
///
/// Seed the input whose partial derivative you want with derivative 1 and
/// every other input with 0. The methods mirror `Value`'s names, so one
/// closure body can often be written for both.
struct Dual: Sendable {
  var value: Double
  var derivative: Double

  init(_ value: Double, derivative: Double = 0) {
    self.value = value
    self.derivative = derivative
  }

  /// A constant: derivative 0.
  static func constant(_ value: Double) -> Dual { Dual(value) }

  /// `d` if `d` is non-zero, else 0: a term whose seed is 0 contributes
  /// nothing, even where its partial derivative is NaN or infinite.
  private static func term(_ partial: Double, _ d: Double) -> Double {
    d == 0 ? 0 : partial * d
  }

  // MARK: Arithmetic

  static func + (a: Dual, b: Dual) -> Dual {
    Dual(a.value + b.value, derivative: a.derivative + b.derivative)
  }
  static func - (a: Dual, b: Dual) -> Dual {
    Dual(a.value - b.value, derivative: a.derivative - b.derivative)
  }
  static func * (a: Dual, b: Dual) -> Dual {
    Dual(a.value * b.value, derivative: term(b.value, a.derivative) + term(a.value, b.derivative))
  }
  static func / (a: Dual, b: Dual) -> Dual {
    // (a/b)' = a'/b − a·b'/b²
    Dual(
      a.value / b.value,
      derivative: term(1 / b.value, a.derivative)
        - term(a.value / (b.value * b.value), b.derivative))
  }
  static prefix func - (a: Dual) -> Dual { Dual(-a.value, derivative: -a.derivative) }

  static func + (a: Dual, c: Double) -> Dual { a + .constant(c) }
  static func + (c: Double, a: Dual) -> Dual { .constant(c) + a }
  static func - (a: Dual, c: Double) -> Dual { a - .constant(c) }
  static func - (c: Double, a: Dual) -> Dual { .constant(c) - a }
  static func * (a: Dual, c: Double) -> Dual { a * .constant(c) }
  static func * (c: Double, a: Dual) -> Dual { .constant(c) * a }
  static func / (a: Dual, c: Double) -> Dual { a / .constant(c) }
  static func / (c: Double, a: Dual) -> Dual { .constant(c) / a }

  // MARK: Elementary functions

  /// `x^p`, derivative `p·x^(p−1)`.
  func pow(_ p: Double) -> Dual {
    Dual(cPow(value, p), derivative: Dual.term(p * cPow(value, p - 1), derivative))
  }

  /// `x^y`, derivative `y·x^(y−1)·x' + x^y·log(x)·y'`.
  func pow(_ y: Dual) -> Dual {
    let v = cPow(value, y.value)
    return Dual(
      v,
      derivative: Dual.term(y.value * cPow(value, y.value - 1), derivative)
        + Dual.term(v * cLog(value), y.derivative))
  }

  func exp() -> Dual {
    let e = cExp(value)
    return Dual(e, derivative: Dual.term(e, derivative))
  }

  func log() -> Dual { Dual(cLog(value), derivative: Dual.term(1 / value, derivative)) }

  func sqrt() -> Dual {
    let s = value.squareRoot()
    return Dual(s, derivative: Dual.term(0.5 / s, derivative))
  }

  /// |x|; the derivative at 0 is left to the engine's own exact tests.
  func abs() -> Dual {
    Dual(Swift.abs(value), derivative: value < 0 ? -derivative : derivative)
  }

  /// tanh, derivative `1 / cosh²(x)` (not `1 − tanh²`, the engine's form).
  func tanh() -> Dual {
    let c = cCosh(value)
    return Dual(cTanh(value), derivative: Dual.term(1 / (c * c), derivative))
  }

  /// σ(x) = 1/(1 + e⁻ˣ), derivative `e⁻ˣ / (1 + e⁻ˣ)²`. Accurate for
  /// moderate x only, which is where the oracle is used.
  func sigmoid() -> Dual {
    let e = cExp(-value)
    return Dual(1 / (1 + e), derivative: Dual.term(e / ((1 + e) * (1 + e)), derivative))
  }

  /// log(1 + eˣ), derivative `1 / (1 + e⁻ˣ)`.
  func softplus() -> Dual {
    Dual(cLog1p(cExp(value)), derivative: Dual.term(1 / (1 + cExp(-value)), derivative))
  }

  // MARK: Activations (away from their kinks)

  func relu() -> Dual { value > 0 ? self : Dual(0) }

  func leakyReLU(slope: Double = 0.01) -> Dual {
    value > 0 ? self : Dual(slope * value, derivative: slope * derivative)
  }

  func elu(alpha: Double = 1) -> Dual {
    if value > 0 { return self }
    let e = cExp(value)
    return Dual(alpha * (e - 1), derivative: Dual.term(alpha * e, derivative))
  }

  /// The Heaviside step, 1 for x ≥ 0: a constant almost everywhere.
  func step() -> Dual { Dual(value >= 0 ? 1 : 0) }

  static func maximum(_ a: Dual, _ b: Dual) -> Dual { a.value > b.value ? a : b }
  static func minimum(_ a: Dual, _ b: Dual) -> Dual { a.value < b.value ? a : b }

  // MARK: Reductions

  static func sum(_ xs: [Dual]) -> Dual { xs.reduce(Dual(0), +) }

  static func dot(_ a: [Dual], _ b: [Dual]) -> Dual {
    sum(zip(a, b).map { $0 * $1 })
  }

  static func dot(_ a: [Dual], _ c: [Double]) -> Dual {
    sum(zip(a, c).map { $0 * $1 })
  }

  /// log Σ eˣⁱ with the largest value subtracted as a constant, so the
  /// derivative Σ e^(xᵢ−m)·xᵢ' / Σ e^(xᵢ−m) never depends on how
  /// `m + log Σ …` rounds.
  static func logSumExp(_ xs: [Dual]) -> Dual {
    let m = xs.map(\.value).max() ?? -.infinity
    return sum(xs.map { ($0 - m).exp() }).log() + m
  }

  /// e^(xᵢ−m) / Σⱼ e^(xⱼ−m), with the largest value m subtracted.
  static func softmax(_ xs: [Dual]) -> [Dual] {
    let m = xs.map(\.value).max() ?? -.infinity
    let e = xs.map { ($0 - m).exp() }
    let total = sum(e)
    return e.map { $0 / total }
  }
}

// MARK: - Parameterized op cases

/// An op of one value, with its dual-number twin and the points to test it at.
struct UnaryOp: Sendable {
  let name: String
  let value: @Sendable (Value) -> Value
  let dual: @Sendable (Dual) -> Dual

  init(
    _ name: String, value: @escaping @Sendable (Value) -> Value,
    dual: @escaping @Sendable (Dual) -> Dual
  ) {
    self.name = name
    self.value = value
    self.dual = dual
  }

  /// One case per point.
  func at(_ points: [Double]) -> [UnaryCase] {
    points.map { UnaryCase(op: self, x: $0) }
  }
}

/// A unary op at one point.
struct UnaryCase: Sendable, CustomTestStringConvertible {
  let op: UnaryOp
  let x: Double
  var testDescription: String { "\(op.name) at \(x)" }
}

/// An op of two values, with its dual-number twin.
struct BinaryOp: Sendable {
  let name: String
  let value: @Sendable (Value, Value) -> Value
  let dual: @Sendable (Dual, Dual) -> Dual

  init(
    _ name: String, value: @escaping @Sendable (Value, Value) -> Value,
    dual: @escaping @Sendable (Dual, Dual) -> Dual
  ) {
    self.name = name
    self.value = value
    self.dual = dual
  }

  /// One case per pair of points.
  func at(_ points: [(Double, Double)]) -> [BinaryCase] {
    points.map { BinaryCase(op: self, a: $0.0, b: $0.1) }
  }

  /// One case per pair in `firsts × seconds`.
  func at(_ firsts: [Double], _ seconds: [Double]) -> [BinaryCase] {
    firsts.flatMap { a in seconds.map { b in BinaryCase(op: self, a: a, b: b) } }
  }
}

/// A binary op at one point.
struct BinaryCase: Sendable, CustomTestStringConvertible {
  let op: BinaryOp
  let a: Double
  let b: Double
  var testDescription: String { "\(op.name) at (\(a), \(b))" }
}

/// An op of a vector of values at one point.
struct VectorCase: Sendable, CustomTestStringConvertible {
  let name: String
  let x: [Double]
  let value: @Sendable ([Value]) -> Value
  let dual: @Sendable ([Dual]) -> Dual
  var testDescription: String { "\(name) of \(x.count) inputs" }
}

// MARK: - The derivative checks

/// The upstream gradient used by the checks: not 1, so that an op that drops
/// it (the pullback bug of swift-numerics-differentiable) fails.
let upstream = 2.5

/// Checks a unary op at a point: central differences through
/// `checkGradient(of:at:tolerance:)` with upstream gradient 3, and the
/// engine's gradient with upstream 2.5 against the dual oracle (relative
/// 1e-12), forward value included.
func expectCorrectDerivative(
  _ c: UnaryCase, sourceLocation: SourceLocation = #_sourceLocation
) {
  expectPassed(checkGradient(of: { c.op.value($0) * 3 }, at: c.x), sourceLocation: sourceLocation)
  Tape.scope {
    let x = Value(c.x)
    let y = c.op.value(x)
    y.backward(gradient: upstream)
    let d = c.op.dual(Dual(c.x, derivative: 1))
    expectClose(y.data, d.value, sourceLocation: sourceLocation)
    expectClose(x.grad, upstream * d.derivative, sourceLocation: sourceLocation)
  }
}

/// Checks a binary op at a point, both operands, as the unary check does.
func expectCorrectDerivative(
  _ c: BinaryCase, sourceLocation: SourceLocation = #_sourceLocation
) {
  expectPassed(
    checkGradient(of: { c.op.value($0[0], $0[1]) * 3 }, at: [c.a, c.b]),
    sourceLocation: sourceLocation)
  Tape.scope {
    let a = Value(c.a)
    let b = Value(c.b)
    let y = c.op.value(a, b)
    y.backward(gradient: upstream)
    let da = c.op.dual(Dual(c.a, derivative: 1), Dual(c.b))
    let db = c.op.dual(Dual(c.a), Dual(c.b, derivative: 1))
    expectClose(y.data, da.value, sourceLocation: sourceLocation)
    expectClose(a.grad, upstream * da.derivative, sourceLocation: sourceLocation)
    expectClose(b.grad, upstream * db.derivative, sourceLocation: sourceLocation)
  }
}

/// Checks a vector op at a point, every input, as the unary check does.
func expectCorrectDerivative(
  _ c: VectorCase, sourceLocation: SourceLocation = #_sourceLocation
) {
  expectPassed(checkGradient(of: { c.value($0) * 3 }, at: c.x), sourceLocation: sourceLocation)
  Tape.scope {
    let xs = c.x.map { Value($0) }
    let y = c.value(xs)
    y.backward(gradient: upstream)
    let primal = c.dual(c.x.map { Dual($0) })
    expectClose(y.data, primal.value, sourceLocation: sourceLocation)
    for i in c.x.indices {
      var seeded = c.x.map { Dual($0) }
      seeded[i].derivative = 1
      let d = c.dual(seeded)
      expectClose(xs[i].grad, upstream * d.derivative, sourceLocation: sourceLocation)
    }
  }
}

// MARK: - Optimisers that watch

/// An optimiser that applies `Base`'s updates and records, for every step,
/// the gradients it was given and the parameters it left: a window on each
/// iteration of a training run.
struct StepRecorder<Base: Optimizer>: Optimizer {
  var base: Base
  /// The parameters' gradients at each step, before its update.
  var gradients: [[Double]] = []
  /// The parameters after each step.
  var snapshots: [[Double]] = []

  init(_ base: Base) { self.base = base }

  var parameters: [Value] { base.parameters }
  var learningRate: Double { base.learningRate }
  var schedule: LearningRateSchedule { base.schedule }
  var stepCount: Int { base.stepCount }
  var state: OptimizerState { base.state }

  mutating func step() {
    gradients.append(base.parameters.map(\.grad))
    base.step()
    snapshots.append(base.parameters.map(\.data))
  }

  mutating func restore(from state: OptimizerState) throws { try base.restore(from: state) }
}

/// `count` points x uniform in [−1, 1]² with targets `f(x, u)`, u a further
/// uniform number in [−1, 1] drawn after x when `noise` (else 0), from a
/// generator seeded by `seed`.
func regressionData(
  count: Int, seed: UInt64, noise: Bool = true, _ f: (_ x: [Double], _ u: Double) -> Double
) throws -> Dataset {
  var rng = SeededGenerator(seed: seed)
  var features: [[Double]] = []
  var labels: [Double] = []
  for _ in 0..<count {
    let x = [rng.nextUniform(in: -1, 1), rng.nextUniform(in: -1, 1)]
    features.append(x)
    labels.append(f(x, noise ? rng.nextUniform(in: -1, 1) : 0))
  }
  return try Dataset(features: features, labels: labels)
}
