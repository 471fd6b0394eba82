// The op database's arithmetic: + − × ÷ of two values, with a constant on
// either side (a `Double` and a literal), negation, pow, maximum and minimum.

import Foundation

@testable import Backprop

/// A constant operand that is a `Double` expression, not a literal, so the
/// `(Value, Double)` overloads are the ones recorded.
private let k: Double = 2.5

/// Points for binary ops: both signs, both scales.
private let pairs: [(Double, Double)] = [
  (-2.0, 0.7), (1.5, -3), (30, 1000), (-1000, 0.25), (-0.4, 0.6), (0.3, -1.2), (120, 3),
]

/// Points for ops with a constant.
private let line: [Double] = [-3.1, -0.5, 0, 0.25, 1.9, 42]

/// A linear unary entry: f(x) = slope·x + intercept.
private func linear(
  _ name: String, _ code: OpCode, slope: Double, _ value: @escaping @Sendable (Value) -> Value,
  _ double: @escaping @Sendable (Double) -> Double
) -> OpInfo {
  .unary(name, code, value, double, at: line) { _ in [slope, 0, 0] }
}

/// p·x^(p−1), p(p−1)·x^(p−2), p(p−1)(p−2)·x^(p−3), away from x = 0.
private func powerDerivatives(_ x: Double, _ p: Double) -> [Double] {
  [p * pow(x, p - 1), p * (p - 1) * pow(x, p - 2), p * (p - 1) * (p - 2) * pow(x, p - 3)]
}

/// The limits of x^p at 0 that the engine promises for [d/dx, d²/dx², d³/dx³].
private let powerLimitsAtZero: [Double: [Double]] = [
  2: [0, 2, 0], 3: [0, 0, 6], 1: [1, 0, 0], 0: [0, 0, 0],
  -1: [-.infinity, .infinity, -.infinity], -2: [-.infinity, .infinity, -.infinity],
  0.5: [.infinity, -.infinity, .infinity], 1.5: [0, .infinity, -.infinity],
  -2.5: [-.infinity, .infinity, -.infinity], 1.0 / 3: [.infinity, -.infinity, .infinity],
]

extension OpDatabase {
  static let arithmetic: [OpInfo] =
    [
      .binary(
        "a + b", .add, { $0 + $1 }, { $0 + $1 }, at: pairs,
        gradient: { _, _ in [1, 1] }, hessian: { _, _ in zeros(2) }),
      .binary(
        "a - b", .subtract, { $0 - $1 }, { $0 - $1 }, at: pairs,
        gradient: { _, _ in [1, -1] }, hessian: { _, _ in zeros(2) }),
      .binary(
        "a * b", .multiply, { $0 * $1 }, { $0 * $1 }, at: pairs,
        gradient: { a, b in [b, a] }, hessian: { _, _ in [[0, 1], [1, 0]] }),
      .binary(
        "a / b", .divide, domains: [.real, .nonzero], { $0 / $1 }, { $0 / $1 }, at: pairs,
        gradient: { a, b in [1 / b, -a / (b * b)] },
        hessian: { a, b in [[0, -1 / (b * b)], [-1 / (b * b), 2 * a / (b * b * b)]] }),
      .binary(
        "(a - b) * (a + b) / b (composite)", nil, domains: [.real, .nonzero],
        { ($0 - $1) * ($0 + $1) / $1 }, { ($0 - $1) * ($0 + $1) / $1 },
        at: [(-2.5, -1.2), (-0.4, 0.6), (0.3, 3), (1.7, -1.2), (120, 0.6)],
        // (a² − b²)/b = a²/b − b
        gradient: { a, b in [2 * a / b, -a * a / (b * b) - 1] },
        hessian: { a, b in
          [[2 / b, -2 * a / (b * b)], [-2 * a / (b * b), 2 * a * a / (b * b * b)]]
        }),
      .binary(
        "a.pow(b)", .power, domains: [.positive, .real], { $0.pow($1) }, { pow($0, $1) },
        at: [0.4, 1.3, 3, 17].flatMap { a in [-1.5, 0.5, 2, 3.2].map { (a, $0) } },
        // At base 0 with b ≥ 0 the base follows the limits of x^b and the
        // exponent gets 0 (the limit, not 0 · log 0 = NaN).
        kinks: [(2.0, 0.0), (3, 0), (1, 1), (0.5, .infinity), (0, 0)].map { b, d in
          OpInfo.Kink(point: [0, b], gradient: [d, 0])
        },
        gradient: { a, b in [b * pow(a, b - 1), pow(a, b) * log(a)] },
        hessian: { a, b in
          let mixed = pow(a, b - 1) * (1 + b * log(a))
          return [[b * (b - 1) * pow(a, b - 2), mixed], [mixed, pow(a, b) * log(a) * log(a)]]
        }),
    ]
    + extrema + constants + powers

  /// maximum and minimum: a tie splits the gradient ½ each, and their
  /// second derivatives are 0.
  static let extrema: [OpInfo] = [
    extremum("maximum(a, b)", .maximum, { Value.maximum($0, $1) }) { a, b in a > b },
    extremum("minimum(a, b)", .minimum, { Value.minimum($0, $1) }) { a, b in a < b },
  ]

  /// maximum or minimum, where `picksFirst(a, b)` says when a is the result.
  private static func extremum(
    _ name: String, _ code: OpCode, _ value: @escaping @Sendable (Value, Value) -> Value,
    picksFirst: @escaping @Sendable (Double, Double) -> Bool
  ) -> OpInfo {
    .binary(
      name, code, value, { a, b in picksFirst(a, b) ? a : b },
      at: [
        (-1, 2), (2, -1), (0.5, 0.501), (0.501, 0.5), (3, -3), (-0.2, -0.7), (-40, 1e-3),
        (30, 1000), (-1000, 0.25),
      ],
      kinks: [(1.5, 1.5), (0, 0), (-2, -2)].map { a, b in
        OpInfo.Kink(point: [a, b], gradient: [0.5, 0.5], hessian: zeros(2))
      },
      gradient: { a, b in picksFirst(a, b) ? [1, 0] : [0, 1] }, hessian: { _, _ in zeros(2) })
  }

  /// Ops with a constant (a `Double` and, recorded through a leaf, a
  /// literal), negation, and small composites that reuse their input.
  static let constants: [OpInfo] = [
    linear("-x", .negate, slope: -1, { -$0 }, { -$0 }),
    linear("x + 2.5", .addConstant, slope: 1, { $0 + k }, { $0 + k }),
    linear("2.5 + x", .addConstant, slope: 1, { k + $0 }, { k + $0 }),
    linear("x - 2.5", .addConstant, slope: 1, { $0 - k }, { $0 - k }),
    linear("2.5 - x", .constantMinus, slope: -1, { k - $0 }, { k - $0 }),
    linear("x * 2.5", .multiplyConstant, slope: k, { $0 * k }, { $0 * k }),
    linear("2.5 * x", .multiplyConstant, slope: k, { k * $0 }, { k * $0 }),
    linear("x / 2.5", .divideConstant, slope: 1 / k, { $0 / k }, { $0 / k }),
    .unary(
      "2.5 / x", .constantDivide, domain: .nonzero, { k / $0 }, { k / $0 },
      at: [-3.1, -0.3, 0.25, 1.9, 42, 1000]
    ) { x in [-k / (x * x), 2 * k / (x * x * x), -6 * k / (x * x * x * x)] },
    linear("x + 2 (literal)", .add, slope: 1, { $0 + 2 }, { $0 + 2 }),
    linear("3 - x (literal)", .subtract, slope: -1, { 3 - $0 }, { 3 - $0 }),
    linear("x * -4 (literal)", .multiply, slope: -4, { $0 * -4 }, { $0 * -4 }),
    linear("x / 8 (literal)", .divide, slope: 0.125, { $0 / 8 }, { $0 / 8 }),
    .unary(
      "3 / x (literal)", .divide, domain: .nonzero, { 3 / $0 }, { 3 / $0 },
      at: [-3.1, -0.5, 0.25, 1.9, 42]
    ) { x in [-3 / (x * x), 6 / (x * x * x), -18 / (x * x * x * x)] },
    .unary("x * x (reuse)", .multiply, { $0 * $0 }, { $0 * $0 }, at: line) { x in [2 * x, 2, 0] },
    .unary("x + x (reuse)", .add, { $0 + $0 }, { $0 + $0 }, at: line) { _ in [2, 0, 0] },
    .unary(
      "x / (x + 1) (reuse)", nil, { $0 / ($0 + 1) }, { $0 / ($0 + 1) },
      at: [-3.1, -0.5, 0, 0.25, 1.9, 42]
    ) { x in
      let u = x + 1
      return [1 / (u * u), -2 / (u * u * u), 6 / (u * u * u * u)]
    },
    // (k − x)·(x / k) = x − x²/k
    .unary(
      "(2.5 - x) * (x / 2.5) (diamond)", nil, { (k - $0) * ($0 / k) }, { (k - $0) * ($0 / k) },
      at: line
    ) { x in [1 - 2 * x / k, -2 / k, 0] },
  ]

  /// x.pow(p) for constant p: integer powers on both signs, the others on
  /// x > 0; at 0, the limits.
  static let powers: [OpInfo] =
    [2.0, 3, -1, -2, 1, 0].map { p in
      OpInfo.unary(
        "x.pow(\(p))", .powerConstant, { $0.pow(p) }, { pow($0, p) },
        at: [-2.2, -0.4, 0.05, 0.3, 1.1, 2.5, 40, 1000],
        kinks: [(0, powerLimitsAtZero[p]!)]
      ) { x in powerDerivatives(x, p) }
    }
    + [0.5, 1.5, 1.7, -2.5, 1.0 / 3].map { p in
      OpInfo.unary(
        "x.pow(\(p))", .powerConstant, domain: .positive, { $0.pow(p) }, { pow($0, p) },
        at: [0.05, 0.3, 1.1, 2.5, 40, 1000],
        kinks: powerLimitsAtZero[p].map { [(0, $0)] } ?? []
      ) { x in powerDerivatives(x, p) }
    }
}
