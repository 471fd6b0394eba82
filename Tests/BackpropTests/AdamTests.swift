import Backprop
import Foundation
import Testing

@Suite("Adam and AdamW")
struct AdamTests {
  /// One Adam step by hand (Kingma and Ba, Algorithm 1) on plain arrays.
  static func adamStep(
    _ x: inout [Double], _ m: inout [Double], _ v: inout [Double], gradient g: [Double],
    lr: Double, beta1: Double, beta2: Double, epsilon: Double, t: Int
  ) {
    let correction1 = 1 - pow(beta1, Double(t))
    let correction2 = 1 - pow(beta2, Double(t))
    for i in x.indices {
      m[i] = beta1 * m[i] + (1 - beta1) * g[i]
      v[i] = beta2 * v[i] + (1 - beta2) * (g[i] * g[i])
      let mHat = m[i] / correction1
      let vHat = v[i] / correction2
      x[i] -= lr * mHat / (vHat.squareRoot() + epsilon)
    }
  }

  // MARK: Adam

  @Test("Adam's bias-corrected update, by hand", arguments: [(0.9, 0.999), (0.5, 0.75), (0, 0)])
  func adamUpdateRule(beta1: Double, beta2: Double) throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var adam = try Adam(
        parameters: params, learningRate: 0.01, beta1: beta1, beta2: beta2, epsilon: 1e-6)
      var x = Bilinear.start
      var m = [0.0, 0.0, 0.0]
      var v = [0.0, 0.0, 0.0]
      for t in 1...6 {
        computeGradients(params, Bilinear.loss)
        adam.step()
        AdamTests.adamStep(
          &x, &m, &v, gradient: Bilinear.gradient(x), lr: 0.01, beta1: beta1, beta2: beta2,
          epsilon: 1e-6, t: t)
        #expect(params.map(\.data) == x)
      }
      #expect(adam.state.buffers == ["m": m, "v": v])
    }
  }

  @Test("bias correction: the first step is lr·g/(|g| + ε), about lr per parameter")
  func firstStepIsBiasCorrected() throws {
    try Tape().withCurrent {
      let params = [Value(1.0), Value(1.0), Value(1.0)]
      var adam = try Adam(parameters: params, learningRate: 0.1)
      params[0].grad = 4
      params[1].grad = -0.002
      params[2].grad = 0
      adam.step()
      expectNear(params[0].data, 0.9, 1e-9)
      expectNear(params[1].data, 1.1, 1e-6)
      #expect(params[2].data == 1)
    }
  }

  @Test("Adam's defaults are PyTorch's")
  func adamDefaults() throws {
    try Tape().withCurrent {
      let adam = try Adam(parameters: [Value(1.0)])
      #expect(adam.learningRate == 0.001)
      #expect(adam.beta1 == 0.9 && adam.beta2 == 0.999 && adam.epsilon == 1e-8)
      #expect(adam.schedule == .constant)
    }
  }

  // MARK: AdamW

  @Test("AdamW: p ← p − lr·λ·p, then the Adam step, by hand")
  func adamWUpdateRule() throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var adamw = try AdamW(
        parameters: params, learningRate: 0.02, beta1: 0.8, beta2: 0.99, epsilon: 1e-7,
        weightDecay: 0.1, schedule: .stepDecay(factor: 0.5, every: 2))
      var x = Bilinear.start
      var m = [0.0, 0.0, 0.0]
      var v = [0.0, 0.0, 0.0]
      for t in 1...6 {
        computeGradients(params, Bilinear.loss)
        let g = Bilinear.gradient(x)  // at the point before the decay
        adamw.step()
        let lr = [0.02, 0.02, 0.01, 0.01, 0.005, 0.005][t - 1]
        for i in x.indices { x[i] -= lr * 0.1 * x[i] }
        AdamTests.adamStep(
          &x, &m, &v, gradient: g, lr: lr, beta1: 0.8, beta2: 0.99, epsilon: 1e-7, t: t)
        #expect(params.map(\.data) == x)
      }
    }
  }

  @Test("AdamW with λ = 0 is Adam, bit for bit")
  func adamWWithoutDecayIsAdam() throws {
    try Tape().withCurrent {
      let a = Bilinear.start.map { Value($0) }
      let b = Bilinear.start.map { Value($0) }
      var adam = try Adam(parameters: a, learningRate: 0.05)
      var adamw = try AdamW(parameters: b, learningRate: 0.05, weightDecay: 0)
      for _ in 0..<10 {
        computeGradients(a, Bilinear.loss)
        computeGradients(b, Bilinear.loss)
        adam.step()
        adamw.step()
        #expect(a.map(\.data) == b.map(\.data))
      }
    }
  }

  @Test("the decay is decoupled: with zero gradients AdamW only shrinks the parameters")
  func adamWDecayIsDecoupled() throws {
    try Tape().withCurrent {
      let params = [Value(2.0), Value(-4.0)]
      var adamw = try AdamW(parameters: params, learningRate: 0.1, weightDecay: 0.5)
      adamw.zeroGrad()
      adamw.step()
      // m = v = 0, so the Adam step is 0/(0 + ε) = 0.
      #expect(params[0].data == 2.0 - 0.1 * 0.5 * 2.0)
      #expect(params[1].data == -4.0 - 0.1 * 0.5 * -4.0)
      #expect(adamw.state.buffers == ["m": [0, 0], "v": [0, 0]])
    }
  }

  @Test("AdamW's defaults are PyTorch's")
  func adamWDefaults() throws {
    try Tape().withCurrent {
      let adamw = try AdamW(parameters: [Value(1.0)])
      #expect(adamw.learningRate == 0.001 && adamw.weightDecay == 0.01)
      #expect(adamw.beta1 == 0.9 && adamw.beta2 == 0.999 && adamw.epsilon == 1e-8)
    }
  }

  // MARK: Convergence

  @Test("Adam minimises a quadratic and a Rosenbrock function", arguments: TestProblem.allCases)
  func adamMinimises(_ problem: TestProblem) throws {
    try expectMinimises(problem, steps: 3_000, tolerance: 1e-3) {
      try Adam(
        parameters: $0, learningRate: 0.05, schedule: .linearDecay(final: 0.001, steps: 2_000))
    }
  }

  @Test("AdamW minimises them too, to near the minimum", arguments: TestProblem.allCases)
  func adamWMinimises(_ problem: TestProblem) throws {
    // The decay pulls the minimiser slightly towards 0; λ = 1e-4 keeps it
    // within the tolerance.
    try expectMinimises(problem, steps: 3_000, tolerance: 2e-3) {
      try AdamW(
        parameters: $0, learningRate: 0.05, weightDecay: 1e-4,
        schedule: .linearDecay(final: 0.001, steps: 2_000))
    }
  }

  // MARK: Validation

  struct BadConfiguration: Sendable, CustomTestStringConvertible {
    var learningRate = 0.001
    var beta1 = 0.9
    var beta2 = 0.999
    var epsilon = 1e-8
    var weightDecay = 0.01
    var schedule = LearningRateSchedule.constant
    let name: String
    var testDescription: String {
      "lr \(learningRate), β₁ \(beta1), β₂ \(beta2), ε \(epsilon), λ \(weightDecay), \(schedule)"
    }
  }

  static let badConfigurations: [BadConfiguration] = [
    .init(learningRate: 0, name: "learningRate"),
    .init(learningRate: -0.001, name: "learningRate"),
    .init(learningRate: .nan, name: "learningRate"),
    .init(learningRate: -.infinity, name: "learningRate"),
    .init(beta1: -0.1, name: "beta1"),
    .init(beta1: 1, name: "beta1"),
    .init(beta1: .nan, name: "beta1"),
    .init(beta2: -1e-9, name: "beta2"),
    .init(beta2: 1, name: "beta2"),
    .init(beta2: 1.5, name: "beta2"),
    .init(beta2: .infinity, name: "beta2"),
    .init(epsilon: 0, name: "epsilon"),
    .init(epsilon: -1e-8, name: "epsilon"),
    .init(epsilon: .nan, name: "epsilon"),
    .init(epsilon: .infinity, name: "epsilon"),
    .init(schedule: .linearDecay(final: -0.1, steps: 10), name: "final learning rate"),
  ]

  @Test("Adam: a bad hyperparameter throws, naming it", arguments: badConfigurations)
  func adamRejectsBadHyperparameter(_ c: BadConfiguration) {
    Tape().withCurrent {
      let params = [Value(1.0), Value(2.0)]
      expectInvalidHyperparameter(c.name) {
        _ = try Adam(
          parameters: params, learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2,
          epsilon: c.epsilon, schedule: c.schedule)
      }
    }
  }

  @Test(
    "AdamW: a bad hyperparameter throws, naming it",
    arguments: badConfigurations + [
      .init(weightDecay: -0.01, name: "weightDecay"),
      .init(weightDecay: .nan, name: "weightDecay"),
      .init(weightDecay: .infinity, name: "weightDecay"),
    ])
  func adamWRejectsBadHyperparameter(_ c: BadConfiguration) {
    Tape().withCurrent {
      let params = [Value(1.0), Value(2.0)]
      expectInvalidHyperparameter(c.name) {
        _ = try AdamW(
          parameters: params, learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2,
          epsilon: c.epsilon, weightDecay: c.weightDecay, schedule: c.schedule)
      }
    }
  }

  @Test("an empty parameter list throws")
  func rejectsEmptyParameters() {
    let adamError = #expect(throws: TrainingError.self) { _ = try Adam(parameters: []) }
    #expect(adamError == .empty(what: "parameter list"))
    let adamWError = #expect(throws: TrainingError.self) { _ = try AdamW(parameters: []) }
    #expect(adamWError == .empty(what: "parameter list"))
  }

  // MARK: State

  @Test("Adam: state then restore resumes exactly as an uninterrupted run")
  func adamResumesIdentically() throws {
    try expectResumesIdentically(
      make: {
        try Adam(
          parameters: $0, learningRate: 0.03, beta1: 0.8, beta2: 0.95,
          schedule: .linearDecay(final: 0.01, steps: 5))
      },
      fresh: { try Adam(parameters: $0) })
  }

  @Test("AdamW: state then restore resumes exactly as an uninterrupted run")
  func adamWResumesIdentically() throws {
    try expectResumesIdentically(
      make: { try AdamW(parameters: $0, learningRate: 0.03, weightDecay: 0.2) },
      fresh: { try AdamW(parameters: $0, learningRate: 1, weightDecay: 0) })
  }

  @Test("state names the kind, hyperparameters and buffers")
  func stateContents() throws {
    try Tape().withCurrent {
      let params = [Value(1.0), Value(2.0)]
      let adam = try Adam(parameters: params).state
      #expect(adam.kind == "adam")
      #expect(
        adam.hyperparameters == [
          "learningRate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
        ])
      #expect(adam.buffers == ["m": [0, 0], "v": [0, 0]])
      let adamw = try AdamW(parameters: params).state
      #expect(adamw.kind == "adamw")
      #expect(
        adamw.hyperparameters == [
          "learningRate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
          "weightDecay": 0.01,
        ])
    }
  }

  @Test("Adam: a bad state throws and changes nothing")
  func adamRestoreRejectsBadStates() throws {
    try expectRestoreRejectsBadStates(
      make: { try Adam(parameters: $0, learningRate: 0.05) }, buffers: ["m", "v"])
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var adam = try Adam(parameters: params)
      for (name, value) in [("beta1", 1.0), ("beta2", -0.5), ("epsilon", 0.0)] {
        var state = adam.state
        state.hyperparameters[name] = value
        expectRestoreFails(&adam, from: state)
        state.hyperparameters[name] = nil
        expectRestoreFails(&adam, from: state)
      }
      var negative = adam.state
      negative.buffers["v"] = [0, -1e-3, 0]
      expectRestoreFails(&adam, from: negative)
    }
  }

  @Test("AdamW: a bad state throws and changes nothing")
  func adamWRestoreRejectsBadStates() throws {
    try expectRestoreRejectsBadStates(
      make: { try AdamW(parameters: $0, learningRate: 0.05) }, buffers: ["m", "v"])
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var adamw = try AdamW(parameters: params)
      var state = adamw.state
      state.hyperparameters["weightDecay"] = -1
      expectRestoreFails(&adamw, from: state)
      // An Adam state (no weight decay) is not an AdamW state.
      let adamState = try Adam(parameters: params).state
      expectRestoreFails(&adamw, from: adamState)
    }
  }
}
