// Helpers shared by the optimiser tests (SGD, Adam, Adagrad, schedules, gradient norms, line
// search): test objectives, minimisation, checks of validation and of saved and restored state.

import Backprop
import Testing

// MARK: - Helpers shared by the optimiser tests

/// f(p) = Σ cᵢ·pᵢ + p₀·p₁ on three parameters, whose gradient
/// (c₀ + p₁, c₁ + p₀, c₂) the engine computes exactly: each component is
/// one rounding at most, so hand computations can be compared with `==`.
enum Bilinear {
  static let coefficients = [0.5, -1.25, 2.0]
  static let start = [0.3, -0.7, 1.1]

  static func loss(_ p: [Value]) -> Value {
    Value.dot(p, coefficients) + p[0] * p[1]
  }

  static func gradient(_ p: [Double]) -> [Double] {
    [coefficients[0] + p[1], coefficients[1] + p[0], coefficients[2]]
  }
}

/// f(p) = Σ (pᵢ − cᵢ)², minimised at c.
enum Quadratic {
  static let center = [1.0, -2.0, 0.5]

  static func loss(_ p: [Value]) -> Value {
    Value.sum(zip(p, center).map { ($0 - $1).pow(2) })
  }
}

/// f(x, y) = (1 − x)² + 10·(y − x²)², a gentler Rosenbrock function with
/// its minimum 0 at (1, 1) at the end of a curved valley.
enum Rosenbrock {
  static let minimum = [1.0, 1.0]

  static func loss(_ p: [Value]) -> Value {
    (1 - p[0]).pow(2) + 10 * (p[1] - p[0].pow(2)).pow(2)
  }
}

/// Zeroes the parameters' gradients, records `loss` in a scope and
/// back-propagates it; returns its value.
@discardableResult
func computeGradients(_ parameters: [Value], _ loss: ([Value]) -> Value) -> Double {
  Tape.scope {
    for p in parameters { p.zeroGrad() }
    let l = loss(parameters)
    l.backward()
    return l.data
  }
}

/// The loss at the parameters' current data, recorded in a scope.
func evaluate(_ parameters: [Value], _ loss: ([Value]) -> Value) -> Double {
  Tape.scope { loss(parameters).data }
}

/// `count` numbers uniform in `[lower, upper)` from a seeded generator.
func seededStart(seed: UInt64, count: Int, in lower: Double, _ upper: Double) -> [Double] {
  var rng = SeededGenerator(seed: seed)
  return (0..<count).map { _ in rng.nextUniform(in: lower, upper) }
}

/// Runs `steps` optimisation steps on `loss` and returns the final loss.
func minimise<O: Optimizer>(
  _ optimizer: inout O, _ loss: ([Value]) -> Value, steps: Int
) -> Double {
  for _ in 0..<steps {
    computeGradients(optimizer.parameters, loss)
    optimizer.step()
  }
  return evaluate(optimizer.parameters, loss)
}

/// A test function with a known minimum.
enum TestProblem: String, Sendable, CaseIterable, CustomTestStringConvertible {
  case quadratic
  case rosenbrock

  var testDescription: String { rawValue }

  func loss(_ p: [Value]) -> Value {
    switch self {
    case .quadratic: Quadratic.loss(p)
    case .rosenbrock: Rosenbrock.loss(p)
    }
  }

  var minimum: [Double] {
    switch self {
    case .quadratic: Quadratic.center
    case .rosenbrock: Rosenbrock.minimum
    }
  }

  /// A seeded start: in [-3, 3)³ for the quadratic, [-1.5, 1.5)² for the
  /// Rosenbrock function.
  func start(seed: UInt64) -> [Double] {
    switch self {
    case .quadratic: seededStart(seed: seed, count: 3, in: -3, 3)
    case .rosenbrock: seededStart(seed: seed, count: 2, in: -1.5, 1.5)
    }
  }
}

/// Expects an optimiser made by `make` to bring every parameter within
/// `tolerance` of `problem`'s minimum in `steps` steps from three seeded
/// starts, lowering the loss.
func expectMinimises<O: Optimizer>(
  _ problem: TestProblem, steps: Int, tolerance: Double,
  sourceLocation: SourceLocation = #_sourceLocation,
  make: ([Value]) throws -> O
) throws {
  try Tape().withCurrent {
    for seed: UInt64 in [1, 2, 3] {
      let params = problem.start(seed: seed).map { Value($0) }
      let initialLoss = evaluate(params, problem.loss)
      var optimizer = try make(params)
      let finalLoss = minimise(&optimizer, problem.loss, steps: steps)
      #expect(finalLoss < initialLoss, sourceLocation: sourceLocation)
      for (p, c) in zip(params, problem.minimum) {
        #expect(
          Swift.abs(p.data - c) <= tolerance, "seed \(seed): \(p.data) vs \(c)",
          sourceLocation: sourceLocation)
      }
    }
  }
}

/// Expects `body` to throw ``TrainingError/invalidHyperparameter`` naming `name`.
func expectInvalidHyperparameter(
  _ name: String, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () throws -> Void
) {
  let error = #expect(throws: TrainingError.self, sourceLocation: sourceLocation) {
    try body()
  }
  guard let error else { return }
  guard case .invalidHyperparameter(let thrownName, _, _) = error else {
    Issue.record("expected an invalid \(name), got \(error)", sourceLocation: sourceLocation)
    return
  }
  #expect(thrownName == name, sourceLocation: sourceLocation)
}

/// Runs an optimiser made by `make` for 7 steps on the bilinear objective
/// without interruption, and again with its state saved after 3 steps and
/// restored into one made by `fresh` (other hyperparameters, new parameter
/// handles holding the saved values): the parameters and states must end up
/// identical.
func expectResumesIdentically<O: Optimizer>(
  make: ([Value]) throws -> O, fresh: ([Value]) throws -> O,
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  try Tape().withCurrent {
    let start = seededStart(seed: 7, count: 3, in: -1, 1)

    let uninterrupted = start.map { Value($0) }
    var a = try make(uninterrupted)
    _ = minimise(&a, Bilinear.loss, steps: 7)

    let first = start.map { Value($0) }
    var b = try make(first)
    _ = minimise(&b, Bilinear.loss, steps: 3)
    let saved = b.state
    let second = first.map { Value($0.data) }
    var c = try fresh(second)
    try c.restore(from: saved)
    #expect(c.state == saved, sourceLocation: sourceLocation)
    _ = minimise(&c, Bilinear.loss, steps: 4)

    #expect(second.map(\.data) == uninterrupted.map(\.data), sourceLocation: sourceLocation)
    #expect(c.state == a.state, sourceLocation: sourceLocation)
    #expect(c.stepCount == 7, sourceLocation: sourceLocation)
  }
}

/// Expects `restore(from:)` to throw a ``TrainingError`` and leave the
/// optimiser as it was: same state, same next step.
func expectRestoreFails<O: Optimizer>(
  _ optimizer: inout O, from state: OptimizerState,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  let before = optimizer.state
  #expect(throws: TrainingError.self, sourceLocation: sourceLocation) {
    try optimizer.restore(from: state)
  }
  #expect(optimizer.state == before, sourceLocation: sourceLocation)
}

/// Expects every corruption of a valid state (another kind, a short, long,
/// missing or non-finite buffer, another parameter count, a negative step
/// count, a missing or invalid learning rate, an invalid schedule) to be
/// rejected without changing the optimiser, and the optimiser then to step
/// exactly as an untouched twin.
func expectRestoreRejectsBadStates<O: Optimizer>(
  make: ([Value]) throws -> O, buffers: [String],
  sourceLocation: SourceLocation = #_sourceLocation
) throws {
  try Tape().withCurrent {
    let params = Bilinear.start.map { Value($0) }
    var optimizer = try make(params)
    _ = minimise(&optimizer, Bilinear.loss, steps: 2)
    let good = optimizer.state

    var bad: [OptimizerState] = []
    for kind in ["sgd", "adagrad", "adam", "adamw", "SGD", ""] where kind != good.kind {
      var s = good
      s.kind = kind
      bad.append(s)
    }
    for name in buffers {
      var short = good
      short.buffers[name]?.removeLast()
      var long = good
      long.buffers[name]?.append(0)
      var missing = good
      missing.buffers[name] = nil
      var nonFinite = good
      nonFinite.buffers[name]?[1] = .nan
      var infinite = good
      infinite.buffers[name]?[2] = -.infinity
      bad += [short, long, missing, nonFinite, infinite]
    }
    var negativeStep = good
    negativeStep.stepCount = -1
    var zeroRate = good
    zeroRate.hyperparameters["learningRate"] = 0
    var missingRate = good
    missingRate.hyperparameters["learningRate"] = nil
    var badSchedule = good
    badSchedule.schedule = .stepDecay(factor: 2, every: 1)
    bad += [negativeStep, zeroRate, missingRate, badSchedule]

    for state in bad {
      expectRestoreFails(&optimizer, from: state, sourceLocation: sourceLocation)
    }

    // A state for two parameters does not fit three.
    let pair = [Value(0.1), Value(0.2)]
    let twoParameterState = try make(pair).state
    let error = #expect(throws: TrainingError.self, sourceLocation: sourceLocation) {
      try optimizer.restore(from: twoParameterState)
    }
    if let error {
      guard case .sizeMismatch(_, let expected, let actual) = error else {
        Issue.record("expected a size mismatch, got \(error)", sourceLocation: sourceLocation)
        return
      }
      #expect(expected == 3 && actual == 2, sourceLocation: sourceLocation)
    }
    #expect(optimizer.state == good, sourceLocation: sourceLocation)

    // After all the failures it still steps exactly as an untouched twin.
    let twins = Bilinear.start.map { Value($0) }
    var twin = try make(twins)
    _ = minimise(&twin, Bilinear.loss, steps: 2)
    for (p, q) in zip(params, twins) { #expect(p.data == q.data, sourceLocation: sourceLocation) }
    _ = minimise(&optimizer, Bilinear.loss, steps: 2)
    _ = minimise(&twin, Bilinear.loss, steps: 2)
    #expect(params.map(\.data) == twins.map(\.data), sourceLocation: sourceLocation)
  }
}
