// The loss, outputs and gradient of one batch, for the training loop: on the
// model's own tape, or split into shards that run on tapes of their own,
// in parallel when there are threads for them.

/// Computes a batch's loss, the model's outputs for its examples and the
/// gradient of the loss with respect to the model's parameters (left in
/// their `grad`).
///
/// **One shard** (``TrainingOptions/shards`` is 1, or the batch has one
/// example): the batch loss is recorded on the model's tape as one graph and
/// differentiated by one sweep, or, for the full batch, recorded once and
/// replayed (``Recording``).
///
/// **S shards:** the batch is cut into S runs of consecutive examples, the
/// first `B mod S` one example longer than the rest. Shard s has a tape of
/// its own with a copy of the model (its *replica*); at each step the
/// replica gets the model's parameter values, records (or replays) the part
/// of the batch loss its examples contribute, `Σᵢ ℓᵢ · (1/B)` (shard 0 also
/// the L2 penalty), and back-propagates it into the replica's parameters.
/// Then the model's gradient is the shards' gradients added in shard order,
/// g₀ + g₁ + … + g_{S−1}, and the loss their losses added in the same order.
/// Each shard's arithmetic depends only on its examples and the parameters,
/// and the sums run in a fixed order, so the result is bit for bit the same
/// whichever threads ran the shards and however many there were.
final class BatchGradient<M: Model> {
  private let model: M
  private let tape: Tape
  private let data: Dataset
  private let loss: Loss
  private let l2: Double
  private let l2IncludesBiases: Bool
  private let replay: Bool
  /// Whether mini-batches of the full size are recorded once and replayed.
  private let replaysMiniBatches: Bool
  /// The size of a full mini-batch.
  private let batchSize: Int
  private let shardLimit: Int
  private let parameters: ParameterBlock
  private let penalised: [Value]
  private let runner: any TaskRunner

  /// One shard: the plain graph on the model's tape, recorded once for the
  /// full batch.
  private var fullBatch: Recording?
  /// The full-batch recording's output nodes, row after row.
  private var fullBatchOutputs: [UInt32] = []
  /// One shard: the graph of a full mini-batch, recorded once.
  private var miniBatch: MiniBatchRecording?
  /// Several shards: their replicas, made when first needed.
  private var shards: [Shard<M>] = []
  /// The model's parameter values, copied once per step for the shards to
  /// read (the model's tape is not touched by other threads).
  private var parameterValues: [Double]

  /// Prepares the batches of training `model` (whose parameters live on
  /// `tape`) on `data`.
  init(model: M, tape: Tape, data: Dataset, loss: Loss, options: TrainingOptions) {
    self.model = model
    self.tape = tape
    self.data = data
    self.loss = loss
    l2 = options.l2
    l2IncludesBiases = options.l2IncludesBiases
    replay = options.replaysFullBatch
    batchSize = Swift.min(options.batchSize ?? data.count, data.count)
    replaysMiniBatches =
      options.replaysMiniBatches && batchSize < data.count
      && MiniBatchRecording.applies(to: data, loss: loss, outputSize: model.outputSize)
      && MiniBatchRecording.pays(for: model)
    shardLimit = options.shards
    parameters = ParameterBlock(model.parameters)
    penalised = Self.penalised(model, includeBiases: options.l2IncludesBiases)
    parameterValues = Array(repeating: 0, count: parameters.count)
    let batch = Swift.min(options.batchSize ?? data.count, data.count)
    runner = makeTaskRunner(threads: Swift.min(options.threads, options.shards, batch))
  }

  /// The parameters an L2 penalty applies to: all, or the weights only.
  fileprivate static func penalised(_ model: M, includeBiases: Bool) -> [Value] {
    includeBiases ? model.parameters : model.nonBiasParameters
  }

  /// The batch of the examples `rows` (positions in the data set): sets the
  /// parameters' gradients to the gradient of the batch loss (when it is
  /// finite), writes the outputs for `rows[k]` to row k of `outputs` (the
  /// model's outputs, row after row) and returns the loss.
  func evaluate(rows: ArraySlice<Int>, isFullBatch: Bool, outputs: inout [Double]) -> Double {
    let shardCount = Swift.min(shardLimit, rows.count)
    if shardCount == 1 {
      return evaluateOnModelTape(rows: rows, isFullBatch: isFullBatch, outputs: &outputs)
    }
    return evaluateSharded(
      rows: rows, shardCount: shardCount, isFullBatch: isFullBatch, outputs: &outputs)
  }

  /// The batch loss of `rows` recorded on `shardTape` with `replica`, as
  /// the part `batchCount` examples' batch gets from them, plus the L2
  /// penalty when `penalty` lists the parameters it applies to.
  private func recordLoss(
    of rows: ArraySlice<Int>, with replica: M, batchCount: Int, penalty: [Value]?
  ) -> (total: Value, outputs: [UInt32]) {
    let outputs = rows.map { replica(data.features[$0]) }
    var total = loss.partialLoss(outputs, rows.map { data.targets[$0] }, batchCount: batchCount)
    if let penalty, l2 > 0 { total = total + l2Penalty(penalty, coefficient: l2) }
    return (total, outputs.flatMap { $0.map(\.index) })
  }

  /// Writes the data of the nodes `nodes` of `tape` to `outputs` from
  /// `offset` on. The nodes are live: the caller recorded them.
  fileprivate static func read(
    _ nodes: [UInt32], of tape: Tape, into outputs: inout [Double], at offset: Int
  ) {
    let data = tape.storage.data
    for (k, i) in nodes.enumerated() { outputs[offset + k] = data[Int(i)] }
  }

  // MARK: One shard

  private func evaluateOnModelTape(
    rows: ArraySlice<Int>, isFullBatch: Bool, outputs: inout [Double]
  ) -> Double {
    if isFullBatch && replay {
      // The same graph at every step: recorded once (in the scope `train`
      // opens around the whole run) and replayed.
      let total: Value
      if let fullBatch {
        total = fullBatch.replay()
      } else {
        // unowned: the recording is this object's, and its body runs only
        // while this object does.
        let recording = Recording(on: tape) { [unowned self] in
          let (total, recorded) = self.recordLoss(
            of: rows, with: self.model, batchCount: rows.count, penalty: self.penalised)
          self.fullBatchOutputs = recorded
          return total
        }
        fullBatch = recording
        total = recording.output
      }
      let value = total.data
      if value.isFinite { total.backward() }
      Self.read(fullBatchOutputs, of: tape, into: &outputs, at: 0)
      return value
    }
    if replaysMiniBatches, rows.count == batchSize, let total = replayMiniBatch(rows) {
      let value = total.data
      if value.isFinite { total.backward() }
      Self.read(miniBatch?.outputs ?? [], of: tape, into: &outputs, at: 0)
      return value
    }
    return tape.withCurrent {
      tape.scope { () -> Double in
        let (total, recorded) = recordLoss(
          of: rows, with: model, batchCount: rows.count, penalty: penalised)
        let value = total.data
        if value.isFinite { total.backward() }
        Self.read(recorded, of: tape, into: &outputs, at: 0)
        return value
      }
    }
  }

  /// A full mini-batch on the model's tape: recorded the first time (in
  /// the scope `train` opens around the run), replayed with the rows'
  /// numbers after; nil when the model's graph cannot be replayed (it read
  /// a value's data), and then every batch is recorded.
  private func replayMiniBatch(_ rows: ArraySlice<Int>) -> Value? {
    if let miniBatch {
      return miniBatch.isReplayable ? miniBatch.replay(rows: rows) : nil
    }
    let recording = MiniBatchRecording(
      on: tape, rows: rows, model: model, data: data, loss: loss, batchCount: rows.count,
      l2: l2, penalty: penalised)
    miniBatch = recording
    return recording.output
  }

  // MARK: Several shards

  private func evaluateSharded(
    rows: ArraySlice<Int>, shardCount: Int, isFullBatch: Bool, outputs: inout [Double]
  ) -> Double {
    while shards.count < shardCount {
      shards.append(Shard(replicating: model, penaltyIncludesBiases: l2IncludesBiases))
    }
    parameters.withBuffers(writingData: false) { data, _ in
      for k in 0..<data.count { parameterValues[k] = data[k] }
    }
    let batchCount = rows.count
    let base = batchCount / shardCount
    let longer = batchCount % shardCount
    let start = rows.startIndex
    func range(of s: Int) -> Range<Int> {
      let lower = start + s * base + Swift.min(s, longer)
      return lower..<(lower + base + (s < longer ? 1 : 0))
    }
    let values = parameterValues
    let mode: Shard<M>.Mode =
      isFullBatch && replay
      ? .replayFullBatch
      : (replaysMiniBatches && batchCount == batchSize ? .replayMiniBatch : .record)
    runner.run(tasks: shardCount) { s in
      let shard = shards[s]
      shard.run(
        rows: rows[range(of: s)], parameterValues: values, mode: mode, includesPenalty: s == 0,
        record: { [unowned self] rows, replica, penalty in
          self.recordLoss(of: rows, with: replica, batchCount: batchCount, penalty: penalty)
        },
        recordMiniBatch: { [unowned self] rows, replica, penalty in
          MiniBatchRecording(
            on: shard.tape, rows: rows, model: replica, data: self.data, loss: self.loss,
            batchCount: batchCount, l2: self.l2, penalty: penalty)
        })
    }
    // The reduction, in shard order whatever ran where, on this thread.
    for shard in shards { shard.tape.adoptCurrentThread() }
    var total = 0.0
    parameters.withBuffers(writingData: false) { _, grad in
      for s in 0..<shardCount {
        let shard = shards[s]
        total = s == 0 ? shard.loss : total + shard.loss
        shard.parameters.withBuffers(writingData: false) { _, shardGrad in
          if s == 0 {
            for k in 0..<grad.count { grad[k] = shardGrad[k] }
          } else {
            for k in 0..<grad.count { grad[k] += shardGrad[k] }
          }
        }
        let offset = (range(of: s).lowerBound - start) * model.outputSize
        for (k, v) in shard.outputValues.enumerated() { outputs[offset + k] = v }
      }
    }
    return total
  }
}

/// A shard's tape, its copy of the model, and what its last step gave.
/// Only the thread running the shard touches it during a step.
private final class Shard<M: Model> {
  let tape = Tape()
  let replica: M
  let parameters: ParameterBlock
  let penalised: [Value]
  /// How a step computes the shard's loss.
  enum Mode {
    /// Recorded in a scope of the shard's tape, released after the step.
    case record
    /// The full batch's graph, recorded once and replayed.
    case replayFullBatch
    /// A full mini-batch's graph, recorded once with its numbers as leaves
    /// and replayed with each batch's.
    case replayMiniBatch
  }

  /// The full-batch graph of this shard's examples, recorded once.
  private var recording: Recording?
  /// The graph of this shard's part of a full mini-batch, recorded once.
  private var miniBatch: MiniBatchRecording?
  private var recordedOutputs: [UInt32] = []
  /// The shard's part of the batch loss in its last step.
  private(set) var loss = 0.0
  /// The model's outputs for the shard's examples in its last step, row
  /// after row.
  private(set) var outputValues: [Double] = []

  init(replicating model: M, penaltyIncludesBiases: Bool) {
    let tape = self.tape
    replica = tape.withCurrent { model.copy() }
    parameters = ParameterBlock(replica.parameters)
    penalised = BatchGradient<M>.penalised(replica, includeBiases: penaltyIncludesBiases)
  }

  /// One step: sets the replica's parameters to `parameterValues`, zeroes
  /// their gradients, records (or replays) the shard's loss with `record`
  /// and back-propagates it.
  func run(
    rows: ArraySlice<Int>, parameterValues: [Double], mode: Mode, includesPenalty: Bool,
    record: @escaping (ArraySlice<Int>, M, [Value]?) -> (total: Value, outputs: [UInt32]),
    recordMiniBatch: (ArraySlice<Int>, M, [Value]?) -> MiniBatchRecording
  ) {
    // The pool runs this shard on one thread at a time and waits for it: the
    // tape moves with it.
    tape.adoptCurrentThread()
    parameters.withBuffers { data, grad in
      for k in 0..<data.count { data[k] = parameterValues[k] }
      grad.update(repeating: 0)
    }
    let penalty = includesPenalty ? penalised : nil
    if mode == .replayMiniBatch {
      if let miniBatch, miniBatch.isReplayable, miniBatch.count == rows.count {
        let total = tape.withCurrent { miniBatch.replay(rows: rows) }
        finish(total, miniBatch.outputs)
        return
      }
      if miniBatch == nil {
        let made = tape.withCurrent { recordMiniBatch(rows, replica, penalty) }
        miniBatch = made
        finish(made.output, made.outputs)
        return
      }
    }
    if mode == .replayFullBatch {
      let total: Value
      if let recording {
        total = recording.replay()
      } else {
        let recording = Recording(on: tape) { [unowned self] in
          let (total, outputs) = record(rows, self.replica, penalty)
          self.recordedOutputs = outputs
          return total
        }
        self.recording = recording
        total = recording.output
      }
      finish(total, recordedOutputs)
      return
    }
    tape.withCurrent {
      tape.scope {
        let (total, outputs) = record(rows, replica, penalty)
        finish(total, outputs)
      }
    }
  }

  private func finish(_ total: Value, _ outputs: [UInt32]) {
    loss = total.data
    if loss.isFinite { total.backward() }
    if outputValues.count != outputs.count {
      outputValues = Array(repeating: 0, count: outputs.count)
    }
    BatchGradient<M>.read(outputs, of: tape, into: &outputValues, at: 0)
  }
}
