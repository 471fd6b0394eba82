import Backprop
import Testing

@Suite("Adagrad")
struct AdagradTests {
  @Test("s ← s + g², p ← p − lr·g/(√s + ε), by hand")
  func updateRule() throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var adagrad = try Adagrad(parameters: params, learningRate: 0.1, epsilon: 1e-3)
      var x = Bilinear.start
      var s = [0.0, 0.0, 0.0]
      for _ in 0..<6 {
        computeGradients(params, Bilinear.loss)
        adagrad.step()
        let g = Bilinear.gradient(x)
        for i in x.indices {
          s[i] += g[i] * g[i]
          x[i] -= 0.1 * g[i] / (s[i].squareRoot() + 1e-3)
        }
        #expect(params.map(\.data) == x)
      }
      #expect(adagrad.state.buffers["sumOfSquares"] == s)
    }
  }

  @Test("the first step moves every parameter by about lr, whatever its gradient")
  func firstStepIsNormalised() throws {
    try Tape().withCurrent {
      let params = [Value(0.0), Value(0.0), Value(0.0)]
      var adagrad = try Adagrad(parameters: params, learningRate: 0.25)
      params[0].grad = 1e-4
      params[1].grad = -3
      params[2].grad = 0
      adagrad.step()
      expectNear(params[0].data, -0.25, 1e-6)
      expectNear(params[1].data, 0.25, 1e-10)
      #expect(params[2].data == 0)
    }
  }

  @Test("a schedule scales the step: 1/(k+1)")
  func scheduled() throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var adagrad = try Adagrad(parameters: params, learningRate: 0.3, schedule: .inverseTime)
      var x = Bilinear.start
      var s = [0.0, 0.0, 0.0]
      for k in 0..<5 {
        computeGradients(params, Bilinear.loss)
        adagrad.step()
        let g = Bilinear.gradient(x)
        let lr = 0.3 / Double(k + 1)
        for i in x.indices {
          s[i] += g[i] * g[i]
          x[i] -= lr * g[i] / (s[i].squareRoot() + 1e-10)
        }
        #expect(params.map(\.data) == x)
      }
    }
  }

  @Test("minimises a quadratic and a Rosenbrock function", arguments: TestProblem.allCases)
  func minimises(_ problem: TestProblem) throws {
    try expectMinimises(problem, steps: 3_000, tolerance: 1e-3) {
      try Adagrad(parameters: $0, learningRate: 0.5)
    }
  }

  static let badHyperparameters: [(Double, Double, String)] = [
    (0, 1e-10, "learningRate"), (-0.1, 1e-10, "learningRate"),
    (.nan, 1e-10, "learningRate"), (.infinity, 1e-10, "learningRate"),
    (0.1, 0, "epsilon"), (0.1, -1e-8, "epsilon"), (0.1, .nan, "epsilon"),
    (0.1, .infinity, "epsilon"),
  ]

  @Test("a bad hyperparameter throws, naming it", arguments: badHyperparameters)
  func rejectsBadHyperparameter(learningRate: Double, epsilon: Double, name: String) {
    Tape().withCurrent {
      let params = [Value(1.0)]
      expectInvalidHyperparameter(name) {
        _ = try Adagrad(parameters: params, learningRate: learningRate, epsilon: epsilon)
      }
    }
  }

  @Test("a bad schedule or an empty parameter list throws")
  func rejectsBadScheduleAndEmptyParameters() {
    Tape().withCurrent {
      expectInvalidHyperparameter("decay factor") {
        _ = try Adagrad(
          parameters: [Value(1.0)], learningRate: 0.1, schedule: .stepDecay(factor: 1.5, every: 2))
      }
      let error = #expect(throws: TrainingError.self) {
        _ = try Adagrad(parameters: [], learningRate: 0.1)
      }
      #expect(error == .empty(what: "parameter list"))
    }
  }

  @Test("state then restore resumes exactly as an uninterrupted run")
  func resumesIdentically() throws {
    try expectResumesIdentically(
      make: {
        try Adagrad(parameters: $0, learningRate: 0.2, epsilon: 1e-6, schedule: .inverseTime)
      },
      fresh: { try Adagrad(parameters: $0, learningRate: 9) })
  }

  @Test("state names the kind, hyperparameters and buffer")
  func stateContents() throws {
    try Tape().withCurrent {
      let adagrad = try Adagrad(parameters: [Value(1.0), Value(2.0)], learningRate: 0.1)
      #expect(adagrad.state.kind == "adagrad")
      #expect(adagrad.state.hyperparameters == ["learningRate": 0.1, "epsilon": 1e-10])
      #expect(adagrad.state.buffers == ["sumOfSquares": [0, 0]])
    }
  }

  @Test("a bad state throws and changes nothing")
  func restoreRejectsBadStates() throws {
    try expectRestoreRejectsBadStates(
      make: { try Adagrad(parameters: $0, learningRate: 0.2) }, buffers: ["sumOfSquares"])
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var adagrad = try Adagrad(parameters: params, learningRate: 0.1)
      var negative = adagrad.state
      negative.buffers["sumOfSquares"] = [1, -1, 0]
      expectRestoreFails(&adagrad, from: negative)
      var zeroEpsilon = adagrad.state
      zeroEpsilon.hyperparameters["epsilon"] = 0
      expectRestoreFails(&adagrad, from: zeroEpsilon)
    }
  }
}

/// Expects |actual − expected| ≤ tolerance.
func expectNear(
  _ actual: Double, _ expected: Double, _ tolerance: Double,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(
    Swift.abs(actual - expected) <= tolerance, "\(actual) vs \(expected)",
    sourceLocation: sourceLocation)
}
