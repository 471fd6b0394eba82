// Tests of SGD: its update rules (plain, momentum, Nesterov, weight decay, schedules) against
// hand computations, convergence, validation, and its state.

import Backprop
import Testing

@Suite("SGD")
struct SGDTests {
  // MARK: Update rules against hand computations

  @Test("plain SGD applies exactly p -= lr * g")
  func plainUpdateIsExact() throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var sgd = try SGD(parameters: params, learningRate: 0.1)
      var x = Bilinear.start
      for _ in 0..<5 {
        computeGradients(params, Bilinear.loss)
        sgd.step()
        let g = Bilinear.gradient(x)
        for i in x.indices { x[i] -= 0.1 * g[i] }
        #expect(params.map(\.data) == x)
      }
      #expect(sgd.stepCount == 5)
    }
  }

  @Test("SGD with micrograd's schedule reproduces its hand-written loop bit for bit")
  func micrograd_linearDecayLoop() throws {
    try Tape().withCurrent {
      let params = Quadratic.center.indices.map { Value(Double($0) - 1.5) }
      let twins = params.map { Value($0.data) }
      var sgd = try SGD(
        parameters: params, learningRate: 1.0, schedule: .linearDecay(final: 0.1, steps: 100))
      for k in 0..<100 {
        computeGradients(params, Quadratic.loss)
        #expect(sgd.currentLearningRate == 1.0 - 0.9 * Double(k) / 100)
        sgd.step()
        // micrograd's demo: learning_rate = 1.0 - 0.9*k/100; p.data -= learning_rate * p.grad
        computeGradients(twins, Quadratic.loss)
        let learningRate = 1.0 - 0.9 * Double(k) / 100
        for p in twins { p.data -= learningRate * p.grad }
      }
      #expect(params.map(\.data) == twins.map(\.data))
    }
  }

  @Test("the 1/(k+1) schedule gives seed 002's Robbins–Monro steps")
  func inverseTimeSchedule() throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var sgd = try SGD(parameters: params, learningRate: 0.5, schedule: .inverseTime)
      var x = Bilinear.start
      for k in 0..<6 {
        computeGradients(params, Bilinear.loss)
        sgd.step()
        let g = Bilinear.gradient(x)
        let gamma = 0.5 / Double(k + 1)
        for i in x.indices { x[i] -= gamma * g[i] }
        #expect(params.map(\.data) == x)
      }
    }
  }

  @Test("momentum: v ← μv + g, p ← p − lr·v")
  func momentumUpdate() throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var sgd = try SGD(parameters: params, learningRate: 0.05, momentum: 0.9)
      var x = Bilinear.start
      var v = [0.0, 0.0, 0.0]
      for _ in 0..<6 {
        computeGradients(params, Bilinear.loss)
        sgd.step()
        let g = Bilinear.gradient(x)
        for i in x.indices {
          v[i] = 0.9 * v[i] + g[i]
          x[i] -= 0.05 * v[i]
        }
        #expect(params.map(\.data) == x)
      }
      #expect(sgd.state.buffers["velocity"] == v)
    }
  }

  @Test("Nesterov: v ← μv + g, p ← p − lr·(g + μv)")
  func nesterovUpdate() throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var sgd = try SGD(parameters: params, learningRate: 0.05, momentum: 0.8, nesterov: true)
      var x = Bilinear.start
      var v = [0.0, 0.0, 0.0]
      for _ in 0..<6 {
        computeGradients(params, Bilinear.loss)
        sgd.step()
        let g = Bilinear.gradient(x)
        for i in x.indices {
          v[i] = 0.8 * v[i] + g[i]
          x[i] -= 0.05 * (g[i] + 0.8 * v[i])
        }
        #expect(params.map(\.data) == x)
      }
    }
  }

  @Test("weight decay adds λp to the gradient", arguments: [0.0, 0.9])
  func weightDecayUpdate(momentum: Double) throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var sgd = try SGD(
        parameters: params, learningRate: 0.1, momentum: momentum, weightDecay: 0.01)
      var x = Bilinear.start
      var v = [0.0, 0.0, 0.0]
      for _ in 0..<5 {
        computeGradients(params, Bilinear.loss)
        sgd.step()
        var g = Bilinear.gradient(x)
        for i in x.indices {
          g[i] += 0.01 * x[i]
          if momentum > 0 {
            v[i] = momentum * v[i] + g[i]
            g[i] = v[i]
          }
          x[i] -= 0.1 * g[i]
        }
        #expect(params.map(\.data) == x)
      }
    }
  }

  @Test("with zero gradients plain SGD leaves the parameters alone")
  func zeroGradientIsNoOp() throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var sgd = try SGD(parameters: params, learningRate: 0.3)
      sgd.zeroGrad()
      sgd.step()
      #expect(params.map(\.data) == Bilinear.start)
    }
  }

  // MARK: Convergence

  @Test("plain SGD minimises a quadratic")
  func plainMinimisesQuadratic() throws {
    try expectMinimises(.quadratic, steps: 100, tolerance: 1e-6) {
      try SGD(parameters: $0, learningRate: 0.1)
    }
  }

  @Test("plain SGD minimises a Rosenbrock function")
  func plainMinimisesRosenbrock() throws {
    try expectMinimises(.rosenbrock, steps: 20_000, tolerance: 1e-3) {
      try SGD(parameters: $0, learningRate: 0.004)
    }
  }

  @Test("SGD with momentum minimises both", arguments: TestProblem.allCases, [false, true])
  func momentumMinimises(_ problem: TestProblem, nesterov: Bool) throws {
    try expectMinimises(problem, steps: 4_000, tolerance: 1e-3) {
      try SGD(parameters: $0, learningRate: 0.002, momentum: 0.9, nesterov: nesterov)
    }
  }

  // MARK: Validation

  struct BadConfiguration: Sendable, CustomTestStringConvertible {
    var learningRate = 0.1
    var momentum = 0.0
    var nesterov = false
    var weightDecay = 0.0
    var schedule = LearningRateSchedule.constant
    let name: String
    var testDescription: String {
      "lr \(learningRate), μ \(momentum), nesterov \(nesterov), λ \(weightDecay), \(schedule)"
    }
  }

  static let badConfigurations: [BadConfiguration] = [
    .init(learningRate: 0, name: "learningRate"),
    .init(learningRate: -1, name: "learningRate"),
    .init(learningRate: .nan, name: "learningRate"),
    .init(learningRate: .infinity, name: "learningRate"),
    .init(momentum: -0.1, name: "momentum"),
    .init(momentum: 1, name: "momentum"),
    .init(momentum: 1.5, name: "momentum"),
    .init(momentum: .nan, name: "momentum"),
    .init(momentum: 0, nesterov: true, name: "momentum"),
    .init(weightDecay: -0.01, name: "weightDecay"),
    .init(weightDecay: .nan, name: "weightDecay"),
    .init(weightDecay: .infinity, name: "weightDecay"),
    .init(schedule: .linearDecay(final: 0, steps: 10), name: "final learning rate"),
    .init(schedule: .linearDecay(final: 0.1, steps: 0), name: "decay steps"),
    .init(schedule: .stepDecay(factor: 0, every: 5), name: "decay factor"),
    .init(schedule: .stepDecay(factor: 0.5, every: 0), name: "decay interval"),
  ]

  @Test("a bad hyperparameter throws, naming it", arguments: badConfigurations)
  func rejectsBadHyperparameter(_ c: BadConfiguration) {
    Tape().withCurrent {
      let params = [Value(1.0), Value(2.0)]
      expectInvalidHyperparameter(c.name) {
        _ = try SGD(
          parameters: params, learningRate: c.learningRate, momentum: c.momentum,
          nesterov: c.nesterov, weightDecay: c.weightDecay, schedule: c.schedule)
      }
    }
  }

  @Test("an empty parameter list throws")
  func rejectsEmptyParameters() {
    let error = #expect(throws: TrainingError.self) {
      _ = try SGD(parameters: [], learningRate: 0.1)
    }
    #expect(error == .empty(what: "parameter list"))
  }

  @Test("the error for a negative learning rate reads well")
  func errorDescription() {
    Tape().withCurrent {
      let error = #expect(throws: TrainingError.self) {
        _ = try SGD(parameters: [Value(1.0)], learningRate: -1)
      }
      #expect(error?.description == "invalid learningRate -1.0: must be finite and > 0")
    }
  }

  // MARK: State

  @Test("state then restore resumes exactly as an uninterrupted run")
  func resumesIdentically() throws {
    try expectResumesIdentically(
      make: {
        try SGD(
          parameters: $0, learningRate: 0.05, momentum: 0.7, nesterov: true, weightDecay: 0.01,
          schedule: .inverseTime)
      },
      fresh: { try SGD(parameters: $0, learningRate: 1) })
  }

  @Test("state names the kind, hyperparameters and buffer")
  func stateContents() throws {
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      let sgd = try SGD(parameters: params, learningRate: 0.1, momentum: 0.5, nesterov: true)
      let state = sgd.state
      #expect(state.kind == "sgd")
      #expect(
        state.hyperparameters == [
          "learningRate": 0.1, "momentum": 0.5, "nesterov": 1, "weightDecay": 0,
        ])
      #expect(state.buffers == ["velocity": [0, 0, 0]])
      #expect(state.stepCount == 0)
    }
  }

  @Test("a bad state throws and changes nothing")
  func restoreRejectsBadStates() throws {
    try expectRestoreRejectsBadStates(
      make: { try SGD(parameters: $0, learningRate: 0.05, momentum: 0.7) },
      buffers: ["velocity"])
    try Tape().withCurrent {
      let params = Bilinear.start.map { Value($0) }
      var sgd = try SGD(parameters: params, learningRate: 0.1)
      var state = sgd.state
      state.hyperparameters["nesterov"] = 0.5
      expectRestoreFails(&sgd, from: state)
    }
  }
}
