// Helpers shared by the higher-order derivative tests (HigherOrderTests*.swift): recorded
// derivatives of orders 0 to 3, and a closeness check with relative and absolute tolerances.

import Backprop
import Foundation
import Testing

/// f and its first three derivatives at x, each recorded from the one
/// before with `Value.derivative(of:withRespectTo:)`, the first with seed
/// `seed`.
func recordedDerivatives(
  _ f: (Value) -> Value, at x: Double, seed: Double = 1
) -> [Double] {
  Tape.scope {
    let v = Value(x)
    let y = f(v)
    let d1 = Value.gradients(of: y, withRespectTo: [v], gradient: seed)[0]
    let d2 = Value.derivative(of: d1, withRespectTo: v)
    let d3 = Value.derivative(of: d2, withRespectTo: v)
    return [y.data, d1.data, d2.data, d3.data]
  }
}

/// |actual − expected| ≤ relative·max(|actual|, |expected|) + absolute;
/// equal values (two equal infinities) pass.
func expectNear(
  _ actual: Double, _ expected: Double, relative: Double = 1e-12, absolute: Double = 0,
  _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
  let scale = Swift.max(Swift.abs(actual), Swift.abs(expected))
  let ok = same(actual, expected) || Swift.abs(actual - expected) <= relative * scale + absolute
  #expect(ok, "\(comment): \(actual) vs \(expected)", sourceLocation: sourceLocation)
}
