import Backprop
import Foundation
import Testing

/// The README's example, with the output it shows.
@Suite("README example")
struct ReadmeExampleTests {
  @Test func printsWhatTheReadmeSays() {
    Tape.scope {
      let a = Value(2.0)
      let b = Value(-3.0)
      let c = (a * b + a.pow(2)).tanh() / 2 - 1
      c.backward()
      #expect("\(c.data)" == "-1.4820137900379085")
      #expect("\(a.grad)" == "0.035325412426582214")
      #expect("\(b.grad)" == "0.07065082485316443")
    }
  }
}

@Suite("README training example")
struct ReadmeTrainingExampleTests {
  /// The README's training example, as written there except that it saves
  /// to a temporary file and collects the reports instead of printing them.
  @Test func trainsAndSaves() throws {
    try Tape.scope {
      var rng = SeededGenerator(seed: 7)
      let data = try Dataset.twoMoons(count: 200, noise: 0.1, using: &rng).signedLabels()
      let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu, seed: 7)
      var sgd = try SGD(
        parameters: model.parameters, learningRate: 0.5,
        schedule: .linearDecay(final: 0.05, steps: 200))
      var reports: [EpochReport] = []
      try train(
        model, on: data, loss: .hinge, optimizer: &sgd,
        options: TrainingOptions(epochs: 200, batchSize: 32, l2: 1e-4)
      ) { report in
        reports.append(report)
      }
      #expect(reports.count == 200)
      #expect((reports.last?.accuracy ?? 0) >= 0.97)
      #expect(reports.last?.layerGradientNorms.count == 3)
      let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("readme-moons-\(UInt64.random(in: 0...UInt64.max)).json").path
      defer { try? FileManager.default.removeItem(atPath: path) }
      try model.save(to: path)
      #expect(try MLP.load(from: path).parameterValues == model.parameterValues)
    }
  }
}
