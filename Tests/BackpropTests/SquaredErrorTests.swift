import Backprop
import Testing

/// One of the three squared-error losses, with its hand formula and the
/// hand-derived derivative `∂L/∂ŷᵢ = scale · (ŷᵢ − yᵢ)`.
struct SquaredErrorLoss: Sendable, CustomTestStringConvertible {
  let name: String
  let loss: @Sendable ([Value], [Double]) throws -> Value
  /// The factor `c` in `L = c · Σ (yᵢ − ŷᵢ)²` for n predictions.
  let factor: @Sendable (Int) -> Double
  var testDescription: String { name }

  static let all: [SquaredErrorLoss] = [
    SquaredErrorLoss(
      name: "sumOfSquaresLoss", loss: { try sumOfSquaresLoss(predicted: $0, expected: $1) },
      factor: { _ in 1 }),
    SquaredErrorLoss(
      name: "meanSquaredError", loss: { try meanSquaredError(predicted: $0, expected: $1) },
      factor: { 1 / Double($0) }),
    SquaredErrorLoss(
      name: "halfMeanSquaredError",
      loss: { try halfMeanSquaredError(predicted: $0, expected: $1) },
      factor: { 1 / Double(2 * $0) }),
  ]
}

/// `body()`, or a NaN leaf if it throws (for gradient-check closures).
private func orNaN(_ body: () throws -> Value) -> Value {
  (try? body()) ?? Value(.nan)
}

/// Seeded predictions and targets of `count` entries.
private func sample(count: Int, seed: UInt64) -> (predicted: [Double], expected: [Double]) {
  var rng = SeededGenerator(seed: seed)
  let predicted = (0..<count).map { _ in 2 * rng.nextGaussian() }
  let expected = (0..<count).map { _ in 2 * rng.nextGaussian() }
  return (predicted, expected)
}

@Suite("Losses: squared error (RSS, MSE, ½MSE)")
struct SquaredErrorTests {
  @Test("the notes' formulas on a small example, exactly")
  func smallExample() throws {
    try Tape.scope {
      let yHat = [Value(2.5), Value(0.0)]
      let y = [3.0, -1.0]
      let rss = try sumOfSquaresLoss(predicted: yHat, expected: y)
      let mse = try meanSquaredError(predicted: yHat, expected: y)
      let halfMSE = try halfMeanSquaredError(predicted: yHat, expected: y)
      #expect(rss.data == 1.25)
      #expect(mse.data == 0.625)
      #expect(halfMSE.data == 0.3125)
    }
  }

  @Test(
    "value equals c · Σ (y − ŷ)² for seeded data",
    arguments: SquaredErrorLoss.all, [1, 2, 7, 50])
  func valueMatchesHandFormula(_ c: SquaredErrorLoss, count: Int) throws {
    let (p, y) = sample(count: count, seed: UInt64(count))
    var rss = 0.0
    for (pi, yi) in zip(p, y) { rss += (yi - pi) * (yi - pi) }
    try Tape.scope {
      let loss = try c.loss(p.map { Value($0) }, y)
      expectClose(loss.data, c.factor(count) * rss, tolerance: 1e-14)
    }
  }

  @Test(
    "gradient passes the central-difference check",
    arguments: SquaredErrorLoss.all, [1, 3, 10])
  func gradientMatchesFiniteDifferences(_ c: SquaredErrorLoss, count: Int) {
    let (p, y) = sample(count: count, seed: 100 + UInt64(count))
    let report = checkGradient(of: { x in orNaN { try c.loss(x, y) * 3 } }, at: p)
    expectPassed(report)
  }

  @Test(
    "gradient equals the hand derivative: RSS 2(ŷ − y), MSE 2(ŷ − y)/n, ½MSE (ŷ − y)/n",
    arguments: SquaredErrorLoss.all, [1, 4, 25])
  func gradientMatchesHandDerivative(_ c: SquaredErrorLoss, count: Int) throws {
    let (p, y) = sample(count: count, seed: 200 + UInt64(count))
    try Tape.scope {
      let yHat = p.map { Value($0) }
      let loss = try c.loss(yHat, y)
      loss.backward(gradient: upstream)
      for i in p.indices {
        let expected = upstream * 2 * c.factor(count) * (p[i] - y[i])
        expectClose(yHat[i].grad, expected, tolerance: 1e-13)
      }
    }
  }

  @Test("a prediction used twice receives both contributions", arguments: SquaredErrorLoss.all)
  func reusedPrediction(_ c: SquaredErrorLoss) throws {
    try Tape.scope {
      let a = Value(1.5)
      let loss = try c.loss([a, a], [0.5, -1.0])
      loss.backward()
      // ∂/∂a = factor · 2 · ((1.5 − 0.5) + (1.5 + 1)) = factor · 7.
      expectClose(a.grad, c.factor(2) * 7)
    }
  }

  @Test("a perfect prediction gives 0 with gradient 0", arguments: SquaredErrorLoss.all)
  func perfectPrediction(_ c: SquaredErrorLoss) throws {
    try Tape.scope {
      let yHat = [Value(1.0), Value(-2.0)]
      let loss = try c.loss(yHat, [1.0, -2.0])
      loss.backward()
      #expect(loss.data == 0)
      #expect(yHat.map(\.grad) == [0, 0])
    }
  }

  @Test("mismatched sizes throw, both ways", arguments: SquaredErrorLoss.all)
  func sizeMismatchThrows(_ c: SquaredErrorLoss) {
    Tape.scope {
      let longer = #expect(throws: TrainingError.self) {
        try c.loss([Value(1), Value(2)], [1, 2, 3])
      }
      guard case .sizeMismatch(_, let expected, let actual) = longer else {
        Issue.record("expected sizeMismatch, got \(String(describing: longer))")
        return
      }
      #expect(expected == 2 && actual == 3)
      let shorter = #expect(throws: TrainingError.self) {
        try c.loss([Value(1), Value(2)], [1])
      }
      guard case .sizeMismatch(_, 2, 1) = shorter else {
        Issue.record("expected sizeMismatch(2, 1), got \(String(describing: shorter))")
        return
      }
    }
  }

  @Test("empty input throws rather than returning NaN", arguments: SquaredErrorLoss.all)
  func emptyThrows(_ c: SquaredErrorLoss) {
    Tape.scope {
      let error = #expect(throws: TrainingError.self) { try c.loss([], []) }
      guard case .empty = error else {
        Issue.record("expected empty, got \(String(describing: error))")
        return
      }
    }
  }

  @Test("a NaN or infinite target throws, naming its index", arguments: SquaredErrorLoss.all)
  func nonFiniteTargetThrows(_ c: SquaredErrorLoss) {
    Tape.scope {
      let error = #expect(throws: TrainingError.self) {
        try c.loss([Value(1), Value(2), Value(3)], [0, .infinity, .nan])
      }
      guard case .nonFiniteValue(_, 1, let value) = error else {
        Issue.record("expected nonFiniteValue at 1, got \(String(describing: error))")
        return
      }
      #expect(value == .infinity)
    }
  }

  @Test("½MSE is half of MSE, and MSE is RSS/n")
  func relations() throws {
    let (p, y) = sample(count: 9, seed: 9)
    try Tape.scope {
      let yHat = p.map { Value($0) }
      let rss = try sumOfSquaresLoss(predicted: yHat, expected: y).data
      let mse = try meanSquaredError(predicted: yHat, expected: y).data
      let half = try halfMeanSquaredError(predicted: yHat, expected: y).data
      expectClose(mse, rss / 9)
      expectClose(half, mse / 2)
    }
  }
}
