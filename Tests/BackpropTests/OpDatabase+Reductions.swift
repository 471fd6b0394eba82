// The op database's n-ary ops: sums, dot products (with values and with
// constants), log-sum-exp, the maximum, and softmax (a composite) weighted into a scalar.

import Foundation

@testable import Backprop

/// The sizes every reduction is tested at.
private let sizes = [1, 2, 5, 17]

/// Seeded constants for dot products with constants and softmax weights.
private let weights: [Double] = {
  var rng = SeededGenerator(seed: 1017)
  return (0..<17).map { _ in rng.nextUniform(in: -2, 2) }
}()

/// The softmax of `x`, with the largest value subtracted.
private func softmax(_ x: [Double]) -> [Double] {
  let m = x.max() ?? 0
  let e = x.map { exp($0 - m) }
  let total = e.reduce(0, +)
  return e.map { $0 / total }
}

/// Where the maximum of `x` is, as PyTorch's max-pool picks it: the first
/// NaN, or else the first maximal entry.
private func firstMaximum(_ x: [Double]) -> Int {
  if let k = x.firstIndex(where: \.isNaN) { return k }
  var best = 0
  for k in x.indices where x[k] > x[best] { best = k }
  return best
}

/// 1 at `k`, 0 elsewhere.
private func oneHot(_ k: Int, count n: Int) -> [Double] { (0..<n).map { $0 == k ? 1 : 0 } }

/// Σ xᵢ yᵢ over the two halves of `x`.
private func halvesDot(_ x: [Double]) -> Double {
  let n = x.count / 2
  return (0..<n).reduce(0) { $0 + x[$1] * x[n + $1] }
}

extension OpDatabase {
  static let reductions: [OpInfo] = [
    OpInfo(
      name: "Value.sum", opCode: .sum, arity: .variadic(multipleOf: 1),
      value: { Value.sum($0) }, double: { $0.reduce(0, +) },
      gradient: { x in x.map { _ in 1 } }, hessian: { zeros($0.count) },
      points: sizes.map { gaussianPoint(count: $0, seed: UInt64($0)) }),
    OpInfo(
      name: "[Value].sum()", opCode: .sum, arity: .variadic(multipleOf: 1),
      value: { $0.sum() }, double: { $0.reduce(0, +) },
      gradient: { x in x.map { _ in 1 } }, hessian: { zeros($0.count) },
      points: [3, 5].map { gaussianPoint(count: $0, seed: 50 + UInt64($0)) }),
    // The two halves of the inputs are the two vectors.
    OpInfo(
      name: "Value.dot([Value], [Value])", opCode: .dot, arity: .variadic(multipleOf: 2),
      value: { x in Value.dot(Array(x[..<(x.count / 2)]), Array(x[(x.count / 2)...])) },
      double: halvesDot,
      gradient: { x in
        let n = x.count / 2
        return Array(x[n...] + x[..<n])
      },
      hessian: { x in
        let n = x.count / 2
        return (0..<(2 * n)).map { i in
          (0..<(2 * n)).map { j in (j - i + 2 * n) % (2 * n) == n ? 1 : 0 }
        }
      },
      points: sizes.map { gaussianPoint(count: 2 * $0, seed: 100 + UInt64($0)) }),
    OpInfo(
      name: "Value.dot([Value], [Double])", opCode: .dotConstant, arity: .variadic(multipleOf: 1),
      value: { x in Value.dot(x, Array(weights.prefix(x.count))) },
      double: { x in zip(x, weights).reduce(0) { $0 + $1.0 * $1.1 } },
      gradient: { x in Array(weights.prefix(x.count)) }, hessian: { zeros($0.count) },
      points: sizes.map { gaussianPoint(count: $0, seed: 200 + UInt64($0)) }),
    // ∂/∂xᵢ = pᵢ, the softmax; ∂²/∂xᵢ∂xⱼ = pᵢδᵢⱼ − pᵢpⱼ.
    OpInfo(
      name: "Value.logSumExp", opCode: .logSumExp, arity: .variadic(multipleOf: 1),
      value: { Value.logSumExp($0) },
      double: { x in
        let m = x.max() ?? 0
        return m + log(x.reduce(0) { $0 + exp($1 - m) })
      },
      gradient: softmax,
      hessian: { x in
        let p = softmax(x)
        return x.indices.map { i in x.indices.map { j in (i == j ? p[i] : 0) - p[i] * p[j] } }
      },
      points: sizes.map { gaussianPoint(count: $0, scale: 3, seed: 300 + UInt64($0)) }
        + [[0.3, -1.2, 2], [4, 3.5, -2, 0.1]]),
    // max xᵢ: ∂/∂xᵢ = 1 for the first maximal xᵢ (the first NaN), 0 for the
    // rest; the Hessian is 0. Ties are kinks: the whole gradient to the first.
    OpInfo(
      name: "Value.maximum(of:)", opCode: .maxOf, arity: .variadic(multipleOf: 1),
      value: { Value.maximum(of: $0) }, double: { x in x[firstMaximum(x)] },
      gradient: { x in oneHot(firstMaximum(x), count: x.count) }, hessian: { zeros($0.count) },
      points: sizes.map { gaussianPoint(count: $0, scale: 2, seed: 600 + UInt64($0)) }
        + [[-1000, 0.25, 30]],
      // NaN and an output of −inf are tested in PoolingTests: through a NaN
      // upstream the losers get 0, not NaN · 0 as the reuse test expects.
      kinks: [[1, 3, 3, 3], [2, 2], [-0.5, -0.5, -0.5], [0, -0.0], [-.infinity, -1, 2]].map { x in
        OpInfo.Kink(
          point: x, gradient: oneHot(firstMaximum(x), count: x.count), hessian: zeros(x.count))
      }),
    // Σ wᵢpᵢ: ∂/∂xᵢ = pᵢ(wᵢ − w̄) with w̄ = Σ wⱼpⱼ, and
    // ∂²/∂xᵢ∂xⱼ = pᵢ(δᵢⱼ − pⱼ)(wᵢ − w̄) − pᵢpⱼ(wⱼ − w̄).
    OpInfo(
      name: "Σ wᵢ · Value.softmax(x)ᵢ (composite)", opCode: nil, arity: .variadic(multipleOf: 1),
      value: { x in Value.dot(Value.softmax(x), Array(weights.prefix(x.count))) },
      double: { x in zip(softmax(x), weights).reduce(0) { $0 + $1.0 * $1.1 } },
      gradient: { x in
        let p = softmax(x)
        let mean = zip(p, weights).reduce(0) { $0 + $1.0 * $1.1 }
        return x.indices.map { p[$0] * (weights[$0] - mean) }
      },
      hessian: { x in
        let p = softmax(x)
        let w = weights
        let mean = zip(p, w).reduce(0) { $0 + $1.0 * $1.1 }
        return x.indices.map { i in
          x.indices.map { j in
            p[i] * ((i == j ? 1 : 0) - p[j]) * (w[i] - mean) - p[i] * p[j] * (w[j] - mean)
          }
        }
      },
      points: sizes.map { gaussianPoint(count: $0, scale: 3, seed: 400 + UInt64($0)) },
      readsData: true),
    // Σ xᵢ² + Σ xᵢ·tanh xᵢ: ∂/∂xᵢ = 2xᵢ + tanh xᵢ + xᵢ·sech²xᵢ, a diagonal Hessian.
    OpInfo(
      name: "Σ xᵢ² + Σ xᵢ·tanh xᵢ (reuse)", opCode: nil, arity: .variadic(multipleOf: 1),
      value: { x in Value.dot(x, x) + Value.dot(x, x.map { $0.tanh() }) },
      double: { x in x.reduce(0) { $0 + $1 * $1 } + x.reduce(0) { $0 + $1 * tanh($1) } },
      gradient: { x in x.map { 2 * $0 + tanh($0) + $0 * sech2($0) } },
      hessian: { x in
        x.indices.map { i in
          x.indices.map { j in i == j ? 2 + 2 * sech2(x[i]) * (1 - x[i] * tanh(x[i])) : 0 }
        }
      },
      points: sizes.map { gaussianPoint(count: $0, seed: 500 + UInt64($0)) }),
  ]
}
