// A non-finite step stops training before its update: divergence, an overflowing batch, a
// non-finite first step, an infinite gradient; the last good step's parameters are kept.

import Backprop
import Foundation
import Testing

extension TrainerTests {
  // MARK: A non-finite step stops training before its update

  @Test(
    "a learning rate that blows the parameters up stops at the first non-finite step, keeping the last good step's parameters",
    arguments: [nil, 3, 1] as [Int?])
  func divergenceStopsBeforeTheBadUpdate(batchSize: Int?) throws {
    try Tape().withCurrent {
      let data = try linearData(count: 8, seed: 1)
      let model = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 1)
      let initial = model.parameterValues
      var sgd = StepRecorder(try SGD(parameters: model.parameters, learningRate: 1e3))
      var reports: [EpochReport] = []
      let options = TrainingOptions(epochs: 10_000, batchSize: batchSize, shuffle: false)
      let error = #expect(throws: TrainingError.self) {
        try train(model, on: data, loss: .meanSquaredError, optimizer: &sgd, options: options) {
          reports.append($0)
        }
      }
      guard case .nonFiniteLoss(let epoch, let step, let loss)? = error else {
        Issue.record("expected nonFiniteLoss, got \(String(describing: error))")
        return
      }
      let size = batchSize ?? data.count
      let perEpoch = (data.count + size - 1) / size
      #expect(!loss.isFinite)
      #expect(step > 3, "a few good steps come first")
      #expect(sgd.stepCount == step - 1)
      #expect(sgd.snapshots.count == step - 1)
      #expect(epoch == (step - 1) / perEpoch + 1)
      #expect(reports.map(\.epoch) == Array(1..<epoch))
      #expect(reports.allSatisfy { $0.loss.isFinite })
      // The model holds the parameters of the last good step, all finite.
      let lastGood = sgd.snapshots.last ?? initial
      #expect(bits(model.parameterValues) == bits(lastGood))
      #expect(model.parameterValues.allSatisfy { $0.isFinite })
      // The named step's batch really has a non-finite loss at these parameters.
      let first = ((step - 1) % perEpoch) * size
      let rows = Array(first..<Swift.min(first + size, data.count))
      let recomputed = Tape.scope {
        Loss.meanSquaredError(rows.map { model(data.features[$0]) }, rows.map { data.targets[$0] })
          .data
      }
      #expect(!recomputed.isFinite)
      // Full batch: the same run stopped one epoch earlier ends where this one stopped.
      if batchSize == nil && epoch > 1 {
        let twin = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 1)
        var twinSGD = try SGD(parameters: twin.parameters, learningRate: 1e3)
        try train(
          twin, on: data, loss: .meanSquaredError, optimizer: &twinSGD,
          options: TrainingOptions(epochs: epoch - 1, shuffle: false))
        #expect(bits(twin.parameterValues) == bits(model.parameterValues))
      }
    }
  }

  @Test("data whose loss overflows stops at the step of its batch; earlier steps are kept")
  func overflowingBatchStopsAtItsStep() throws {
    try Tape().withCurrent {
      let data = try Dataset(
        features: [[0.5, -0.5], [0.25, 1], [1e200, 1e200], [0, 1]], labels: [1, 0, 1, 0])
      let model = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 2)
      var sgd = StepRecorder(try SGD(parameters: model.parameters, learningRate: 0.1))
      var calls = 0
      let error = #expect(throws: TrainingError.self) {
        try train(
          model, on: data, loss: .meanSquaredError, optimizer: &sgd,
          options: TrainingOptions(epochs: 3, batchSize: 2, shuffle: false)
        ) { _ in calls += 1 }
      }
      guard case .nonFiniteLoss(epoch: 1, step: 2, let loss)? = error else {
        Issue.record("expected nonFiniteLoss(epoch: 1, step: 2), got \(String(describing: error))")
        return
      }
      #expect(loss == .infinity)
      #expect(sgd.stepCount == 1)
      #expect(bits(model.parameterValues) == bits(sgd.snapshots[0]))
      #expect(calls == 0)
    }
  }

  @Test("a non-finite first step leaves the model and Adam's moments exactly as they were")
  func nonFiniteFirstStepChangesNothing() throws {
    try Tape().withCurrent {
      let data = try Dataset(features: [[1, 2], [1e300, -1e300], [3, 4]], labels: [0, 1, 1])
      let model = MLP(inputSize: 2, layerSizes: [4, 1], activation: .linear, seed: 5)
      let values = bits(model.parameterValues)
      var adam = try Adam(parameters: model.parameters, learningRate: 0.01)
      let state = adam.state
      let error = #expect(throws: TrainingError.self) {
        try train(
          model, on: data, loss: .meanSquaredError, optimizer: &adam,
          options: TrainingOptions(epochs: 5))
      }
      guard case .nonFiniteLoss(epoch: 1, step: 1, let loss)? = error else {
        Issue.record("expected nonFiniteLoss(epoch: 1, step: 1), got \(String(describing: error))")
        return
      }
      #expect(!loss.isFinite)
      #expect(bits(model.parameterValues) == values)
      #expect(adam.stepCount == 0)
      #expect(adam.state == state)
    }
  }

  @Test("a finite loss with an infinite gradient also stops before the update")
  func infiniteGradientStops() throws {
    try Tape().withCurrent {
      // ŷ = w₂(w₁x + b₁) + b₂ with x = 1e200, w₁ = 1, w₂ = 1e-90: ŷ = 1e110, the
      // loss ŷ² = 1e220 is finite, but ∂L/∂w₂ = 2ŷ·(w₁x) = 2e310 overflows.
      let data = try Dataset(features: [[1e200]], labels: [0])
      let model = MLP(inputSize: 1, layerSizes: [1, 1], activation: .linear)
      try model.setParameterValues([1, 0, 1e-90, 0])
      let values = bits(model.parameterValues)
      var sgd = try SGD(parameters: model.parameters, learningRate: 1e-300)
      let error = #expect(throws: TrainingError.self) {
        try train(
          model, on: data, loss: .meanSquaredError, optimizer: &sgd,
          options: TrainingOptions(epochs: 1))
      }
      guard case .nonFiniteLoss(epoch: 1, step: 1, let bad)? = error else {
        Issue.record("expected nonFiniteLoss(epoch: 1, step: 1), got \(String(describing: error))")
        return
      }
      #expect(!bad.isFinite)
      #expect(bits(model.parameterValues) == values)
      #expect(sgd.stepCount == 0)
    }
  }
}
