// Tests of gradient checking: `checkGradient` passes on correct functions and
// fails, naming the worst input, on functions whose engine gradient is wrong
// (built by cutting the graph with `.data`); the directional check on 10⁴
// inputs; the tolerance policy, non-finite values included; the reports.
//
// Every test runs on a fresh tape made current with `withCurrent`.

import Backprop
import Foundation
import Testing

@Suite("Gradient checking")
struct GradientCheckTests {
  struct SmoothCase: Sendable, CustomTestStringConvertible {
    let name: String
    let x: [Double]
    let f: @Sendable ([Value]) -> Value
    var testDescription: String { name }
  }

  static let smoothCases: [SmoothCase] = [
    SmoothCase(name: "tanh(x₀x₁ + x₀²)", x: [2.0, -3.0]) { x in
      (x[0] * x[1] + x[0].pow(2)).tanh()
    },
    SmoothCase(name: "σ(dot)·x₀, upstream 3", x: [0.3, -0.7, 1.1, 0.2]) { x in
      Value.dot([x[0], x[1]], [x[2], x[3]]).sigmoid() * x[0] * 3
    },
    SmoothCase(name: "reuse: x³ + x/(x + 2)", x: [0.8]) { x in
      x[0] * x[0] * x[0] + x[0] / (x[0] + 2)
    },
    SmoothCase(name: "exp, log, sqrt", x: [1.3, 0.4]) { x in
      x[0].exp() + x[1].log() * x[0].sqrt()
    },
    SmoothCase(name: "x^y with a Value exponent", x: [1.5, 0.7]) { x in x[0].pow(x[1]) },
    SmoothCase(name: "Σ tanh(xᵢ)·xᵢ over 12 inputs", x: (0..<12).map { Double($0) / 4 - 1.3 }) {
      x in Value.sum(x.map { $0.tanh() * $0 })
    },
    SmoothCase(name: "large inputs", x: [250.0, -1_000.0]) { x in
      (x[0] * 1e-3).tanh() * x[1] / 100
    },
  ]

  @Test(arguments: smoothCases)
  func passesOnCorrectFunctions(_ c: SmoothCase) {
    let tape = Tape()
    tape.withCurrent {
      let report = checkGradient(of: c.f, at: c.x)
      #expect(report.passed, "\(report)")
      #expect(report.analytic.count == c.x.count)
      #expect(report.numeric.count == c.x.count)
      #expect(report.worstInput != nil)
      #expect(report.worstAbsoluteError <= 1e-6)
      #expect(report.worstRelativeError <= 1e-6)
      #expect(report.description.hasPrefix("gradient check passed: worst at input "))
      let direct = tape.scope { c.f(c.x.map { Value($0) }).data }
      #expect(report.value == direct)
      // Everything was recorded in scopes.
      #expect(tape.count == 0)
    }
  }

  /// `x₂ · Value(x₂.data)` is x₂² but the engine sees the second factor as a
  /// constant, so its gradient is x₂ instead of 2x₂.
  @Test func failsOnAGradientCutByData() {
    let report = Tape().withCurrent {
      checkGradient(of: { x in x[0] * x[1] + x[2] * Value(x[2].data) }, at: [0.5, -1.5, 2.0])
    }
    #expect(!report.passed)
    #expect(report.worstInput == 2)
    #expect(report.value == 0.5 * -1.5 + 4)
    #expect(report.analytic == [-1.5, 0.5, 2.0])
    #expect(Swift.abs(report.numeric[2] - 4) < 1e-6)
    #expect(Swift.abs(report.numeric[0] + 1.5) < 1e-6)
    #expect(Swift.abs(report.worstAbsoluteError - 2) < 1e-6)
    #expect(Swift.abs(report.worstRelativeError - 0.5) < 1e-6)
    #expect(report.description.hasPrefix("gradient check FAILED: worst at input 2: analytic 2.0"))
    #expect(report.description.contains("worst absolute error"))
  }

  /// The worst input is the one whose error is largest compared with what
  /// the tolerance allows (as `worstInput` is documented), not the first
  /// that fails: input 1 is off by 0.001, input 3 by 3.
  @Test func namesTheWorstOfSeveralWrongInputs() {
    let report = Tape().withCurrent {
      checkGradient(
        of: { x in
          x[0].tanh() + x[1] * Value(x[1].data) * 0.001 + x[2] + x[3] * Value(x[3].data)
        }, at: [0.1, 1.0, 0.5, 3.0])
    }
    #expect(!report.passed)
    #expect(report.worstInput == 3, "\(report)")
    #expect(Swift.abs(report.worstAbsoluteError - 3) < 1e-6)
    #expect(report.description.hasPrefix("gradient check FAILED: worst at input 3"))
  }

  /// A derivative 0.001 % wrong fails the default policy, and passes a looser
  /// one; one 0.00001 % wrong is within the default policy.
  @Test(arguments: [(1e-5, false), (1e-7, true)])
  func detectsSmallRelativeErrors(defect: Double, passesByDefault: Bool) {
    Tape().withCurrent {
      // f(x) = eˣ, but the engine sees (1 − δ)eˣ plus a constant.
      let f = { (x: [Value]) -> Value in
        let e = x[0].exp()
        return e * (1 - defect) + Value(e.data * defect)
      }
      let report = checkGradient(of: f, at: [1.0])
      #expect(report.passed == passesByDefault, "\(report)")
      #expect(Swift.abs(report.worstRelativeError - defect) < 1e-8)
      let loose = GradientCheckTolerance(absolute: 1e-6, relative: 1e-4)
      #expect(checkGradient(of: f, at: [1.0], tolerance: loose).passed)
    }
  }

  @Test func singleVariableOverload() {
    Tape().withCurrent {
      let good = checkGradient(of: { $0.sigmoid() }, at: 0.5)
      #expect(good.passed)
      #expect(good.worstInput == 0)
      #expect(good.analytic.count == 1)
      let s = 1 / (1 + Foundation.exp(-0.5))
      #expect(Swift.abs(good.analytic[0] - s * (1 - s)) < 1e-15)
      #expect(Swift.abs(good.value - s) < 1e-15)

      let broken = checkGradient(of: { $0 * Value($0.data) }, at: 3)
      #expect(!broken.passed)
      #expect(broken.worstInput == 0)
      #expect(broken.analytic == [3])
      #expect(Swift.abs(broken.numeric[0] - 6) < 1e-6)
      #expect(broken.description.hasPrefix("gradient check FAILED: worst at input 0"))
    }
  }

  @Test func aNaNDerivativeFails() {
    Tape().withCurrent {
      // log(−1) is NaN, so the central difference is NaN.
      let report = checkGradient(of: { $0.log() }, at: -1)
      #expect(!report.passed)
      #expect(report.numeric[0].isNaN)
      #expect(report.worstInput == 0)
    }
  }

  @Test func noInputs() {
    Tape().withCurrent {
      let report = checkGradient(of: { _ in Value(2.0) }, at: [])
      #expect(report.passed)
      #expect(report.worstInput == nil)
      #expect(report.value == 2)
      #expect(report.analytic.isEmpty && report.numeric.isEmpty)
      #expect(report.description == "gradient check passed: no inputs")
    }
  }

  @Test func functionsMayUseValuesRecordedBefore() {
    let tape = Tape()
    tape.withCurrent {
      let w = Value(1.5)
      let report = checkGradient(of: { x in (x[0] * w).tanh() }, at: [0.4])
      #expect(report.passed)
      #expect(tape.count == 1)
      #expect(w.isValid)
    }
  }

  // MARK: - Directional derivatives

  /// A function of 10⁴ inputs coupling neighbours.
  static func coupled(_ v: [Value]) -> Value {
    Value.sum(v.map { $0.tanh() }) + Value.dot(Array(v.dropFirst()), Array(v.dropLast())) * 0.1
  }

  /// Σ xᵢ·Value(xᵢ.data): Σ xᵢ², whose engine gradient is x, not 2x.
  static func cut(_ v: [Value]) -> Value {
    Value.sum(v.map { $0 * Value($0.data) })
  }

  static func point(seed: UInt64) -> ([Double], [Double]) {
    var rng = SeededGenerator(seed: seed)
    let x = (0..<10_000).map { _ in rng.nextUniform(in: -1, 1) }
    return (x, randomUnitVector(count: x.count, using: &rng))
  }

  @Test func directionalCheckPassesOnTenThousandInputs() {
    let (x, u) = Self.point(seed: 7)
    let tape = Tape()
    tape.withCurrent {
      let report = checkDirectionalDerivative(of: Self.coupled, at: x, direction: u)
      #expect(report.passed, "\(report)")
      #expect(report.relativeError < 1e-6)
      #expect(report.description.hasPrefix("directional check passed: analytic "))
      #expect(tape.count == 0)
      // The analytic side is ∇f · u with ∇f from one backward pass.
      let gradient = tape.scope { () -> [Double] in
        let v = x.map { Value($0) }
        Self.coupled(v).backward()
        return v.map(\.grad)
      }
      var dot = 0.0
      for i in x.indices { dot += gradient[i] * u[i] }
      #expect(Swift.abs(report.analytic - dot) <= 1e-12 * Swift.max(1, Swift.abs(dot)))
    }
  }

  @Test func directionalCheckFailsOnACutGraph() {
    let (x, u) = Self.point(seed: 8)
    Tape().withCurrent {
      let report = checkDirectionalDerivative(of: Self.cut, at: x, direction: u)
      #expect(!report.passed)
      // The numeric side is 2x·u, the analytic side x·u.
      // (f ≈ 3,333 is a sum of 10⁴ terms: its rounding limits the difference.)
      #expect(Swift.abs(report.numeric - 2 * report.analytic) <= 1e-4 * Swift.abs(report.numeric))
      #expect(Swift.abs(report.relativeError - 0.5) < 1e-4)
      #expect(report.description.hasPrefix("directional check FAILED"))
    }
  }

  @Test func directionIsNormalised() {
    Tape().withCurrent {
      let report = checkDirectionalDerivative(
        of: { x in x[0] * x[1] }, at: [2.0, 3.0], direction: [3, 4])
      #expect(report.direction == [0.6, 0.8])
      #expect(Swift.abs(report.analytic - (3 * 0.6 + 2 * 0.8)) < 1e-15)
      #expect(report.passed)
      #expect(report.value == 6)
    }
  }

  @Test func randomUnitVectorIsUnitAndSeeded() {
    var a = SeededGenerator(seed: 42)
    var b = SeededGenerator(seed: 42)
    let u = randomUnitVector(count: 1_000, using: &a)
    let v = randomUnitVector(count: 1_000, using: &b)
    #expect(u == v)
    #expect(u.count == 1_000)
    let norm = u.reduce(0) { $0 + $1 * $1 }.squareRoot()
    #expect(Swift.abs(norm - 1) < 1e-12)
    let w = randomUnitVector(count: 1_000, using: &a)
    #expect(w != u)
    let one = randomUnitVector(count: 1, using: &a)
    #expect(one == [1] || one == [-1])
  }

  // MARK: - Tolerance

  @Test func defaultTolerance() {
    let t = GradientCheckTolerance.default
    #expect(t == GradientCheckTolerance(absolute: 1e-8, relative: 1e-6, step: 1e-6))
    #expect(t == GradientCheckTolerance())
    // absolute · max(1, |f|) + relative · |numeric|
    #expect(t.allowance(numeric: 0, value: 0.001) == 1e-8)
    #expect(t.allowance(numeric: 100, value: -1_000) == 1e-8 * 1_000 + 1e-6 * 100)
    #expect(t.accepts(analytic: 100 + 1e-4, numeric: 100, value: 1_000))
    #expect(!t.accepts(analytic: 100 + 1.2e-4, numeric: 100, value: 1_000))
    #expect(t.accepts(analytic: -100 - 1e-4, numeric: -100, value: 1_000))
    #expect(!t.accepts(analytic: 1e-7, numeric: 0, value: 0))
  }

  @Test func nonFiniteDerivativesAgreeOnlyWhenEqual() {
    let t = GradientCheckTolerance.default
    #expect(t.accepts(analytic: .infinity, numeric: .infinity, value: 1))
    #expect(t.accepts(analytic: -.infinity, numeric: -.infinity, value: 1))
    #expect(!t.accepts(analytic: .infinity, numeric: -.infinity, value: 1))
    #expect(!t.accepts(analytic: .infinity, numeric: 1e300, value: 1))
    #expect(!t.accepts(analytic: 1e300, numeric: .infinity, value: 1))
    #expect(!t.accepts(analytic: .nan, numeric: .nan, value: 1))
    #expect(!t.accepts(analytic: .nan, numeric: 1, value: 1))
    #expect(!t.accepts(analytic: 1, numeric: .nan, value: 1))
    // A loose tolerance does not make them agree either.
    let loose = GradientCheckTolerance(absolute: 1e10, relative: 1e10)
    #expect(!loose.accepts(analytic: .infinity, numeric: 1, value: 1))
    #expect(!loose.accepts(analytic: .nan, numeric: 1, value: 1))
  }

  // MARK: - Preconditions

  @Test func directionOfTheWrongLengthTraps() async {
    await #expect(processExitsWith: .failure) {
      _ = checkDirectionalDerivative(of: { x in x[0] * x[1] }, at: [1, 2], direction: [1])
    }
  }

  @Test func zeroDirectionTraps() async {
    await #expect(processExitsWith: .failure) {
      _ = checkDirectionalDerivative(of: { x in x[0] * x[1] }, at: [1, 2], direction: [0, 0])
    }
  }

  @Test func emptyRandomUnitVectorTraps() async {
    await #expect(processExitsWith: .failure) {
      var rng = SeededGenerator(seed: 1)
      _ = randomUnitVector(count: 0, using: &rng)
    }
  }
}
