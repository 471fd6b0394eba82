// A mini-batch's graph recorded once with its inputs and targets as leaves,
// and replayed for each later batch of the same size with the leaves
// rewritten: the same nodes and bits as recording every batch.

/// One batch's loss recorded on a tape with every input number and every
/// target number a leaf of its own (``Loss/leafTargets(_:outputSize:)``),
/// so that its graph does not depend on which examples it holds: the next
/// batch of as many examples writes its numbers into the same leaves and
/// replays (``Recording/replay()``).
final class MiniBatchRecording {
  /// The examples the graph holds.
  let count: Int
  private let recording: Recording
  /// The leaves of the examples' numbers, row after row.
  private let inputs: [Value]
  private let targets: [Value]
  /// The model's output nodes, row after row.
  let outputs: [UInt32]
  private let data: Dataset
  private let loss: Loss
  private let outputSize: Int

  /// Records the part of a batch of `batchCount` examples that `rows`
  /// contribute, `Σᵢ ℓᵢ · (1/batchCount)`, plus `l2 · Σ p²` over `penalty`
  /// when given, on `tape` with `model` (whose parameters are on `tape`).
  init<M: Model>(
    on tape: Tape, rows: ArraySlice<Int>, model: M, data: Dataset, loss: Loss, batchCount: Int,
    l2: Double, penalty: [Value]?
  ) {
    count = rows.count
    self.data = data
    self.loss = loss
    let outputSize = model.outputSize
    self.outputSize = outputSize
    var inputs: [Value] = []
    var targets: [Value] = []
    var outputs: [UInt32] = []
    // The body runs once: a recording that is not replayable is never
    // replayed (callers check ``isReplayable`` and record every batch).
    recording = Recording(on: tape) {
      let predicted = rows.map { row -> [Value] in
        let x = data.features[row].map { Value($0) }
        inputs.append(contentsOf: x)
        return model(x)
      }
      var perExample: [Value] = []
      for (k, row) in rows.enumerated() {
        let numbers = loss.leafTargets(data.targets[row], outputSize: outputSize) ?? []
        let t = numbers.map { Value($0) }
        targets.append(contentsOf: t)
        perExample.append(loss.exampleLoss(output: predicted[k], targetLeaves: t))
      }
      var total = Value.sum(perExample) * (1.0 / Double(batchCount))
      if let penalty, l2 > 0 { total = total + l2Penalty(penalty, coefficient: l2) }
      outputs = predicted.flatMap { $0.map(\.index) }
      return total
    }
    self.inputs = inputs
    self.targets = targets
    self.outputs = outputs
  }

  /// The loss as recorded.
  var output: Value { recording.output }

  /// Whether the model read no value's data while recording, so that the
  /// graph can be replayed; otherwise the caller records every batch.
  var isReplayable: Bool { recording.isReplayable }

  /// Writes the numbers of `rows` (as many examples as were recorded) into
  /// the leaves and recomputes the graph: the loss of those examples.
  func replay(rows: ArraySlice<Int>) -> Value {
    var i = 0
    var j = 0
    for row in rows {
      for x in data.features[row] {
        inputs[i].data = x
        i += 1
      }
      for y in loss.leafTargets(data.targets[row], outputSize: outputSize) ?? [] {
        targets[j].data = y
        j += 1
      }
    }
    return recording.replay()
  }

  /// Whether replaying pays for `model`: each input of a replayed batch is
  /// a leaf, whose gradient the sweep computes (a product per weight that
  /// reads it) where a recorded batch's constant input costs nothing. So a
  /// model that records few nodes per input replays slower than it records:
  /// an MLP 64-32-10, 2 nodes an input, trains 20 epochs of W3 in 0.113 s
  /// recorded and 0.139 s replayed; seed 004's network, 27 nodes an input,
  /// 1.33 s an epoch recorded and 0.95 s replayed. Replay is chosen at 4
  /// nodes an input or more, counted on one example recorded on a scratch
  /// tape. The choice changes the time only: the bits are the same.
  static func pays(for model: some Model) -> Bool {
    let tape = Tape()
    return tape.withCurrent {
      let replica = model.copy()
      let before = tape.count
      _ = replica([Double](repeating: 0.5, count: model.inputSize))
      return tape.count - before >= 4 * Swift.max(1, model.inputSize)
    }
  }

  /// Whether every target of `data` has leaves, so that a batch's graph
  /// does not depend on the examples in it.
  static func applies(to data: Dataset, loss: Loss, outputSize: Int) -> Bool {
    data.targets.allSatisfy { loss.leafTargets($0, outputSize: outputSize) != nil }
  }
}
