import Backprop
import Foundation
import Testing

// Newton's method: one step on a quadratic, a few on Rosenbrock's function
// (quadratically at the end), seed 002's problem; singular and indefinite
// Hessians, non-finite values and refused steps as typed errors with the
// parameters unchanged; bad hyperparameters.

private func rosenbrock(_ w: [Value]) -> Value {
  let hundred = 100.0
  return (1.0 - w[0]).pow(2) + hundred * (w[1] - w[0].pow(2)).pow(2)
}

/// Expects `body` to throw `expected`, and the parameters and the
/// optimiser's damping and step count to be unchanged.
private func expectRefused(
  _ expected: NewtonError, _ newton: inout Newton, sourceLocation: SourceLocation = #_sourceLocation,
  _ objective: () -> Value
) {
  let before = newton.parameters.map(\.data)
  let damping = newton.damping
  let steps = newton.stepCount
  do {
    try newton.step(objective)
    Issue.record("expected \(expected), the step was taken", sourceLocation: sourceLocation)
  } catch let error as NewtonError {
    #expect(error == expected, sourceLocation: sourceLocation)
  } catch {
    Issue.record("unexpected \(error)", sourceLocation: sourceLocation)
  }
  #expect(newton.parameters.map(\.data) == before, "parameters moved", sourceLocation: sourceLocation)
  #expect(newton.damping == damping && newton.stepCount == steps, sourceLocation: sourceLocation)
}

private let strategies: [Newton.Strategy] = [
  .pure, .backtracking(try! BacktrackingLineSearch()), .levenbergMarquardt(damping: 0),
]

@Suite("Newton's method")
struct NewtonTests {
  @Test("one step minimises a quadratic ½wᵀAw + bᵀw exactly: w* = −A⁻¹b", arguments: strategies)
  func quadraticInOneStep(_ strategy: Newton.Strategy) throws {
    try Tape().withCurrent {
      let a: [[Double]] = [[4, 1, 0], [1, 3, -1], [0, -1, 2]]
      let b: [Double] = [1, -2, 0.5]
      let w = [Value(3.0), Value(-1.0), Value(2.0)]
      var newton = try Newton(parameters: w, strategy: strategy)
      let step = try newton.step {
        let half = 0.5
        return half * Value.dot(w, a.map { Value.dot(w, $0) }) + Value.dot(w, b)
      }
      let expected = try solveLinearSystem(a, b.map { -$0 })
      for (p, e) in zip(w, expected) { #expect(Swift.abs(p.data - e) <= 1e-14) }
      #expect(step.stepSize == 1 && step.evaluations == 1)
      #expect(step.newValue < step.value)
      #expect(newton.stepCount == 1)
      // The gradient there is zero to rounding.
      let g = gradient(
        of: { v in 0.5 * Value.dot(v, a.map { Value.dot(v, $0) }) + Value.dot(v, b) },
        at: w.map(\.data))
      #expect(g.allSatisfy { Swift.abs($0) <= 1e-14 })
    }
  }

  @Test("Rosenbrock from (−1.2, 1): a few steps to (1, 1), the last ones quadratic")
  func rosenbrockFromTheClassicStart() throws {
    try Tape().withCurrent {
      let rule = try GradientNormStoppingRule(tolerance: 1e-10)
      var counts: [Int] = []
      for strategy in strategies {
        let w = [Value(-1.2), Value(1.0)]
        var newton = try Newton(parameters: w, strategy: strategy)
        let run = try newton.minimize(until: rule) { rosenbrock(w) }
        #expect(run.converged)
        #expect(Swift.abs(w[0].data - 1) <= 1e-12 && Swift.abs(w[1].data - 1) <= 1e-12)
        #expect(run.gradientNorm <= 1e-10)
        counts.append(run.steps.count)
        if strategy != .pure {
          // Backtracking and Levenberg–Marquardt only accept decreases.
          #expect(run.steps.allSatisfy { $0.newValue < $0.value })
        }
        // Near (1, 1): ‖g‖ is roughly squared at each step.
        let norms = run.steps.map(\.gradientNorm) + [run.gradientNorm]
        let last = norms.suffix(3)
        let (a, b, c) = (last[last.startIndex], last[last.startIndex + 1], last[last.startIndex + 2])
        #expect(b < a && c < b)
        #expect(c <= 100 * b * b, "not quadratic: \(norms)")
      }
      // Pure Newton takes 7 steps, the damped ones more (each accepted step
      // must lower f), all far fewer than gradient descent's thousands.
      #expect(counts[0] == 7)
      #expect(counts.allSatisfy { $0 <= 30 }, "\(counts)")
    }
  }

  @Test("Levenberg–Marquardt adapts λ: raised until a step is accepted, divided after")
  func dampingAdapts() throws {
    try Tape().withCurrent {
      let w = [Value(-1.2), Value(1.0)]
      var newton = try Newton(parameters: w, strategy: .levenbergMarquardt(damping: 1, factor: 4))
      #expect(newton.damping == 1)
      let step = try newton.step { rosenbrock(w) }
      #expect(newton.damping == step.damping / 4)
      #expect(step.newValue < step.value)
      // A saddle: λ must exceed 1 for H + λI = [[λ, 1], [1, λ]] to be
      // positive definite, and the step then goes downhill.
      let v = [Value(1.0), Value(0.5)]
      var saddle = try Newton(parameters: v, strategy: .levenbergMarquardt(damping: 0))
      let s = try saddle.step { v[0] * v[1] }
      #expect(s.damping > 1)
      #expect(s.newValue < s.value)
    }
  }

  // MARK: Refusals

  @Test("an indefinite Hessian (a saddle, a maximum) is refused by pure and backtracking Newton")
  func indefinite() throws {
    try Tape().withCurrent {
      for strategy in strategies.prefix(2) {
        let w = [Value(1.0), Value(0.5)]
        var newton = try Newton(parameters: w, strategy: strategy)
        expectRefused(.indefiniteHessian, &newton) { w[0] * w[1] }  // H = [[0, 1], [1, 0]]
        expectRefused(.indefiniteHessian, &newton) { -(w[0] * w[0] + w[1] * w[1]) }
        expectRefused(.indefiniteHessian, &newton) { w[0].pow(2) - w[1].pow(2) }
      }
    }
  }

  @Test("a singular Hessian is refused by pure and backtracking Newton, handled by damping")
  func singular() throws {
    try Tape().withCurrent {
      for strategy in strategies.prefix(2) {
        let w = [Value(1.0), Value(0.5)]
        var newton = try Newton(parameters: w, strategy: strategy)
        expectRefused(.singularHessian, &newton) { (w[0] + w[1]).pow(2) }  // [[2, 2], [2, 2]]
        expectRefused(.singularHessian, &newton) { w[0].pow(2) + w[1] }  // [[2, 0], [0, 0]]
      }
      let w = [Value(1.0), Value(0.5)]
      var damped = try Newton(parameters: w, strategy: .levenbergMarquardt())
      let step = try damped.step { (w[0] + w[1]).pow(2) }
      #expect(step.newValue < step.value)
      #expect(w.allSatisfy { $0.data.isFinite })
    }
  }

  @Test("NaN or ±inf in f, g or H at the current point: refused, naming the entry", arguments: strategies)
  func nonFinite(_ strategy: Newton.Strategy) throws {
    try Tape().withCurrent {
      let w = [Value(0.0), Value(0.0)]
      var newton = try Newton(parameters: w, strategy: strategy)
      expectRefused(.nonFiniteObjective(value: .infinity), &newton) { -w[0].log() + w[1] }
      // √x at 0: the gradient is +inf.
      expectRefused(.nonFiniteGradient(index: 0, value: .infinity), &newton) { w[0].sqrt() + w[1] }
      // x^1.5 at 0: the gradient is finite, the second derivative +inf.
      expectRefused(.nonFiniteHessian(row: 0, column: 0, value: .infinity), &newton) {
        w[0].pow(1.5) + w[1]
      }
      do {
        _ = try newton.step { (w[0] - 1).log() + (w[0] + 1).log() }
        Issue.record("NaN accepted")
      } catch NewtonError.nonFiniteObjective(let value) {
        #expect(value.isNaN)
      }
      #expect(w.map(\.data) == [0, 0])
    }
  }

  @Test("a Newton step into f's NaN region: pure refuses it, backtracking shortens it")
  func stepOutOfTheDomain() throws {
    try Tape().withCurrent {
      // f(x) = x − log x, minimised at 1: from x = 3 the Newton step
      // x + d = 2x − x² = −3 lands where log is NaN.
      let x = [Value(3.0)]
      let f = { x[0] - x[0].log() }
      var pure = try Newton(parameters: x, strategy: .pure)
      expectRefused(.noAcceptableStep(evaluations: 1), &pure, f)
      var backtracking = try Newton(
        parameters: x, strategy: .backtracking(try BacktrackingLineSearch()))
      let step = try backtracking.step(f)
      #expect(step.stepSize == 0.25 && step.evaluations == 3)
      #expect(Swift.abs(x[0].data - 1.5) <= 1e-15)
    }
  }

  /// An objective that is (x − 1)² on its first call and NaN after: every
  /// trial point is unacceptable.
  final class PoisonedAfterFirstCall {
    var calls = 0
    func callAsFunction(_ x: Value) -> Value {
      calls += 1
      let nan = Double.nan
      return calls == 1 ? (x - 1).pow(2) : x * nan
    }
  }

  @Test("no acceptable trial point: every strategy refuses, after its trials")
  func noAcceptableStep() throws {
    try Tape().withCurrent {
      let x = [Value(2.0)]
      let expected: [(Newton.Strategy, Int)] = [
        (.pure, 1), (.backtracking(try BacktrackingLineSearch(maxIterations: 5)), 5),
        (.levenbergMarquardt(), 60),
      ]
      for (strategy, evaluations) in expected {
        var newton = try Newton(parameters: x, strategy: strategy)
        let f = PoisonedAfterFirstCall()
        expectRefused(.noAcceptableStep(evaluations: evaluations), &newton) { f(x[0]) }
        #expect(f.calls == 1 + evaluations)
      }
      #expect(x[0].data == 2)
    }
  }

  @Test("a decrease below the resolution of f is refused: f₀ + c·t·gᵀd rounds to f₀")
  func decreaseBelowTheResolution() throws {
    try Tape().withCurrent {
      let x = [Value(2.0)]
      let huge = 1e30
      let f = { (x[0] - 1).pow(2) + huge }  // 1 + 1e30 rounds to 1e30
      var damped = try Newton(parameters: x, strategy: .levenbergMarquardt())
      expectRefused(.noAcceptableStep(evaluations: 60), &damped, f)
      var backtracking = try Newton(
        parameters: x, strategy: .backtracking(try BacktrackingLineSearch(maxIterations: 8)))
      expectRefused(.noAcceptableStep(evaluations: 8), &backtracking, f)
      // Pure Newton takes the full step, which f cannot tell from staying.
      var pure = try Newton(parameters: x)
      let step = try pure.step(f)
      #expect(step.newValue == step.value && x[0].data == 1)
    }
  }

  @Test("at a stationary point the step is zero, whatever the Hessian")
  func stationaryPoint() throws {
    try Tape().withCurrent {
      for strategy in strategies {
        let w = [Value(0.0), Value(0.0)]
        var newton = try Newton(parameters: w, strategy: strategy)
        let step = try newton.step { w[0] * w[1] }  // a saddle, g = 0
        #expect(step.direction == [0, 0] && step.stepSize == 0 && step.evaluations == 0)
        #expect(w.map(\.data) == [0, 0] && newton.stepCount == 1)
        let run = try newton.minimize(until: try GradientNormStoppingRule(tolerance: 0)) {
          w[0] * w[1]
        }
        #expect(run.converged && run.steps.isEmpty && run.value == 0)
      }
    }
  }

  @Test("minimize stops at maxSteps without converging, reporting the last point")
  func maxSteps() throws {
    try Tape().withCurrent {
      let w = [Value(-1.2), Value(1.0)]
      var newton = try Newton(parameters: w)
      let run = try newton.minimize(until: try GradientNormStoppingRule(tolerance: 1e-10), maxSteps: 2) {
        rosenbrock(w)
      }
      #expect(!run.converged && run.steps.count == 2 && newton.stepCount == 2)
      let here = w.map(\.data)
      expectClose(run.value, Tape.scope { rosenbrock(w).data })
      expectClose(run.gradientNorm, gradientNormAt(here))
      let none = try newton.minimize(until: try GradientNormStoppingRule(tolerance: 1e-10), maxSteps: 0) {
        rosenbrock(w)
      }
      #expect(none.steps.isEmpty && !none.converged && w.map(\.data) == here)
    }
  }

  private func gradientNormAt(_ x: [Double]) -> Double {
    let g = gradient(of: rosenbrock, at: x)
    return (g[0] * g[0] + g[1] * g[1]).squareRoot()
  }

  // MARK: Seed 002

  @Test("seed 002's E from (1, 1): pure Newton refuses (H indefinite), damped Newton reaches ‖∇E‖ ≤ 10⁻³")
  func seed002() throws {
    try Tape().withCurrent {
      let d = Dataset.seed002
      let w = [Value(1.0), Value(1.0)]
      let e = {
        Value.sum(zip(d.features, d.labels).map { x, y in (y - Value.dot(w, x).sigmoid()).pow(2) })
      }
      var pure = try Newton(parameters: w)
      expectRefused(.indefiniteHessian, &pure, e)
      var damped = try Newton(parameters: w, strategy: .levenbergMarquardt())
      let run = try damped.minimize(until: try GradientNormStoppingRule(tolerance: 1e-3), e)
      #expect(run.converged)
      #expect(run.steps.count < 20, "\(run.steps.count) steps")  // gradient descent, α = 0.5: 444
      #expect(run.steps.allSatisfy { $0.newValue < $0.value })
      // Every point of D classified, as gradient descent does.
      for (x, y) in zip(d.features, d.labels) {
        let z = w[0].data * x[0] + w[1].data * x[1]
        #expect((z >= 0) == (y == 1))
      }
    }
  }

  @Test("seed 002's E + (μ/2)‖w‖²: its minimiser in a few steps, with ∇E = 0 to 1e-12")
  func seed002Regularised() throws {
    try Tape().withCurrent {
      let d = Dataset.seed002
      let mu = 0.01
      let w = [Value(0.0), Value(0.0)]
      let e = {
        Value.sum(zip(d.features, d.labels).map { x, y in (y - Value.dot(w, x).sigmoid()).pow(2) })
          + (mu / 2) * Value.dot(w, w)
      }
      var newton = try Newton(parameters: w)
      let run = try newton.minimize(until: try GradientNormStoppingRule(tolerance: 1e-12), e)
      #expect(run.converged && run.steps.count <= 10)
      // The minimiser: positive definite Hessian there.
      let h = Tape.scope { Value.hessian(of: e(), withRespectTo: w) }
      #expect((try? CholeskyFactorization(h)) != nil)
    }
  }

  // MARK: Bad input

  @Test("bad hyperparameters throw typed errors")
  func badHyperparameters() throws {
    try Tape().withCurrent {
      let w = [Value(1.0)]
      #expect(throws: TrainingError.empty(what: "parameter list")) { try Newton(parameters: []) }
      #expect(
        throws: TrainingError.invalidHyperparameter(
          name: "damping", value: -1, requirement: "must be finite and ≥ 0")
      ) { try Newton(parameters: w, strategy: .levenbergMarquardt(damping: -1)) }
      #expect(
        throws: TrainingError.invalidHyperparameter(
          name: "factor", value: 1, requirement: "must be finite and > 1")
      ) { try Newton(parameters: w, strategy: .levenbergMarquardt(factor: 1)) }
      #expect(throws: TrainingError.self) {
        try Newton(parameters: w, strategy: .levenbergMarquardt(damping: .nan))
      }
      var newton = try Newton(parameters: w)
      #expect(
        throws: TrainingError.invalidHyperparameter(
          name: "maxSteps", value: -1, requirement: "must be ≥ 0")
      ) { try newton.minimize(until: try GradientNormStoppingRule(tolerance: 1), maxSteps: -1) { w[0] } }
      #expect(w[0].data == 1)
      #expect(Newton.Strategy.levenbergMarquardt().description == "Levenberg–Marquardt from λ = 0.001, factor 10.0")
      #expect(
        NewtonError.singularHessian.description.hasPrefix("the Hessian is singular to working precision"))
    }
  }

  @Test("a parameter that is not a leaf stops the program")
  func notALeaf() async {
    await #expect(processExitsWith: .failure) {
      let x = Value(1.0)
      _ = try? Newton(parameters: [x * 2])
    }
  }

  @Test("an objective on another tape stops the program")
  func objectiveOnAnotherTape() async {
    await #expect(processExitsWith: .failure) {
      let w = [Value(1.0)]
      var newton = try? Newton(parameters: w)
      let other = Tape()
      let y = other.withCurrent { Value(2.0) * 3 }
      _ = try? newton?.step { y }
    }
  }
}
