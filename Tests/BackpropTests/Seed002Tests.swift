import Backprop
import Foundation
import Testing

// Seed 002's worked problem: the set
//   D = {((−3, −3), 1), ((−2, −2), 1), ((4, 4), 0), ((2, −5), 0)},
// the model ŷ = σ(w₁₁x₁ + w₁₂x₂), and the total squared error
//   E(w) = Σᵢ (yⁱ − ŷⁱ)²,
// minimised by gradient descent, by SGD with γₖ = γ₀/(k + 1), and by gradient
// descent with a backtracking line search and the rule ‖∇E‖ ≤ ε.
//
// The notes' model has no bias. `MLP(inputSize: 2, layerSizes: [1], …)` has
// one, and `train` updates every parameter of the model, so the notes' model
// is built as a `Neuron` whose bias is a `Value` frozen at 0 (the optimiser
// does not hold it) and trained with the engine and an optimiser directly;
// the trainer is checked on the MLP with its bias.

// MARK: - The notes' formulas, on plain numbers

/// The set D.
private let setD: [(x: [Double], y: Double)] = [
  ([-3, -3], 1), ([-2, -2], 1), ([4, 4], 0), ([2, -5], 0),
]

private func logistic(_ z: Double) -> Double { 1 / (1 + exp(-z)) }

/// ŷⁱ = σ(w₁₁x₁ⁱ + w₁₂x₂ⁱ + b).
private func prediction(_ w: [Double], bias b: Double, _ x: [Double]) -> Double {
  logistic(w[0] * x[0] + w[1] * x[1] + b)
}

/// E = Σᵢ (yⁱ − ŷⁱ)².
private func totalError(_ w: [Double], bias b: Double = 0) -> Double {
  setD.reduce(0) { e, point in
    let d = point.y - prediction(w, bias: b, point.x)
    return e + d * d
  }
}

/// The notes' gradient of one example's error eⁱ = (yⁱ − ŷⁱ)²:
/// ∂eⁱ/∂w₁ⱼ = −2(yⁱ − ŷⁱ) ŷⁱ(1 − ŷⁱ) xⱼⁱ, and ∂eⁱ/∂b = −2(yⁱ − ŷⁱ) ŷⁱ(1 − ŷⁱ).
private func exampleGradient(_ w: [Double], bias b: Double, _ i: Int) -> [Double] {
  let (x, y) = setD[i]
  let yHat = prediction(w, bias: b, x)
  let delta = -2 * (y - yHat) * yHat * (1 - yHat)
  return [delta * x[0], delta * x[1], delta]
}

/// ∂E/∂w₁₁, ∂E/∂w₁₂, ∂E/∂b: the sums of the examples' gradients.
private func handGradient(_ w: [Double], bias b: Double = 0) -> [Double] {
  var sum: [Double] = [0, 0, 0]
  for i in setD.indices {
    let g = exampleGradient(w, bias: b, i)
    for j in 0..<3 { sum[j] += g[j] }
  }
  return sum
}

/// Whether σ(w·x + b) ≥ 0.5 exactly for the points with y = 1.
private func classifiesAll(_ w: [Double], bias b: Double = 0) -> Bool {
  setD.allSatisfy { (prediction(w, bias: b, $0.x) >= 0.5) == ($0.y == 1) }
}

// MARK: - The models

/// The notes' model: one sigmoid neuron whose bias is a constant 0 the
/// optimisers never see.
private func notesModel(_ w: [Double]) -> MLP {
  MLP(layers: [
    Layer(neurons: [Neuron(weights: w.map { Value($0) }, bias: Value(0), activation: .sigmoid)])
  ])
}

/// The MLP the brief names: 2 inputs, one sigmoid output, a bias.
private func sigmoidMLP() -> MLP {
  MLP(inputSize: 2, layerSizes: [1], activation: .sigmoid, outputActivation: .sigmoid)
}

/// E recorded on the engine for `model`: Σᵢ (yⁱ − model(xⁱ))².
private func engineError(_ model: MLP) -> Value {
  Value.sum(setD.map { (x, y) in (y - model(x)[0]).pow(2) })
}

/// Expects |actual − expected| ≤ tolerance.
private func expectWithin(
  _ actual: Double, _ expected: Double, _ tolerance: Double,
  sourceLocation: SourceLocation = #_sourceLocation
) {
  #expect(
    Swift.abs(actual - expected) <= tolerance, "\(actual) vs \(expected)",
    sourceLocation: sourceLocation)
}

@Suite("Seed 002: set D, ŷ = σ(w·x), squared error")
struct Seed002Tests {
  @Test("Dataset.seed002 is the notes' set D")
  func theDataSet() {
    #expect(Dataset.seed002.features == setD.map(\.x))
    #expect(Dataset.seed002.labels == setD.map(\.y))
  }

  // MARK: The gradient of E against the notes' formula

  @Test(
    "the engine's ∂E/∂w₁ⱼ is Σᵢ −2(yⁱ − ŷⁱ) ŷⁱ(1 − ŷⁱ) xⱼⁱ",
    arguments: [[0, 0], [0.5, -0.3], [-1, 0.2], [2, 1.5], [-0.7, -2], [-3, 1]] as [[Double]])
  func gradientMatchesTheNotes(w: [Double]) throws {
    try Tape().withCurrent {
      let hand = handGradient(w)
      let scale = 1 + hand.map(Swift.abs).reduce(0, +)

      // The notes' model (bias frozen at 0).
      let notes = notesModel(w)
      let e = Tape.scope { () -> Double in
        let e = engineError(notes)
        e.backward()
        return e.data
      }
      expectWithin(e, totalError(w), 1e-14 * (1 + totalError(w)))
      let weights = notes.layers[0].neurons[0].weights
      expectWithin(weights[0].grad, hand[0], 1e-13 * scale)
      expectWithin(weights[1].grad, hand[1], 1e-13 * scale)
      // The frozen bias still receives ∂E/∂b; it just is not updated.
      expectWithin(notes.layers[0].neurons[0].bias.grad, hand[2], 1e-13 * scale)

      // The MLP with its bias at 0, through the training loss: .sumOfSquaredErrors is
      // the mean of the eⁱ, E/4.
      let mlp = sigmoidMLP()
      try mlp.setParameterValues([w[0], w[1], 0])
      let data = Dataset.seed002
      let quarter = Tape.scope { () -> Double in
        let l = Loss.sumOfSquaredErrors(data.features.map { mlp($0) }, data.targets)
        l.backward()
        return l.data
      }
      expectWithin(4 * quarter, totalError(w), 1e-14 * (1 + totalError(w)))
      for (g, h) in zip(mlp.parameterGradients, hand) {
        expectWithin(4 * g, h, 1e-13 * scale)
      }
    }
  }

  // MARK: Gradient descent

  @Test(
    "gradient descent (full batch) lowers E at every step and classifies all four points",
    arguments: [Loss.sumOfSquaredErrors, .meanSquaredError])
  func gradientDescentWithTheTrainer(loss: Loss) throws {
    try Tape().withCurrent {
      let model = sigmoidMLP()
      let start = model.parameterValues
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.5)
      var after: [[Double]] = []
      let reports = try train(
        model, on: .seed002, loss: loss, optimizer: &sgd, options: TrainingOptions(epochs: 300)
      ) { _ in after.append(model.parameterValues) }
      #expect(reports.count == 300)
      #expect(reports.allSatisfy { $0.iterations == $0.epoch })
      // Each epoch's loss is E/4 at the parameters before its update.
      let before = [start] + after.dropLast()
      for (report, p) in zip(reports, before) {
        let e = totalError([p[0], p[1]], bias: p[2])
        expectWithin(4 * report.loss, e, 1e-13 * (1 + e))
      }
      let losses = reports.map(\.loss)
      #expect(zip(losses, losses.dropFirst()).allSatisfy { $0 > $1 }, "E rises somewhere")
      let w = model.parameterValues
      #expect(
        totalError([w[0], w[1]], bias: w[2]) < totalError([start[0], start[1]], bias: start[2]))
      #expect(classifiesAll([w[0], w[1]], bias: w[2]), "\(w)")
      #expect(setD.allSatisfy { (model.predict($0.x)[0] >= 0.5) == ($0.y == 1) })
      #expect(reports.last?.accuracy == nil)
    }
  }

  @Test(
    "gradient descent without a bias follows the hand formula, lowers E at every step, classifies D"
  )
  func gradientDescentWithoutBias() throws {
    try Tape().withCurrent {
      let start = [0.3, 0.8]
      let model = notesModel(start)
      let neuron = model.layers[0].neurons[0]
      var sgd = try SGD(parameters: neuron.weights, learningRate: 0.1)
      var w = start
      var errors: [Double] = []
      for _ in 0..<400 {
        let e = Tape.scope { () -> Double in
          model.zeroGrad()
          let e = engineError(model)
          e.backward()
          return e.data
        }
        errors.append(e)
        sgd.step()
        // wᵏ⁺¹ = wᵏ − α ∇E(wᵏ), by hand.
        let g = handGradient(w)
        w = [w[0] - 0.1 * g[0], w[1] - 0.1 * g[1]]
      }
      let trained = neuron.weights.map(\.data)
      expectWithin(trained[0], w[0], 1e-10 * (1 + Swift.abs(w[0])))
      expectWithin(trained[1], w[1], 1e-10 * (1 + Swift.abs(w[1])))
      #expect(neuron.bias.data == 0)
      #expect(zip(errors, errors.dropFirst()).allSatisfy { $0 > $1 }, "E rises somewhere")
      #expect(classifiesAll(trained), "\(trained)")
      #expect(totalError(trained) < 0.1 * totalError(start))
    }
  }

  // MARK: SGD with γₖ = γ₀/(k + 1)

  @Test("SGD with γₖ = γ₀/(k + 1) and batch size 1 follows the notes' update wᵏ⁺¹ = wᵏ − γₖ∇eʲ(wᵏ)")
  func robbinsMonroStepsByHand() throws {
    try Tape().withCurrent {
      let model = sigmoidMLP()
      var p = model.parameterValues
      var sgd = try SGD(parameters: model.parameters, learningRate: 1, schedule: .inverseTime)
      let reports = try train(
        model, on: .seed002, loss: .sumOfSquaredErrors, optimizer: &sgd,
        options: TrainingOptions(epochs: 2, batchSize: 1, shuffle: false))
      #expect(reports.map(\.iterations) == [4, 8])
      let rates: [Double] = [0.25, 0.125]
      #expect(reports.map(\.learningRate) == rates)
      for k in 0..<8 {
        let g = exampleGradient([p[0], p[1]], bias: p[2], k % 4)
        let gamma = 1 / Double(k + 1)
        p = zip(p, g).map { $0 - gamma * $1 }
      }
      for (trained, hand) in zip(model.parameterValues, p) {
        expectWithin(trained, hand, 1e-13 * (1 + Swift.abs(hand)))
      }
    }
  }

  @Test("shuffled SGD with γₖ = γ₀/(k + 1) reduces E and classifies all four points")
  func robbinsMonroReducesTheError() throws {
    try Tape().withCurrent {
      let model = sigmoidMLP()
      let start = model.parameterValues
      var sgd = try SGD(parameters: model.parameters, learningRate: 2, schedule: .inverseTime)
      let reports = try train(
        model, on: .seed002, loss: .sumOfSquaredErrors, optimizer: &sgd,
        options: TrainingOptions(epochs: 50, batchSize: 1, seed: 2))
      #expect(reports.last?.iterations == 200)
      #expect(reports.last?.learningRate == 2.0 / 200)
      let w = model.parameterValues
      let e0 = totalError([start[0], start[1]], bias: start[2])
      let e = totalError([w[0], w[1]], bias: w[2])
      #expect(e < 0.5 * e0, "E \(e) from \(e0)")
      #expect(classifiesAll([w[0], w[1]], bias: w[2]), "\(w)")
    }
  }

  // MARK: Line search and the stopping rule

  @Test("gradient descent with a backtracking line search stops by ‖∇E‖ ≤ ε")
  func lineSearchReachesASmallGradient() throws {
    try Tape().withCurrent {
      let model = notesModel([0.3, 0.8])
      let weights = model.layers[0].neurons[0].weights
      let search = try BacktrackingLineSearch(initialStep: 4)
      let rule = try GradientNormStoppingRule(tolerance: 1e-4)
      func error() -> Double { Tape.scope { engineError(model).data } }
      var errors: [Double] = []
      var stopped = false
      for _ in 0..<2_000 {
        let e = Tape.scope { () -> Double in
          model.zeroGrad()
          let e = engineError(model)
          e.backward()
          return e.data
        }
        errors.append(e)
        if rule.shouldStop(weights) {
          stopped = true
          break
        }
        let result = search.step(parameters: weights, currentLoss: e, loss: error)
        #expect(result.accepted)
        #expect(result.newLoss < e)
      }
      #expect(stopped)
      #expect(gradientNorm(weights) <= 1e-4)
      let w = weights.map(\.data)
      let hand = handGradient(w)
      #expect((hand[0] * hand[0] + hand[1] * hand[1]).squareRoot() <= 1.0001e-4)
      #expect(zip(errors, errors.dropFirst()).allSatisfy { $0 > $1 })
      #expect(classifiesAll(w), "\(w)")
      #expect(model.layers[0].neurons[0].bias.data == 0)
    }
  }

  @Test("the trainer's gradient-norm rule stops gradient descent on D")
  func trainerStopsByTheRule() throws {
    try Tape().withCurrent {
      let model = sigmoidMLP()
      var sgd = try SGD(parameters: model.parameters, learningRate: 4)
      let reports = try train(
        model, on: .seed002, loss: .sumOfSquaredErrors, optimizer: &sgd,
        options: TrainingOptions(epochs: 20_000, gradientNormTolerance: 1e-3))
      #expect(reports.count < 20_000)
      let last = try #require(reports.last)
      #expect(last.gradientNorm <= 1e-3)
      #expect(reports.dropLast().allSatisfy { $0.gradientNorm > 1e-3 })
      // The rule reads the gradient of the mean loss E/4 at the last update.
      let w = model.parameterValues
      #expect(classifiesAll([w[0], w[1]], bias: w[2]), "\(w)")
    }
  }
}
