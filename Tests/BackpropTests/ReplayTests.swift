import Backprop
import MicrogradFixtures
import Testing

@Suite("Replay: record once, run again")
struct ReplayTests {
  /// A random graph of every op of the database (that does not read data)
  /// over the given leaves, as a recording body.
  static func body(_ leaves: [Value], seed: UInt64) -> () -> Value {
    { OpDatabase.randomGraph(over: leaves, seed: seed, size: 200, outputs: 10).0 }
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

  @Test(
    "every op: replay after new leaf values gives bit for bit what recording again gives",
    arguments: OpDatabase.cases)
  func everyOp(_ c: OpCase) {
    Tape.scope {
      let leaves = c.point.map { Value($0) }
      let recording = Recording { reusing(c.op.value(leaves)) }
      #expect(recording.isReplayable == !c.op.readsData)
      // To the entry's next point, and back.
      for point in [c.otherPoint, c.point] {
        for (leaf, x) in zip(leaves, point) { leaf.data = x }
        for leaf in leaves { leaf.zeroGrad() }
        let replayed = recording.replay()
        replayed.backward(gradient: upstream)
        let replayedData = replayed.data.bitPattern
        let replayedGrads = leaves.map(\.grad.bitPattern)
        for leaf in leaves { leaf.zeroGrad() }
        let fresh = Tape.scope { () -> UInt64 in
          let y = reusing(c.op.value(leaves))
          y.backward(gradient: upstream)
          return y.data.bitPattern
        }
        #expect(replayedData == fresh, "at \(point)")
        #expect(replayedGrads == leaves.map(\.grad.bitPattern), "at \(point)")
      }
    }
  }

  /// Replays `body` after new leaf data and checks the output's data and
  /// every leaf's gradient, bit for bit, against recording it again.
  static func expectReplayMatchesRecording(
    leaves: [Value], seed: UInt64, _ body: @escaping () -> Value,
    sourceLocation: SourceLocation = #_sourceLocation
  ) {
    var rng = SeededGenerator(seed: seed)
    let recording = Recording(body)
    #expect(recording.isReplayable, sourceLocation: sourceLocation)
    for _ in 0..<3 {
      for leaf in leaves { leaf.data = rng.nextUniform(in: -2, 2) }
      for leaf in leaves { leaf.zeroGrad() }
      let replayed = recording.replay()
      replayed.backward()
      let replayedData = replayed.data.bitPattern
      let replayedGrads = leaves.map(\.grad.bitPattern)
      for leaf in leaves { leaf.zeroGrad() }
      let fresh = Tape.scope { () -> UInt64 in
        let y = body()
        y.backward()
        return y.data.bitPattern
      }
      #expect(replayedData == fresh, sourceLocation: sourceLocation)
      #expect(replayedGrads == leaves.map(\.grad.bitPattern), sourceLocation: sourceLocation)
    }
  }

  /// Layers of neurons over values: the dot products that replay computes
  /// four at a time as a matrix-vector product (shared inputs, consecutive
  /// weights), next to widths that leave a remainder of 1, 2 and 3.
  @Test("layers of neurons replay bit for bit", arguments: [1, 2, 3, 4, 5, 6, 7, 9, 16])
  func layersReplayBitForBit(width: Int) {
    Tape.scope {
      var rng = SeededGenerator(seed: UInt64(width))
      let inputs = (0..<5).map { _ in Value(rng.nextUniform(in: -1, 1)) }
      let hidden = Layer(inputSize: 5, outputSize: width, activation: .tanh, using: &rng)
      let output = Layer(inputSize: width, outputSize: 3, activation: .relu, using: &rng)
      let leaves = inputs + hidden.parameters + output.parameters
      Self.expectReplayMatchesRecording(leaves: leaves, seed: 77) {
        Value.sum(output(hidden(inputs)))
      }
    }
  }

  /// Dot products that look like neurons but are not: weights that are not
  /// consecutive, inputs that differ, lengths that differ, all at one level.
  @Test func dotProductsThatAreNotNeuronsReplayBitForBit() {
    Tape.scope {
      var rng = SeededGenerator(seed: 5)
      let leaves = (0..<40).map { _ in Value(rng.nextUniform(in: -1, 1)) }
      let x = Array(leaves[0..<4])
      Self.expectReplayMatchesRecording(leaves: leaves, seed: 6) {
        var terms: [Value] = []
        for k in 0..<6 {
          let consecutive = Array(leaves[(4 + 4 * k)..<(8 + 4 * k)])
          let strided = [leaves[4 + k], leaves[10 + k], leaves[16 + k], leaves[22 + k]]
          let shifted = [x[1], x[2], x[3], x[0]]
          terms.append(Value.dot(consecutive, k % 2 == 0 ? x : shifted))
          terms.append(Value.dot(strided, x))
          terms.append(Value.dot(Array(consecutive.prefix(3)), Array(x.prefix(3))))
          terms.append(Value.dot(x, consecutive))  // the inputs on the left
        }
        return Value.sum(terms.map { $0.tanh() })
      }
    }
  }

  /// A recording much longer than replay's window, whose nodes depend on
  /// nodes in earlier windows.
  @Test func aLongChainReplaysBitForBit() {
    Tape.scope {
      let leaves = [Value(0.3), Value(0.9), Value(-0.2)]
      Self.expectReplayMatchesRecording(leaves: leaves, seed: 8) {
        var x = leaves[0]
        var history: [Value] = []
        for k in 0..<3_000 {
          x = (x * leaves[1] + leaves[2]).tanh()
          if k % 97 == 0 { history.append(x) }
          if k % 301 == 0, history.count > 2 { x = x + history[history.count / 2] * 0.1 }
        }
        return x + Value.sum(history)
      }
    }
  }

  /// A body that records more than a window of leaves before its graph.
  @Test func aWindowOfLeavesOnly() {
    Tape.scope {
      var leaves: [Value] = []
      let recording = Recording {
        leaves = (0..<1_500).map { Value(Double($0)) }
        return Value.sum(leaves) * 2
      }
      #expect(recording.output.data == 2 * 1_124_250)
      leaves[0].data = 1_000
      #expect(recording.replay().data == 2 * 1_125_250)
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
          options: TrainingOptions(epochs: 30, l2: 1e-4, replaysFullBatch: replay))
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
