import Backprop
import MicrogradFixtures
import Testing

@Suite("Replay: record once, run again")
struct ReplayTests {
  /// A random graph over the given leaves, using every op (the trace tests'
  /// generator), as a recording body.
  static func body(_ leaves: [Value], seed: UInt64) -> () -> Value {
    {
      var rng = SeededGenerator(seed: seed)
      var values = leaves
      func pick() -> Value { values[rng.nextIndex(values.count)] }
      for _ in 0..<200 {
        let a = pick()
        let b = pick()
        let c = rng.nextUniform(in: 0.5, 1.5)
        let v: Value
        switch rng.nextIndex(14) {
        case 0: v = a + b
        case 1: v = a * b - c
        case 2: v = a / (b.abs() + c)
        case 3: v = (a.abs() + 0.1).pow(b.tanh())
        case 4: v = Value.maximum(a, b) + Value.minimum(a, b)
        case 5: v = c / (a.abs() + 0.5) + (a.abs() + 0.1).pow(c)
        case 6: v = a.leakyReLU(slope: 0.1) + a.elu(alpha: 0.7) + (-a)
        case 7: v = (a.tanh()).exp() + (a.abs() + 0.5).log() + (a.abs() + 0.5).sqrt()
        case 8: v = a.sigmoid() + a.relu() + a.softplus() + a.step()
        case 9: v = Value.sum([a, b, pick()])
        case 10: v = Value.dot([a, b], [pick(), pick()])
        case 11: v = Value.dot([a, b, pick()], [c, -c, 0.5])
        case 12: v = Value.logSumExp([a, b, pick()])
        default: v = c - a * c
        }
        values.append(v.tanh())
      }
      return Value.sum(Array(values.suffix(10)))
    }
  }

  @Test("replay gives bit for bit what recording again gives", arguments: 0..<6)
  func replayEqualsRecording(seed: UInt64) {
    Tape.scope {
      var rng = SeededGenerator(seed: 1000 + seed)
      let leaves = (0..<8).map { _ in Value(rng.nextUniform(in: -2, 2)) }
      let recording = Recording(Self.body(leaves, seed: seed))
      #expect(recording.isReplayable)
      for _ in 0..<3 {
        for leaf in leaves { leaf.data = rng.nextUniform(in: -2, 2) }
        let countBefore = Tape.current.count
        for leaf in leaves { leaf.zeroGrad() }
        let replayed = recording.replay()
        #expect(Tape.current.count == countBefore)  // nothing recorded
        replayed.backward()
        let replayedData = replayed.data.bitPattern
        let replayedGrads = leaves.map(\.grad.bitPattern)

        for leaf in leaves { leaf.zeroGrad() }
        let fresh = Tape.scope { () -> UInt64 in
          let y = Self.body(leaves, seed: seed)()
          y.backward()
          return y.data.bitPattern
        }
        #expect(replayedData == fresh)
        #expect(replayedGrads == leaves.map(\.grad.bitPattern))
      }
    }
  }

  @Test func theDocumentedExample() {
    Tape.scope {
      let w = Value(0.5)
      let x = Value(2.0)
      let recording = Recording { (w * x - 1).pow(2) }
      #expect(recording.output.data == 0)
      w.data = 1.5
      #expect(recording.replay().data == 4)
    }
  }

  @Test func aBodyThatBranchesOnDataIsRecordedAgain() {
    Tape.scope {
      let x = Value(2.0)
      let recording = Recording { x.data > 0 ? x * 3 : x.exp() }
      #expect(!recording.isReplayable)
      #expect(recording.output.data == 6)
      x.data = -1
      let y = recording.replay()  // the other branch, not the recorded one
      #expect(y.data == (-1.0).exponentialForTests)
      y.backward()
      #expect(x.grad == y.data)
    }
  }

  @Test func trainingWithAndWithoutReplayIsBitIdentical() throws {
    try Tape.scope {
      let data = try Dataset(features: MicrogradDemo.features, labels: MicrogradDemo.labels)
      var runs: [[UInt64]] = []
      for replay in [true, false] {
        let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
        try model.setParameterValues(MicrogradDemo.initialParameters)
        var sgd = try SGD(
          parameters: model.parameters, learningRate: 1.0,
          schedule: .linearDecay(final: 0.1, steps: 30))
        let reports = try train(
          model, on: data, loss: .hinge, optimizer: &sgd,
          options: TrainingOptions(epochs: 30, l2: 1e-4, replay: replay))
        runs.append(reports.map(\.loss.bitPattern) + model.parameterValues.map(\.bitPattern))
      }
      #expect(runs[0] == runs[1])
    }
  }

  @Test func replayingAReleasedRecordingStops() async {
    await #expect(processExitsWith: .failure) {
      let recording = Tape.scope { Recording { Value(1.0) * 2 } }
      recording.replay()
    }
  }
}

extension Double {
  /// e^self, for expectations.
  fileprivate var exponentialForTests: Double { Value(self).exp().data }
}
