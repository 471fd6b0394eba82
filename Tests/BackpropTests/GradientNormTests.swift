import Backprop
import Testing

@Suite("Gradient norm and the stopping rule")
struct GradientNormTests {
  /// Parameters whose gradients are set to `gradients` by hand.
  static func parameters(withGradients gradients: [Double]) -> [Value] {
    gradients.map { g in
      let p = Value(0.0)
      p.grad = g
      return p
    }
  }

  @Test(
    "‖g‖₂ by hand",
    arguments: [
      ([3.0, 4.0], 5.0), ([3.0, -4.0, 12.0], 13.0), ([-2.5], 2.5), ([0.0, 0.0], 0.0),
      ([], 0.0), ([1.0, 1.0, 1.0, 1.0], 2.0),
    ])
  func handComputed(gradients: [Double], norm: Double) {
    Tape().withCurrent {
      #expect(gradientNorm(Self.parameters(withGradients: gradients)) == norm)
    }
  }

  @Test("it is √(Σ g²) of the gradients a backward pass leaves")
  func afterBackward() {
    Tape().withCurrent {
      let w = [Value(0.3), Value(-1.2), Value(2.0)]
      computeGradients(w, Quadratic.loss)
      // ∇ Σ (wᵢ − cᵢ)² = 2(w − c)
      let g = zip([0.3, -1.2, 2.0], Quadratic.center).map { 2 * ($0 - $1) }
      #expect(w.map(\.grad) == g)
      #expect(gradientNorm(w) == (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).squareRoot())
    }
  }

  @Test("huge and tiny gradients neither overflow nor underflow")
  func scaled() {
    Tape().withCurrent {
      expectClose(gradientNorm(Self.parameters(withGradients: [3e200, 4e200])), 5e200)
      expectClose(gradientNorm(Self.parameters(withGradients: [3e-200, -4e-200])), 5e-200)
      expectClose(
        gradientNorm(Self.parameters(withGradients: [1e300, 1e300])), 1e300 * 2.0.squareRoot())
      #expect(gradientNorm(Self.parameters(withGradients: [.leastNonzeroMagnitude])) > 0)
    }
  }

  @Test("NaN gives NaN, an infinity gives +inf")
  func nonFinite() {
    Tape().withCurrent {
      #expect(gradientNorm(Self.parameters(withGradients: [1, .nan, 2])).isNaN)
      #expect(gradientNorm(Self.parameters(withGradients: [.infinity, .nan])).isNaN)
      #expect(gradientNorm(Self.parameters(withGradients: [1, -.infinity])) == .infinity)
    }
  }

  // MARK: Stopping rule

  @Test("stops exactly when ‖∇f‖ ≤ ε")
  func stopsAtTolerance() throws {
    try Tape().withCurrent {
      let rule = try GradientNormStoppingRule(tolerance: 5)
      #expect(rule.shouldStop(Self.parameters(withGradients: [3, 4])))  // = ε
      #expect(rule.shouldStop(Self.parameters(withGradients: [3, 3.9])))  // < ε
      #expect(!rule.shouldStop(Self.parameters(withGradients: [3, 4.0000001])))  // > ε
      #expect(rule.shouldStop(gradientNorm: 5) && !rule.shouldStop(gradientNorm: 5.5))
    }
  }

  @Test("ε = 0 is seed 002's rule: stop only at a zero gradient")
  func exactRule() throws {
    try Tape().withCurrent {
      let rule = try GradientNormStoppingRule(tolerance: 0)
      #expect(rule.shouldStop(Self.parameters(withGradients: [0, 0, -0.0])))
      #expect(!rule.shouldStop(Self.parameters(withGradients: [0, 1e-300])))
    }
  }

  @Test("a NaN gradient never stops the loop")
  func nanDoesNotStop() throws {
    try Tape().withCurrent {
      let rule = try GradientNormStoppingRule(tolerance: 1e300)
      #expect(!rule.shouldStop(Self.parameters(withGradients: [.nan])))
      #expect(!rule.shouldStop(gradientNorm: .nan))
    }
  }

  @Test("gradient descent stops by the rule once near the minimum")
  func stopsGradientDescent() throws {
    try Tape().withCurrent {
      let w = TestProblem.quadratic.start(seed: 4).map { Value($0) }
      var sgd = try SGD(parameters: w, learningRate: 0.25)
      let rule = try GradientNormStoppingRule(tolerance: 1e-6)
      var steps = 0
      while steps < 1_000 {
        computeGradients(w, Quadratic.loss)
        if rule.shouldStop(w) { break }
        sgd.step()
        steps += 1
      }
      // Each step halves the distance to the minimum, so the gradient 2(w − c)
      // falls below 1e-6 after about log2(‖2(w₀ − c)‖ / 1e-6) ≈ 23 steps.
      #expect(steps > 10 && steps < 40)
      #expect(gradientNorm(w) <= 1e-6)
      for (p, c) in zip(w, Quadratic.center) { expectNear(p.data, c, 1e-6) }
    }
  }

  @Test("a negative or non-finite tolerance throws", arguments: [-1e-9, -1, .nan, .infinity])
  func rejectsBadTolerance(_ tolerance: Double) {
    expectInvalidHyperparameter("tolerance") {
      _ = try GradientNormStoppingRule(tolerance: tolerance)
    }
  }
}
