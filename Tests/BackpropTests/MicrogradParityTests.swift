import Backprop
import MicrogradFixtures
import Testing

/// micrograd's demo, number for number: its data, its 337 initial weights,
/// its loss (hinge + 1e-4·Σp²), its schedule (1 − 0.9k/100), 100 full-batch
/// steps; the loss must match the curve micrograd 0.1.0 printed within 1e-9
/// relative at every step, and the accuracy exactly.
@Suite("micrograd's demo, number for number")
struct MicrogradParityTests {
  @Test func lossCurveAndAccuracyMatchMicrogradAtEveryStep() throws {
    try Tape.scope {
      let data = try Dataset(features: MicrogradDemo.features, labels: MicrogradDemo.labels)
      let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
      #expect(model.parameterCount == 337)
      try model.setParameterValues(MicrogradDemo.initialParameters)
      var sgd = try SGD(
        parameters: model.parameters, learningRate: 1.0,
        schedule: .linearDecay(final: 0.1, steps: 100))
      let history = try train(
        model, on: data, loss: .hinge, optimizer: &sgd,
        options: TrainingOptions(epochs: 100, l2: 1e-4))
      #expect(history.count == 100)
      for (step, (report, reference)) in zip(history, MicrogradDemo.referenceCurve).enumerated() {
        let relative = abs(report.loss - reference.loss) / abs(reference.loss)
        #expect(relative <= 1e-9, "step \(step): \(report.loss) vs micrograd \(reference.loss)")
        #expect(report.accuracy == reference.accuracy, "step \(step)")
      }
      // Step 0 (no update yet) agrees to the last bit or two: micrograd sums
      // a neuron as b + w₀x₀ + w₁x₁ + …, Backprop as (w₀x₀ + w₁x₁ + …) + b.
      #expect(abs(history[0].loss - 0.8958441028683222) <= 2 * 0.8958441028683222.ulp)
    }
  }

  /// The same loop written as micrograd's notebook writes it, with plain
  /// engine calls and no training API: the engine alone reproduces the curve.
  @Test func theNotebookLoopWrittenWithValuesMatchesToo() throws {
    try Tape.scope {
      let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
      try model.setParameterValues(MicrogradDemo.initialParameters)
      for k in 0..<100 {
        let (loss, accuracy) = Tape.scope { () -> (Double, Double) in
          let scores = MicrogradDemo.features.map { model($0)[0] }
          let losses = zip(MicrogradDemo.labels, scores).map { y, s in (1 + -y * s).relu() }
          let dataLoss = Value.sum(losses) * (1.0 / Double(losses.count))
          let regLoss = 1e-4 * Value.sum(model.parameters.map { $0 * $0 })
          let total = dataLoss + regLoss
          let correct = zip(MicrogradDemo.labels, scores).filter { ($0 > 0) == ($1.data > 0) }
          model.zeroGrad()
          total.backward()
          return (total.data, Double(correct.count) / Double(scores.count))
        }
        let learningRate = 1.0 - 0.9 * Double(k) / 100
        for p in model.parameters { p.data -= learningRate * p.grad }
        let reference = MicrogradDemo.referenceCurve[k]
        #expect(abs(loss - reference.loss) <= 1e-9 * reference.loss, "step \(k)")
        #expect(accuracy == reference.accuracy, "step \(k)")
      }
    }
  }
}
