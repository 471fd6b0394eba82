// Op database entries for the ops added with the op table (sin, cos, erf,
// erfc, gelu, swish) and for a user-defined op (ElementwiseFunction).

import Foundation

@testable import Backprop

/// φ(x), the standard normal density.
private func normalDensity(_ x: Double) -> Double { exp(-x * x / 2) / (2 * Double.pi).squareRoot() }

/// Φ(x), the standard normal distribution function, via erfc (accurate in the left tail).
private func normalCDF(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }

/// x³, with f′ and f″ given: a user-defined op whose second derivative the
/// recorded sweep can take.
let userCube = ElementwiseFunction(
  "cube", { x in x * x * x }, derivative: { x in 3 * x * x }, secondDerivative: { x in 6 * x })

extension OpDatabase {
  static let addedOps: [OpInfo] = [
    .unary("sin", .sin, { $0.sin() }, { sin($0) }, at: [-20, -3, -0.8, 0, 0.4, 1.5, 2.5, 20]) { x in
      [cos(x), -sin(x), -cos(x)]
    },
    .unary("cos", .cos, { $0.cos() }, { cos($0) }, at: [-20, -3, -0.8, 0, 0.4, 1.5, 2.5, 20]) { x in
      [-sin(x), -cos(x), sin(x)]
    },
    // erf′ = (2/√π)e^(−x²); erf″ = −2x·erf′; erf‴ = (4x² − 2)·erf′.
    .unary("erf", .erf, { $0.erf() }, { erf($0) }, at: [-30, -2, -0.8, 0, 0.4, 1.3, 30]) { x in
      let d = 2 / Double.pi.squareRoot() * exp(-x * x)
      return [d, -2 * x * d, (4 * x * x - 2) * d]
    },
    // erfc′ = −(2/√π)e^(−x²); erfc″ = 2x·(2/√π)e^(−x²); erfc‴ = −(4x² − 2)·(2/√π)e^(−x²).
    .unary("erfc", .erfc, { $0.erfc() }, { erfc($0) }, at: [-30, -2, -0.8, 0, 0.4, 1.3, 6, 30]) {
      x in
      let d = 2 / Double.pi.squareRoot() * exp(-x * x)
      return [-d, 2 * x * d, -(4 * x * x - 2) * d]
    },
    // GELU = xΦ(x): f′ = Φ + xφ; f″ = φ(2 − x²); f‴ = φ(x³ − 4x).
    .unary(
      "gelu", .gelu, { $0.gelu() }, { $0 * normalCDF($0) },
      at: [-1000, -6, -3, -0.8, 0, 0.4, 2.5, 6, 1000]
    ) { x in
      let p = normalDensity(x)
      return [normalCDF(x) + x * p, p * (2 - x * x), p * (x * x * x - 4 * x)]
    },
    // swish = xσ(x), with s = σ(x), s′ = s(1 − s), s″ = s′(1 − 2s):
    // f′ = s + xs′; f″ = 2s′ + xs″; f‴ = 3s″ + x(s′(1 − 2s)² − 2s′²).
    .unary(
      "swish", .swish, { $0.swish() }, { $0 * stableLogistic($0) },
      at: [-1000, -30, -3, -0.8, 0, 0.4, 2.5, 30, 1000]
    ) { x in
      let s = stableLogistic(x)
      let d1 = logisticPrime(x)
      let d2 = d1 * (1 - 2 * s)
      let d3 = d1 * (1 - 2 * s) * (1 - 2 * s) - 2 * d1 * d1
      return [s + x * d1, 2 * d1 + x * d2, 3 * d2 + x * d3]
    },
    // A user-defined op: x³ with its derivatives given (and no third).
    userCubeEntry,
  ]
}

/// The user-defined op's entry: differentiable twice, as its derivatives go.
private let userCubeEntry: OpInfo = {
  var entry = OpInfo.unary(
    "ElementwiseFunction cube", .custom, { userCube($0) }, { $0 * $0 * $0 },
    at: [-4, -1.5, -0.3, 0, 0.7, 2]
  ) { x in [3 * x * x, 6 * x] }
  entry.differentiableTimes = 2
  return entry
}()
