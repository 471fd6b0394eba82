// The op database's elementary functions and activations: exp, log, sqrt,
// abs, tanh, sigmoid, softplus, relu, leakyReLU, elu, step.

import Foundation

@testable import Backprop

/// Points symmetric about 0, out to where tanh and σ saturate.
private let symmetric: [Double] = [-1000, -30, -3, -0.8, -1e-3, 0, 0.4, 2.5, 30, 1000]

/// Points at least 1e-3 away from a kink at 0.
private let aroundZero: [Double] = [-1000, -30, -0.6, -1e-3, 1e-3, 0.4, 2, 30, 1000]

extension OpDatabase {
  static let elementwise: [OpInfo] = functions + activations + addedOps

  static let functions: [OpInfo] = [
    .unary(
      "exp", .exp, { $0.exp() }, { exp($0) }, at: [-1000, -30, -3, -0.2, 0, 0.5, 2, 10, 50]
    ) { x in [exp(x), exp(x), exp(x)] },
    .unary(
      "log", .log, domain: .positive, { $0.log() }, { log($0) }, at: [1e-3, 0.2, 1, 3.5, 30, 1e6]
    ) { x in [1 / x, -1 / (x * x), 2 / (x * x * x)] },
    .unary(
      "sqrt", .sqrt, domain: .positive, { $0.sqrt() }, { $0.squareRoot() },
      at: [1e-3, 0.2, 2, 9, 30, 1e6]
    ) { x in [0.5 / x.squareRoot(), -0.25 * pow(x, -1.5), 0.375 * pow(x, -2.5)] },
    // abs′(0) = 0 (PyTorch's choice), for +0 and −0.
    .unary(
      "abs", .abs, { $0.abs() }, { Swift.abs($0) }, at: [-1000, -5, -1e-3, 1e-3, 0.7, 30],
      kinks: [(0, [0, 0, 0]), (-0.0, [0, 0, 0])]
    ) { x in [x > 0 ? 1 : -1, 0, 0] },
    .unary("tanh", .tanh, { $0.tanh() }, { tanh($0) }, at: symmetric) { x in
      let t = tanh(x)
      let s = sech2(x)
      return [s, -2 * t * s, -2 * s * (1 - 3 * t * t)]
    },
    .unary("sigmoid", .sigmoid, { $0.sigmoid() }, stableLogistic, at: symmetric + [-8, 5]) { x in
      let p = logisticPrime(x)
      return [p, -p * tanh(x / 2), p * (1 - 6 * p)]
    },
    // softplus(x) = log(1 + eˣ) = max(x, 0) + log(1 + e^−|x|)
    .unary(
      "softplus", .softplus, { $0.softplus() }, { Swift.max($0, 0) + log1p(exp(-Swift.abs($0))) },
      at: symmetric
    ) { x in
      let p = logisticPrime(x)
      return [stableLogistic(x), p, -p * tanh(x / 2)]
    },
    // u = σ(x)eˣ, u′ = σeˣ(2 − σ); f′ = sech²(u)·u′ + 2x/(x² + 1).
    .unary(
      "tanh(sigmoid(x) * exp(x)) + log(x² + 1) (composite)", nil,
      { ($0.sigmoid() * $0.exp()).tanh() + ($0 * $0 + 1).log() },
      { x in tanh(stableLogistic(x) * exp(x)) + log(x * x + 1) }, at: [-1.5, 0.2, 1.3]
    ) { x in
      let s = stableLogistic(x)
      let u = s * exp(x)
      return [sech2(u) * u * (2 - s) + 2 * x / (x * x + 1)]
    },
  ]

  static let activations: [OpInfo] =
    [
      // relu′(0) = 0, for +0 and −0; just right of 0 it is 1.
      .unary(
        "relu", .relu, { $0.relu() }, { $0 > 0 ? $0 : 0 }, at: aroundZero,
        kinks: [(0, [0, 0, 0]), (-0.0, [0, 0, 0]), (1e-300, [1, 0, 0])]
      ) { x in [x > 0 ? 1 : 0, 0, 0] },
      // step′ = 0 everywhere, its kink included; step(x) = 1 for x ≥ 0 (−0 too).
      .unary(
        "step", .step, { $0.step() }, { $0 >= 0 ? 1 : 0 }, at: [-30, -1, -1e-3, 1e-3, 1, 30],
        kinks: [(0, [0, 0, 0]), (-0.0, [0, 0, 0])]
      ) { _ in [0, 0, 0] },
      // relu(x)·x + elu(x): x² + x right of 0, eˣ − 1 left.
      .unary(
        "relu(x) * x + elu(x) (composite)", nil, { $0.relu() * $0 + $0.elu() },
        { x in x > 0 ? x * x + x : expm1(x) }, at: [-40, -3, -0.6, -1e-3, 1e-3, 0.4, 2, 25]
      ) { x in x > 0 ? [2 * x + 1, 2] : [exp(x), exp(x)] },
    ]
    + [nil, 0.1, 0.2, -1.5].map(leakyReLU) + [nil, 0.5, 0.7, 2].map(elu)

  /// leakyReLU with `slope` (nil: the default, 0.01); leakyReLU′(0) is the
  /// slope (its left branch).
  private static func leakyReLU(_ slope: Double?) -> OpInfo {
    let c = slope ?? 0.01
    let value: @Sendable (Value) -> Value =
      if let slope { { $0.leakyReLU(slope: slope) } } else { { $0.leakyReLU() } }
    return .unary(
      slope.map { "leakyReLU(slope: \($0))" } ?? "leakyReLU()", .leakyReLU, value,
      { $0 > 0 ? $0 : c * $0 }, at: aroundZero, kinks: [(0, [c, 0, 0])]
    ) { x in [x > 0 ? 1 : c, 0, 0] }
  }

  /// elu with `alpha` (nil: the default, 1); at 0 it takes its left branch
  /// α·eˣ for every order.
  private static func elu(_ alpha: Double?) -> OpInfo {
    let a = alpha ?? 1
    let value: @Sendable (Value) -> Value =
      if let alpha { { $0.elu(alpha: alpha) } } else { { $0.elu() } }
    return .unary(
      alpha.map { "elu(alpha: \($0))" } ?? "elu()", .elu, value,
      { $0 > 0 ? $0 : a * expm1($0) }, at: aroundZero, kinks: [(0, [a, a, a])]
    ) { x in x > 0 ? [1, 0, 0] : [a * exp(x), a * exp(x), a * exp(x)] }
  }
}
