// How much memory `train` takes at its peak, worked out before it starts:
// the nodes one example records, counted on a scratch tape, times the
// examples recorded at once, in the tapes' own growth rule.

import Foundation

/// The bytes that ``train(_:on:loss:optimizer:options:progress:)`` holds at
/// its peak for a data set of `rows` examples, beyond the model and the data
/// set themselves: the tapes the batches are recorded on, the full batch's
/// replay schedule, and the per-example bookkeeping of the loop.
///
///     let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
///     let bytes = estimatedTrainingMemory(
///       model: model, rows: 1_000_000, loss: .hinge, options: TrainingOptions(epochs: 10))
///     if bytes > physicalMemoryBytes() / 2 { print("use a batch size") }
///
/// How it is worked out: the model's loss for one example and for two is
/// recorded on a scratch tape (a copy of the model, so the model's tape is not
/// touched), which gives the nodes, sum operands and constants each example
/// records and those the batch records once (the mean, the L2 penalty). A
/// batch records its examples all at once (the whole data set for full batch,
/// kept for the run when it is replayed), on the model's tape or cut into
/// ``TrainingOptions/shards`` tapes of their own; the estimate is the bytes
/// those tapes reach by their growth rule (node columns of
/// ``Tape/bytesPerNode`` bytes, doubling from 1,024 nodes; the operand and
/// constant tables; the backward sweep's bitmap), plus, for a replayed full
/// batch, the replay schedule (4 bytes per node and its runs), plus about
/// 88 + 28·K bytes per example of the batch for K outputs (the shuffled
/// order, the outputs, the handles recorded while the batch is built).
///
/// **The bound.** For tapes that start empty, the tape part equals the
/// largest ``Tape/allocatedBytes`` the run's tapes reach, and the whole
/// estimate is at least that and at most about 1.5 times it (tested from 10
/// to 5,000 examples, full batch, mini-batch and sharded). Memory the model's
/// tape held before training, the data set (about 8 bytes per number plus 32
/// per row) and the model's parameters are not included. Pages of the tapes
/// are committed as they are first written, so the memory in use lies
/// between about half the estimate (the capacity doubles ahead of the
/// nodes) and the estimate.
///
/// - Parameters:
///   - model: The network to train.
///   - rows: The examples of the training data.
///   - loss: The loss it will be trained with.
///   - options: The training options (batch size, shards, replay, L2).
/// - Returns: Bytes at the peak; 0 for no rows.
public func estimatedTrainingMemory(
  model: some Model, rows: Int, loss: Loss, options: TrainingOptions
) -> Int {
  guard rows > 0 else { return 0 }
  let counts = RecordedCounts(model: model, loss: loss, l2: options.l2 > 0,
                              l2IncludesBiases: options.l2IncludesBiases)
  let batch = options.effectiveBatchSize(count: rows)
  let shardCount = Swift.max(1, Swift.min(options.shards, batch))
  let replayed = options.replaysFullBatch && batch == rows
  // A full mini-batch recorded once with its numbers as leaves, kept for
  // the run, and the shorter last batch recorded after it.
  let miniBatches = options.replaysMiniBatches && batch < rows
  let short = miniBatches ? rows % batch : 0
  let width = model.outputSize
  var bytes = batch * (88 + 28 * width)
  let parameters = model.parameters.count
  if shardCount == 1 {
    bytes += counts.tapeBytes(
      rows: batch, leaves: parameters, penalty: true, schedule: replayed || miniBatches,
      asLeaves: miniBatches, thenRows: short)
  } else {
    // The model's tape keeps its parameters; each shard a replica, its
    // examples (the first `batch % shards` shards one more), shard 0 the
    // penalty.
    bytes += TapeGrowth.bytes(nodes: parameters, operands: 0, constants: 0, swept: false)
    let base = batch / shardCount
    let longer = batch % shardCount
    for s in 0..<shardCount {
      let shortShard = short / shardCount + (s < short % shardCount ? 1 : 0)
      bytes += counts.tapeBytes(
        rows: base + (s < longer ? 1 : 0), leaves: parameters, penalty: s == 0,
        schedule: replayed || miniBatches, asLeaves: miniBatches, thenRows: shortShard)
    }
  }
  return bytes
}

/// The physical memory of this machine in bytes, for judging an
/// ``estimatedTrainingMemory(model:rows:loss:options:)`` against.
///
///     let share = physicalMemoryBytes() / 2
public func physicalMemoryBytes() -> Int {
  Int(clamping: ProcessInfo.processInfo.physicalMemory)
}

/// What recording a batch puts on a tape, per example and once per batch.
private struct RecordedCounts {
  /// Nodes, sum operands and constants for each example.
  var perRow = Counts()
  /// For the batch, once: the mean; with `penalty`, the L2 penalty too.
  var fixed = Counts()
  /// The same with the inputs and targets as leaves (a replayed mini-batch).
  var leafPerRow = Counts()
  var leafFixed = Counts()
  var penalty = Counts()
  /// Runs of the replay schedule per scheduled node (at least one run per
  /// window of nodes, in practice far fewer than nodes).
  var runsPerNode = 0.0

  struct Counts {
    var nodes = 0
    var operands = 0
    var constants = 0

    /// Each count the larger of the two.
    static func maximum(_ a: Counts, _ b: Counts) -> Counts {
      Counts(nodes: Swift.max(a.nodes, b.nodes), operands: Swift.max(a.operands, b.operands),
             constants: Swift.max(a.constants, b.constants))
    }

    static func - (a: Counts, b: Counts) -> Counts {
      Counts(nodes: a.nodes - b.nodes, operands: a.operands - b.operands,
             constants: a.constants - b.constants)
    }
  }

  init(model: some Model, loss: Loss, l2: Bool, l2IncludesBiases: Bool) {
    let tape = Tape()
    let replica = tape.withCurrent { model.copy() }
    let input = [Double](repeating: 0, count: model.inputSize)
    let storage = tape.storage
    func counts() -> Counts {
      Counts(nodes: storage.pointee.count, operands: storage.pointee.operandCount,
             constants: storage.pointee.constantCount)
    }
    func record(rows: Int, target: [Double], penalty: Bool, leaves: [Double]? = nil) -> Counts {
      tape.withCurrent {
        tape.scope {
          let before = counts()
          var total: Value
          if let leaves {
            let losses = (0..<rows).map { _ in
              let y = replica(input.map { Value($0) })
              return loss.exampleLoss(output: y, targetLeaves: leaves.map { Value($0) })
            }
            total = Value.sum(losses) * (1.0 / Double(rows))
          } else {
            let outputs = (0..<rows).map { _ in replica(input) }
            total = loss.partialLoss(
              outputs, Array(repeating: target, count: rows), batchCount: rows)
          }
          if penalty {
            let penalised =
              l2IncludesBiases
              ? replica.parameters : replica.nonBiasParameters
            total = total + l2Penalty(penalised, coefficient: 1)
          }
          _ = total
          return counts() - before
        }
      }
    }
    // The most any valid target records (a logit loss records one node more
    // for label 1 than for 0).
    for target in Self.targets(for: loss, outputSize: model.outputSize) {
      let one = record(rows: 1, target: target, penalty: false)
      let two = record(rows: 2, target: target, penalty: false)
      let row = two - one
      perRow = .maximum(perRow, row)
      let once = one - row
      fixed = .maximum(fixed, once)
      if let leaves = loss.leafTargets(target, outputSize: model.outputSize) {
        let one = record(rows: 1, target: target, penalty: false, leaves: leaves)
        let two = record(rows: 2, target: target, penalty: false, leaves: leaves)
        let row = two - one
        leafPerRow = .maximum(leafPerRow, row)
        let once = one - row
        leafFixed = .maximum(leafFixed, once)
      }
      if l2 {
        let withPenalty = record(rows: 1, target: target, penalty: true)
        let extra = withPenalty - one
        penalty = .maximum(penalty, extra)
      }
    }
    // The schedule's runs, from a sample of several windows of nodes.
    let sampleRows = Swift.max(2, (8 * ReplaySchedule.window) / Swift.max(1, perRow.nodes))
    runsPerNode = tape.withCurrent {
      tape.scope { () -> Double in
        let first = storage.pointee.count
        let outputs = (0..<sampleRows).map { _ in replica(input) }
        let target = Self.targets(for: loss, outputSize: model.outputSize)[0]
        let total = loss.partialLoss(
          outputs, Array(repeating: target, count: sampleRows), batchCount: sampleRows)
        let schedule = ReplaySchedule(storage.pointee, first: first, through: total.id)
        return Double(schedule.runs.count) / Double(Swift.max(1, schedule.nodes.count))
      }
    }
  }

  /// Valid targets of each kind `loss` accepts.
  static func targets(for loss: Loss, outputSize: Int) -> [[Double]] {
    switch loss {
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError:
      return [Array(repeating: 0, count: outputSize)]
    case .binaryCrossEntropy, .binaryCrossEntropyWithLogits:
      return [[0], [1]]
    case .hinge:
      return [[-1], [1]]
    case .softmaxCrossEntropy:
      var oneHot = Array(repeating: 0.0, count: outputSize)
      oneHot[0] = 1
      return [[0], oneHot]
    }
  }

  /// The bytes of a tape holding `leaves` leaves and the batch loss of
  /// `rows` examples (with the penalty when `penalty` and there is one),
  /// plus its replay schedule when `schedule`.
  func tapeBytes(
    rows: Int, leaves: Int, penalty includesPenalty: Bool, schedule: Bool,
    asLeaves: Bool = false, thenRows: Int = 0
  ) -> Int {
    // The leaf form records at least what the constant form does (the
    // estimate of a loss with no leaf form stays the constant one).
    let (each, once) =
      asLeaves
      ? (Counts.maximum(perRow, leafPerRow), Counts.maximum(fixed, leafFixed)) : (perRow, fixed)
    var recorded = Counts(
      nodes: once.nodes + rows * each.nodes, operands: once.operands + rows * each.operands,
      constants: once.constants + rows * each.constants)
    if includesPenalty {
      recorded.nodes += penalty.nodes
      recorded.operands += penalty.operands
      recorded.constants += penalty.constants
    }
    // A shorter batch recorded after the kept one, in the constant form.
    let after =
      thenRows > 0
      ? Counts(
        nodes: fixed.nodes + thenRows * perRow.nodes + (includesPenalty ? penalty.nodes : 0),
        operands: fixed.operands + thenRows * perRow.operands
          + (includesPenalty ? penalty.operands : 0),
        constants: fixed.constants + thenRows * perRow.constants
          + (includesPenalty ? penalty.constants : 0))
      : Counts()
    var bytes = TapeGrowth.bytes(
      nodes: leaves + recorded.nodes + after.nodes, operands: recorded.operands + after.operands,
      constants: recorded.constants + after.constants, swept: true)
    if schedule {
      // Run: an optional op, a flag and two 32-bit fields.
      let runs = Int((runsPerNode * Double(recorded.nodes)).rounded(.up)) + 1
      bytes += recorded.nodes * 4 + runs * MemoryLayout<ReplaySchedule.Run>.stride
    }
    return bytes
  }
}

/// The sizes a tape's buffers grow to, by the rules of `TapeStorage` and
/// `PendingSet`.
enum TapeGrowth {
  /// Allocated bytes of a tape that started empty and recorded `nodes`
  /// nodes, `operands` sum operands and `constants` constants, and, when
  /// `swept`, ran a backward sweep over them.
  static func bytes(nodes: Int, operands: Int, constants: Int, swept: Bool) -> Int {
    let capacity = doubled(nodes, floor: 1024)
    var bytes =
      capacity * Tape.bytesPerNode + doubled(operands, floor: 1024) * 4
      + doubled(constants, floor: 256) * 8
    if swept {
      let unit = 1 << 18
      let bitmap = (Swift.max(nodes, unit) + unit - 1) / unit * unit
      let (w0, w1, w2) = PendingSet.words(for: bitmap)
      bytes += (w0 + w1 + w2) * 8
    }
    return bytes
  }

  /// The capacity of a buffer that doubles from `floor` entries once it
  /// holds `count`; 0 for none.
  static func doubled(_ count: Int, floor: Int) -> Int {
    guard count > 0 else { return 0 }
    var capacity = floor
    while capacity < count { capacity *= 2 }
    return capacity
  }
}
