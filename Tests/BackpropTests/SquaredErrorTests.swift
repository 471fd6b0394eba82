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
      name: "sumOfSquaredErrors", loss: { sumOfSquaredErrors(predicted: $0, expected: $1) },
      factor: { _ in 1 }),
    SquaredErrorLoss(
      name: "meanSquaredError", loss: { meanSquaredError(predicted: $0, expected: $1) },
      factor: { 1 / Double($0) }),
    SquaredErrorLoss(
      name: "halfMeanSquaredError",
      loss: { halfMeanSquaredError(predicted: $0, expected: $1) },
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
    Tape.scope {
      let yHat = [Value(2.5), Value(0.0)]
      let y = [3.0, -1.0]
      let rss = sumOfSquaredErrors(predicted: yHat, expected: y)
      let mse = meanSquaredError(predicted: yHat, expected: y)
      let halfMSE = halfMeanSquaredError(predicted: yHat, expected: y)
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

  @Test("a NaN or infinite target is not inspected: the loss is NaN", arguments: SquaredErrorLoss.all)
  func nonFiniteTargetGivesNaN(_ c: SquaredErrorLoss) throws {
    try Tape.scope {
      let loss = try c.loss([Value(1), Value(2), Value(3)], [0, .infinity, .nan])
      #expect(loss.data.isNaN)
    }
  }

  #if compiler(>=6.2)
  @Test("more expected values than predictions stop the program")
  func longerTargetsStop() async {
    await #expect(processExitsWith: .failure) {
      _ = sumOfSquaredErrors(predicted: [Value(1), Value(2)], expected: [1, 2, 3])
    }
    await #expect(processExitsWith: .failure) {
      _ = meanSquaredError(predicted: [Value(1), Value(2)], expected: [1, 2, 3])
    }
  }

  @Test("fewer expected values than predictions stop the program")
  func shorterTargetsStop() async {
    await #expect(processExitsWith: .failure) {
      _ = halfMeanSquaredError(predicted: [Value(1), Value(2)], expected: [1])
    }
  }

  @Test("no predictions stop the program rather than return NaN")
  func emptyStops() async {
    await #expect(processExitsWith: .failure) {
      _ = meanSquaredError(predicted: [], expected: [])
    }
    await #expect(processExitsWith: .failure) {
      _ = sumOfSquaredErrors(predicted: [], expected: [])
    }
  }
  #endif

  @Test("½MSE is half of MSE, and MSE is RSS/n")
  func relations() throws {
    let (p, y) = sample(count: 9, seed: 9)
    Tape.scope {
      let yHat = p.map { Value($0) }
      let rss = sumOfSquaredErrors(predicted: yHat, expected: y).data
      let mse = meanSquaredError(predicted: yHat, expected: y).data
      let half = halfMeanSquaredError(predicted: yHat, expected: y).data
      expectClose(mse, rss / 9)
      expectClose(half, mse / 2)
    }
  }
}
