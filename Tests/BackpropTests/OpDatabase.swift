// The op database: one entry per op of the engine (and per public way of
// recording it), with its sample points, kinks and hand-written derivatives.
// The gradient, replay, trace, higher-order and random-graph tests all draw
// from it (see OpDatabaseTests and the suites that iterate `OpDatabase.cases`).
//
// To add an op: append one `OpInfo` to the list of its kind in
// OpDatabase+Elementwise.swift, OpDatabase+Arithmetic.swift or
// OpDatabase+Reductions.swift (a user-defined op is just another entry), and
// nothing else: until some entry records a new `OpCode`, the completeness
// test fails naming it.

import Foundation
import Testing

@testable import Backprop

/// One op of the engine, as PyTorch's OpInfo describes one: how to record
/// it, the same function on `Double`s, its derivatives from calculus, and
/// where to test it.
struct OpInfo: Sendable, CustomTestStringConvertible, CustomStringConvertible {
  /// How many inputs the op takes.
  enum Arity: Sendable, Equatable {
    /// Exactly this many.
    case fixed(Int)
    /// Any positive multiple of this many (a sum, a dot product's pairs).
    case variadic(multipleOf: Int)
  }

  /// Where an input may lie.
  enum Domain: Sendable {
    case real, positive, nonzero

    func contains(_ x: Double) -> Bool {
      switch self {
      case .real: x.isFinite
      case .positive: x > 0 && x.isFinite
      case .nonzero: x != 0 && x.isFinite
      }
    }

    /// Any finite value mapped into the domain with the public API, for random graphs.
    func map(_ v: Value) -> Value {
      switch self {
      case .real: v
      case .positive, .nonzero: v.abs() + 0.5
      }
    }
  }

  /// A kink or a limit: where the derivatives are the engine's conventions,
  /// so central differences do not apply and the promised values are
  /// expected exactly (±0 alike, NaN as NaN).
  struct Kink: Sendable {
    let point: [Double]
    /// ∂f/∂xᵢ promised there.
    let gradient: [Double]
    /// ∂²f/∂xᵢ∂xⱼ promised there, if the database states it.
    var hessian: [[Double]]? = nil
    /// ∂³f/∂xᵢ∂xⱼ∂xₖ promised there, if the database states it.
    var third: [[[Double]]]? = nil
  }

  /// How the op is written, as a failure names it: `x.pow(2.5)`, `maximum(a, b)`.
  let name: String
  /// The op code of the node it records directly on its inputs (literal
  /// leaves aside); nil for a composite of several nodes, whose trace has
  /// no single local derivative to compare.
  let opCode: OpCode?
  let arity: Arity
  /// Each input's domain; an n-ary op's last domain repeats.
  var domains: [Domain] = [.real]
  /// The op on values, with the public API.
  let value: @Sendable ([Value]) -> Value
  /// The same function on `Double`s.
  let double: @Sendable ([Double]) -> Double
  /// ∂f/∂xᵢ from calculus, independent of the engine's formulas.
  let gradient: @Sendable ([Double]) -> [Double]
  /// ∂²f/∂xᵢ∂xⱼ, or nil where the database has no closed form (then only
  /// central differences check the second derivative).
  var hessian: (@Sendable ([Double]) -> [[Double]])? = nil
  /// ∂³f/∂xᵢ∂xⱼ∂xₖ, or nil.
  var third: (@Sendable ([Double]) -> [[[Double]]])? = nil
  /// Ordinary points, in the domain, where f is smooth around the point.
  let points: [[Double]]
  var kinks: [Kink] = []
  /// Whether `Value.gradients(of:withRespectTo:)` differentiates it, so that
  /// the higher-order tests apply.
  var hasHigherOrder = true
  /// Whether recording it reads data (softmax's shift), so a `Recording` of
  /// it is not replayable (it is recorded again at each replay).
  var readsData = false
  /// How many times the engine can differentiate the op: nil for any
  /// number (the built-in ops); 2 for a user-defined op given f′ and f″.
  var differentiableTimes: Int? = nil

  var description: String { name }
  var testDescription: String { name }

  func domain(ofInput i: Int) -> Domain { domains[Swift.min(i, domains.count - 1)] }

  /// Whether `count` inputs suit the arity.
  func accepts(count: Int) -> Bool {
    switch arity {
    case .fixed(let n): count == n
    case .variadic(let m): count > 0 && count % m == 0
    }
  }

  /// The number of inputs random graphs give it.
  var randomCount: Int {
    switch arity {
    case .fixed(let n): n
    case .variadic(let m): m == 1 ? 3 : m
    }
  }
}

/// An entry at one point: the argument of the parameterized op tests.
struct OpCase: Sendable, CustomTestStringConvertible {
  let op: OpInfo
  let point: [Double]
  /// What the engine promises at a kink; nil at an ordinary point.
  let kink: OpInfo.Kink?

  var testDescription: String {
    let at = point.count == 1 ? "\(point[0])" : "\(point)"
    return "\(op.name) at \(at)" + (kink == nil ? "" : " (kink)")
  }

  /// ∂f/∂xᵢ: the kink's promise or the closed form.
  var gradient: [Double] { kink?.gradient ?? op.gradient(point) }
  /// ∂²f/∂xᵢ∂xⱼ, if known here.
  var hessian: [[Double]]? { kink.map { $0.hessian } ?? op.hessian?(point) }
  /// ∂³f/∂xᵢ∂xⱼ∂xₖ, if known here.
  var third: [[[Double]]]? { kink.map { $0.third } ?? op.third?(point) }

  /// The point the replay tests move the leaves to: the entry's next point
  /// of the same size, or this one reversed.
  var otherPoint: [Double] {
    let all = op.points + op.kinks.map(\.point)
    let same = all.filter { $0.count == point.count }
    if let k = same.firstIndex(of: point), same.count > 1 {
      return same[(k + 1) % same.count]
    }
    return point.reversed()
  }

  /// The comparison with a closed form: relative 1e-12, plus 1e-15 absolute
  /// once some |xᵢ| ≥ 20, where the engine's formulas (1 − y² for tanh′,
  /// y(1 − y) for σ′) lose digits to cancellation; exact at a kink.
  func agrees(_ actual: Double, _ expected: Double, scale: Double = 1) -> Bool {
    if actual == expected || (actual.isNaN && expected.isNaN) { return true }
    if kink != nil { return false }
    let absolute = point.contains { Swift.abs($0) >= 20 } ? 1e-15 * Swift.abs(scale) : 0
    let size = Swift.max(Swift.abs(actual), Swift.abs(expected))
    return Swift.abs(actual - expected) <= 1e-12 * size + absolute
  }

  /// The central-difference policy: the project's, with a smaller step next
  /// to 0 (where log and sqrt blow up, a step of 1e-6 would be a thousandth
  /// of x = 0.001 and its truncation error about (h/x)² relative).
  var tolerance: GradientCheckTolerance {
    point.contains { $0 != 0 && Swift.abs($0) < 0.01 }
      ? GradientCheckTolerance(step: 1e-8) : .default
  }
}

/// Every op with its points: the one list the op tests draw from.
enum OpDatabase {
  static let entries: [OpInfo] = arithmetic + elementwise + reductions

  /// Every entry at every ordinary point and every kink.
  static let cases: [OpCase] = entries.flatMap { op in
    op.points.map { OpCase(op: op, point: $0, kink: nil) }
      + op.kinks.map { OpCase(op: op, point: $0.point, kink: $0) }
  }

  /// The cases where `Value.gradients(of:withRespectTo:)` applies.
  static let higherOrderCases = cases.filter { $0.op.hasHigherOrder }

  /// The op code of the node `op` records on a fresh tape at `point`, and
  /// whether every operand of that node is a leaf.
  static func recordedOp(_ op: OpInfo, at point: [Double]) -> (OpCode, Bool) {
    Tape().withCurrent {
      let y = op.value(point.map { Value($0) })
      let s = y.storage
      var direct = true
      s.pointee.forEachOperand(of: y.node) { direct = direct && s.op[$0] == .leaf }
      return (s.op[y.node], direct)
    }
  }

  // MARK: Random graphs

  /// A random graph over `leaves` of every entry that does not read data,
  /// each step an entry applied to values already made (mapped into its
  /// domain) and squashed by tanh: the same graph on whichever tape is
  /// current, for a given seed. Returns its output (the sum of the last
  /// `outputs` values) and every value made, leaves first.
  static func randomGraph(
    over leaves: [Value], seed: UInt64, size: Int, outputs: Int
  ) -> (Value, [Value]) {
    let ops = entries.filter { !$0.readsData }
    var rng = SeededGenerator(seed: seed)
    var values = leaves
    for _ in 0..<size {
      let op = ops[Int(rng.next() % UInt64(ops.count))]
      let inputs = (0..<op.randomCount).map { i in
        op.domain(ofInput: i).map(values[Int(rng.next() % UInt64(values.count))])
      }
      values.append(op.value(inputs).tanh())
    }
    return (Value.sum(Array(values.suffix(outputs))), values)
  }
}

// MARK: - Building entries

extension OpInfo {
  /// A unary entry from f and its first derivatives `[f′, f″, f‴]` (as many
  /// as are written; two or more give the Hessian, three the third order).
  static func unary(
    _ name: String, _ code: OpCode?, domain: Domain = .real,
    _ value: @escaping @Sendable (Value) -> Value,
    _ double: @escaping @Sendable (Double) -> Double,
    at points: [Double], kinks: [(Double, [Double])] = [],
    derivatives: @escaping @Sendable (Double) -> [Double]
  ) -> OpInfo {
    let orders = derivatives(points[0]).count
    let hessian: @Sendable ([Double]) -> [[Double]] = { [[derivatives($0[0])[1]]] }
    let third: @Sendable ([Double]) -> [[[Double]]] = { [[[derivatives($0[0])[2]]]] }
    return OpInfo(
      name: name, opCode: code, arity: .fixed(1), domains: [domain],
      value: { value($0[0]) }, double: { double($0[0]) },
      gradient: { [derivatives($0[0])[0]] },
      hessian: orders >= 2 ? hessian : nil,
      third: orders >= 3 ? third : nil,
      points: points.map { [$0] },
      kinks: kinks.map { x, d in
        Kink(
          point: [x], gradient: [d[0]], hessian: d.count > 1 ? [[d[1]]] : nil,
          third: d.count > 2 ? [[[d[2]]]] : nil)
      })
  }

  /// A binary entry from f, its gradient and its Hessian.
  static func binary(
    _ name: String, _ code: OpCode?, domains: [Domain] = [.real],
    _ value: @escaping @Sendable (Value, Value) -> Value,
    _ double: @escaping @Sendable (Double, Double) -> Double,
    at points: [(Double, Double)], kinks: [Kink] = [],
    gradient: @escaping @Sendable (Double, Double) -> [Double],
    hessian: @escaping @Sendable (Double, Double) -> [[Double]]
  ) -> OpInfo {
    OpInfo(
      name: name, opCode: code, arity: .fixed(2), domains: domains,
      value: { value($0[0], $0[1]) }, double: { double($0[0], $0[1]) },
      gradient: { gradient($0[0], $0[1]) }, hessian: { hessian($0[0], $0[1]) },
      points: points.map { [$0.0, $0.1] }, kinks: kinks)
  }
}

// MARK: - Closed forms shared by entries

/// σ(x), never overflowing.
func stableLogistic(_ x: Double) -> Double { x >= 0 ? 1 / (1 + exp(-x)) : exp(x) / (1 + exp(x)) }

/// σ′(x) = e^−|x| / (1 + e^−|x|)², never overflowing.
func logisticPrime(_ x: Double) -> Double {
  let e = exp(-Swift.abs(x))
  return e / ((1 + e) * (1 + e))
}

/// sech²(x) = 4e^−2|x| / (1 + e^−2|x|)².
func sech2(_ x: Double) -> Double {
  let e = exp(-2 * Swift.abs(x))
  return 4 * e / ((1 + e) * (1 + e))
}

/// A matrix of zeros.
func zeros(_ n: Int) -> [[Double]] { Array(repeating: Array(repeating: 0, count: n), count: n) }

/// `count` seeded values of `scale · N(0, 1)`.
func gaussianPoint(count: Int, scale: Double = 1, seed: UInt64) -> [Double] {
  var rng = SeededGenerator(seed: seed)
  return (0..<count).map { _ in scale * rng.nextGaussian() }
}
