import Backprop
import Testing

@Suite("Backtracking line search")
struct LineSearchTests {
  /// f(x, y) = (x − 3)² + (y + 1)², minimised at (3, −1).
  static func bowl(_ p: [Value]) -> Value {
    (p[0] - 3).pow(2) + (p[1] + 1).pow(2)
  }

  @Test("by hand: t = 1 is rejected, t = 1/2 lands on the minimum")
  func handComputedStep() throws {
    try Tape().withCurrent {
      // At (−1, 2): g = (−8, 6), ‖g‖² = 100, f = 25. At t = 1 the trial point
      // (7, −4) has f = 25 > 25 − 1e-4·1·100; at t = 1/2 it is (3, −1), f = 0.
      let w = [Value(-1.0), Value(2.0)]
      computeGradients(w, Self.bowl)
      let search = try BacktrackingLineSearch()
      let result = search.step(parameters: w) { evaluate(w, Self.bowl) }
      #expect(
        result
          == LineSearchResult(stepSize: 0.5, oldLoss: 25, newLoss: 0, iterations: 2, accepted: true)
      )
      #expect(w.map(\.data) == [3, -1])
      #expect(w.map(\.grad) == [-8, 6])  // gradients are read, not changed
    }
  }

  /// (w − 1)² + 10³⁰ from w = 2: the decrease is below the resolution of
  /// the loss, so no step can show it; the search must not move w.
  @Test func aDecreaseBelowTheLossResolutionIsNotAccepted() throws {
    try Tape().withCurrent {
      let w = [Value(2.0)]
      func f(_ p: [Value]) -> Value { (p[0] - 1).pow(2) + 1e30 }
      computeGradients(w, f)
      let result = try BacktrackingLineSearch().step(parameters: w) { evaluate(w, f) }
      #expect(!result.accepted)
      #expect(result.newLoss == result.oldLoss)
      #expect(w[0].data == 2)
    }
  }

  @Test("every step satisfies Armijo's condition and lowers the loss")
  func armijoAndDescent() throws {
    try Tape().withCurrent {
      let w = TestProblem.rosenbrock.start(seed: 11).map { Value($0) }
      let search = try BacktrackingLineSearch(initialStep: 1, shrink: 0.5, sufficientDecrease: 0.3)
      var previous = evaluate(w, Rosenbrock.loss)
      for _ in 0..<200 {
        let loss = computeGradients(w, Rosenbrock.loss)
        #expect(loss == previous)
        let start = w.map(\.data)
        let g = w.map(\.grad)
        let squaredNorm = g.reduce(0) { $0 + $1 * $1 }
        let result = search.step(parameters: w) { evaluate(w, Rosenbrock.loss) }
        #expect(result.accepted)
        #expect(result.oldLoss == loss)
        #expect(result.newLoss <= loss - 0.3 * result.stepSize * squaredNorm)
        #expect(result.newLoss < loss)
        // The parameters sit at the accepted point x − t·g, where the loss is newLoss.
        #expect(w.map(\.data) == zip(start, g).map { $0 - result.stepSize * $1 })
        #expect(evaluate(w, Rosenbrock.loss) == result.newLoss)
        // t = t₀·βⁱ⁻¹ after i trials.
        var t = 1.0
        for _ in 1..<result.iterations { t *= 0.5 }
        #expect(result.stepSize == t)
        previous = result.newLoss
      }
    }
  }

  @Test("gradient descent with the line search and the norm rule reaches the minimum")
  func gradientDescentConverges() throws {
    try Tape().withCurrent {
      let w = TestProblem.rosenbrock.start(seed: 5).map { Value($0) }
      let search = try BacktrackingLineSearch()
      let rule = try GradientNormStoppingRule(tolerance: 1e-8)
      var iterations = 0
      while iterations < 20_000 {
        computeGradients(w, Rosenbrock.loss)
        if rule.shouldStop(w) { break }
        let result = search.step(parameters: w) { evaluate(w, Rosenbrock.loss) }
        #expect(result.accepted)
        iterations += 1
      }
      #expect(iterations < 20_000)
      #expect(gradientNorm(w) <= 1e-8)
      expectNear(w[0].data, 1, 1e-7)
      expectNear(w[1].data, 1, 1e-7)
    }
  }

  @Test("seed 002's sigmoid regression: E decreases at every step until ‖∇E‖ ≤ ε")
  func seedExample() throws {
    try Tape().withCurrent {
      // D = {((−3, −3), 1), ((−2, −2), 1), ((4, 4), 0), ((2, −5), 0)},
      // ŷ = σ(w₁₁x₁ + w₁₂x₂), E = Σ (y − ŷ)².
      let data: [([Double], Double)] = [
        ([-3, -3], 1), ([-2, -2], 1), ([4, 4], 0), ([2, -5], 0),
      ]
      func squaredError(_ w: [Value]) -> Value {
        Value.sum(data.map { x, y in (y - Value.dot(w, x).sigmoid()).pow(2) })
      }
      let w = seededStart(seed: 2, count: 2, in: -1, 1).map { Value($0) }
      let search = try BacktrackingLineSearch()
      let rule = try GradientNormStoppingRule(tolerance: 1e-3)
      var losses = [evaluate(w, squaredError)]
      for _ in 0..<10_000 {
        computeGradients(w, squaredError)
        if rule.shouldStop(w) { break }
        let result = search.step(parameters: w) { evaluate(w, squaredError) }
        #expect(result.accepted)
        losses.append(result.newLoss)
      }
      #expect(rule.shouldStop(w))
      #expect(zip(losses, losses.dropFirst()).allSatisfy { $0 > $1 })
      #expect(losses.last.map { $0 < 0.01 } == true)
      // The separating weights: w·x > 0 for the class-1 points, < 0 for the others.
      for (x, y) in data {
        let z = w[0].data * x[0] + w[1].data * x[1]
        #expect(y == 1 ? z > 0 : z < 0)
      }
    }
  }

  @Test("when no trial passes, the parameters are put back")
  func restoresWhenRejected() throws {
    try Tape().withCurrent {
      let w = [Value(-1.0), Value(2.0)]
      computeGradients(w, Self.bowl)
      let search = try BacktrackingLineSearch(maxIterations: 1)
      let result = search.step(parameters: w) { evaluate(w, Self.bowl) }
      #expect(
        result
          == LineSearchResult(stepSize: 0, oldLoss: 25, newLoss: 25, iterations: 1, accepted: false)
      )
      #expect(w.map(\.data) == [-1, 2])
    }
  }

  @Test("at a stationary point nothing moves and the loss is evaluated once")
  func zeroGradient() throws {
    try Tape().withCurrent {
      let w = [Value(3.0), Value(-1.0)]
      computeGradients(w, Self.bowl)
      var evaluations = 0
      let result = try BacktrackingLineSearch().step(parameters: w) {
        evaluations += 1
        return evaluate(w, Self.bowl)
      }
      #expect(!result.accepted && result.iterations == 0 && result.stepSize == 0)
      #expect(evaluations == 1)
      #expect(w.map(\.data) == [3, -1])
    }
  }

  @Test("a trial point where the loss is NaN is rejected")
  func nonFiniteTrialIsRejected() throws {
    try Tape().withCurrent {
      // f(x) = (x − 2.9)² − log(3 − x) at x = 0: the full step lands at
      // x ≈ 5.5, where log(3 − x) is NaN; half of it is accepted.
      func f(_ p: [Value]) -> Value { (p[0] - 2.9).pow(2) - (3 - p[0]).log() }
      let w = [Value(0.0)]
      computeGradients(w, f)
      let result = try BacktrackingLineSearch().step(parameters: w) { evaluate(w, f) }
      #expect(result.accepted && result.iterations == 2 && result.stepSize == 0.5)
      #expect(result.newLoss < result.oldLoss && result.newLoss.isFinite)
    }
  }

  struct LossFailed: Error {}

  @Test("a loss that throws leaves the parameters where they were")
  func throwingLoss() throws {
    try Tape().withCurrent {
      let w = [Value(-1.0), Value(2.0)]
      computeGradients(w, Self.bowl)
      let search = try BacktrackingLineSearch()
      var calls = 0
      #expect(throws: LossFailed.self) {
        _ = try search.step(parameters: w) {
          calls += 1
          if calls == 2 { throw LossFailed() }
          return evaluate(w, Self.bowl)
        }
      }
      #expect(w.map(\.data) == [-1, 2])
    }
  }

  @Test("given the current loss, it evaluates only the trial points")
  func givenCurrentLoss() throws {
    try Tape().withCurrent {
      let w = [Value(-1.0), Value(2.0)]
      let f0 = computeGradients(w, Self.bowl)
      var evaluations = 0
      let result = try BacktrackingLineSearch().step(parameters: w, currentLoss: f0) {
        evaluations += 1
        return evaluate(w, Self.bowl)
      }
      #expect(result.accepted && result.iterations == 2 && evaluations == 2)
      #expect(w.map(\.data) == [3, -1])
    }
  }

  @Test("defaults")
  func defaults() throws {
    let search = try BacktrackingLineSearch()
    #expect(search.initialStep == 1 && search.shrink == 0.5)
    #expect(search.sufficientDecrease == 1e-4 && search.maxIterations == 50)
  }

  struct BadConfiguration: Sendable, CustomTestStringConvertible {
    var initialStep = 1.0
    var shrink = 0.5
    var c = 1e-4
    var maxIterations = 50
    let name: String
    var testDescription: String {
      "t₀ \(initialStep), β \(shrink), c \(c), \(maxIterations) trials"
    }
  }

  @Test(
    "a bad setting throws, naming it",
    arguments: [
      BadConfiguration(initialStep: 0, name: "initialStep"),
      BadConfiguration(initialStep: -1, name: "initialStep"),
      BadConfiguration(initialStep: .nan, name: "initialStep"),
      BadConfiguration(initialStep: .infinity, name: "initialStep"),
      BadConfiguration(shrink: 0, name: "shrink"),
      BadConfiguration(shrink: 1, name: "shrink"),
      BadConfiguration(shrink: -0.5, name: "shrink"),
      BadConfiguration(shrink: .nan, name: "shrink"),
      BadConfiguration(c: 0, name: "sufficientDecrease"),
      BadConfiguration(c: 1, name: "sufficientDecrease"),
      BadConfiguration(c: .nan, name: "sufficientDecrease"),
      BadConfiguration(maxIterations: 0, name: "maxIterations"),
      BadConfiguration(maxIterations: -3, name: "maxIterations"),
    ])
  func rejectsBadSetting(_ c: BadConfiguration) {
    expectInvalidHyperparameter(c.name) {
      _ = try BacktrackingLineSearch(
        initialStep: c.initialStep, shrink: c.shrink, sufficientDecrease: c.c,
        maxIterations: c.maxIterations)
    }
  }
}
