import Backprop
import Foundation
import Testing

// `estimatedTrainingMemory` against the memory the tapes really reach: the
// largest `allocatedBytes` of the model's tape (a fresh one, which keeps its
// capacity when training's scope ends) over a run.

/// Random features in [−1, 1] and targets that suit `loss`.
private func memoryData(count: Int, inputs: Int, loss: Loss, classes: Int) throws -> Dataset {
  var rng = SeededGenerator(seed: 21)
  var features: [[Double]] = []
  var labels: [Double] = []
  for k in 0..<count {
    features.append((0..<inputs).map { _ in rng.nextUniform(in: -1, 1) })
    switch loss {
    case .hinge: labels.append(k % 2 == 0 ? 1 : -1)
    case .softmaxCrossEntropy: labels.append(Double(k % classes))
    case .binaryCrossEntropy, .binaryCrossEntropyWithLogits: labels.append(Double(k % 2))
    default: labels.append(rng.nextUniform(in: -1, 1))
    }
  }
  return try Dataset(features: features, labels: labels)
}

/// A training setup whose peak is measured.
struct MemoryCase: Sendable, CustomTestStringConvertible {
  let rows: Int
  let loss: Loss
  let layerSizes: [Int]
  let batchSize: Int?
  let replay: Bool
  let l2: Double

  var testDescription: String {
    "\(rows) rows, \(loss), \(layerSizes), batch \(batchSize.map(String.init) ?? "full")"
      + (replay ? "" : ", recorded") + (l2 > 0 ? ", L2" : "")
  }

  static let all: [MemoryCase] = [
    MemoryCase(rows: 10, loss: .hinge, layerSizes: [16, 16, 1], batchSize: nil, replay: true, l2: 0),
    MemoryCase(rows: 300, loss: .hinge, layerSizes: [16, 16, 1], batchSize: nil, replay: true, l2: 1e-4),
    MemoryCase(rows: 5000, loss: .hinge, layerSizes: [16, 16, 1], batchSize: nil, replay: true, l2: 0),
    MemoryCase(rows: 2000, loss: .meanSquaredError, layerSizes: [8, 1], batchSize: nil, replay: false, l2: 1e-3),
    MemoryCase(rows: 1500, loss: .softmaxCrossEntropy, layerSizes: [12, 3], batchSize: nil, replay: true, l2: 0),
    MemoryCase(rows: 3000, loss: .binaryCrossEntropyWithLogits, layerSizes: [10, 1], batchSize: 64, replay: true, l2: 0),
    MemoryCase(rows: 4000, loss: .softmaxCrossEntropy, layerSizes: [32, 4], batchSize: 500, replay: true, l2: 1e-4),
  ]
}

@Suite("Training memory: the estimate against the tapes' peak")
struct TrainingMemoryTests {
  @Test("the estimate is at least the peak and at most 1.5 times it", arguments: MemoryCase.all)
  func estimateBoundsPeak(c: MemoryCase) throws {
    let classes = c.layerSizes.last ?? 1
    let data = try memoryData(count: c.rows, inputs: 3, loss: c.loss, classes: classes)
    let tape = Tape()
    try tape.withCurrent {
      let model = MLP(inputSize: 3, layerSizes: c.layerSizes, activation: .relu, seed: 3)
      let options = TrainingOptions(
        epochs: 2, batchSize: c.batchSize, l2: c.l2, replaysFullBatch: c.replay)
      let estimate = estimatedTrainingMemory(
        model: model, rows: c.rows, loss: c.loss, options: options)
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.01)
      var peak = tape.allocatedBytes
      try train(model, on: data, loss: c.loss, optimizer: &sgd, options: options) { _, _ in
        peak = Swift.max(peak, tape.allocatedBytes)
        return .continue
      }
      // The scope training opened has ended; the capacity it reached stays.
      peak = Swift.max(peak, tape.allocatedBytes)
      #expect(peak > 0)
      #expect(estimate >= peak, "estimate \(estimate) below the peak \(peak)")
      #expect(
        Double(estimate) <= 1.5 * Double(peak),
        "estimate \(estimate) more than 1.5 × the peak \(peak)")
    }
  }

  @Test("the estimate grows with the rows of a full batch, not with those of a mini-batch")
  func scaling() {
    let model = MLP(inputSize: 4, layerSizes: [16, 1], activation: .tanh, seed: 1)
    let full = TrainingOptions(epochs: 1)
    let small = estimatedTrainingMemory(model: model, rows: 10_000, loss: .hinge, options: full)
    let big = estimatedTrainingMemory(model: model, rows: 1_000_000, loss: .hinge, options: full)
    // A hundred times the rows: about a hundred times the bytes (the tapes
    // double, so between 50 and 200 times).
    #expect(big > 50 * small && big < 200 * small)
    // About (2 · 16 + a few) nodes of 29 bytes per row at least.
    #expect(big > 1_000_000 * 30 * Tape.bytesPerNode)

    // Both row counts are multiples of 32: with a shorter last batch, its
    // graph is recorded after the replayed mini-batch's and counts too.
    let batched = TrainingOptions(epochs: 1, batchSize: 32)
    let a = estimatedTrainingMemory(model: model, rows: 10_016, loss: .hinge, options: batched)
    let b = estimatedTrainingMemory(model: model, rows: 1_000_000, loss: .hinge, options: batched)
    #expect(a == b)
    #expect(b < small)
    #expect(estimatedTrainingMemory(model: model, rows: 0, loss: .hinge, options: full) == 0)
  }

  @Test(
    "sharded full batch: at least and at most 1.5 times the tapes of shards recorded the same way",
    arguments: [2, 3, 8])
  func shardTapes(shards: Int) throws {
    // Each shard records its run of consecutive examples (the first
    // `rows % shards` one longer) with a copy of the model on a tape of its
    // own, shard 0 with the L2 penalty, and back-propagates it: measured here
    // on fresh tapes, as the trainer's shards do.
    let rows = 1000
    let loss = Loss.hinge
    let data = try memoryData(count: rows, inputs: 3, loss: loss, classes: 1)
    let tape = Tape()
    let model = tape.withCurrent {
      MLP(inputSize: 3, layerSizes: [8, 8, 1], activation: .relu, seed: 3)
    }
    var measured = tape.allocatedBytes
    let base = rows / shards
    let longer = rows % shards
    var start = 0
    for s in 0..<shards {
      let count = base + (s < longer ? 1 : 0)
      let shardTape = Tape()
      let range = start..<(start + count)
      shardTape.withCurrent {
        let replica = MLP(inputSize: 3, layerSizes: [8, 8, 1], activation: .relu, seed: 3)
        let recording = Recording {
          let outputs = range.map { replica(data.features[$0]) }
          let total = Value.sum(
            zip(outputs, data.targets[range]).map { hinge(score: $0[0], label: $1[0]) }
          ) * (1.0 / Double(rows))
          return s == 0 ? total + l2Penalty(replica.parameters, coefficient: 1e-4) : total
        }
        recording.output.backward()
        _ = recording.replay()
      }
      measured += shardTape.allocatedBytes
      start += count
    }
    let estimate = estimatedTrainingMemory(
      model: model, rows: rows, loss: loss,
      options: TrainingOptions(epochs: 1, l2: 1e-4, shards: shards, threads: 2))
    #expect(estimate >= measured, "estimate \(estimate) below the tapes' \(measured)")
    #expect(
      Double(estimate) <= 1.5 * Double(measured),
      "estimate \(estimate) more than 1.5 × the tapes' \(measured)")
  }

  @Test("shards split a full batch's recording over their tapes")
  func shards() {
    let model = MLP(inputSize: 4, layerSizes: [16, 1], activation: .tanh, seed: 1)
    let one = estimatedTrainingMemory(
      model: model, rows: 200_000, loss: .hinge, options: TrainingOptions(epochs: 1))
    let eight = estimatedTrainingMemory(
      model: model, rows: 200_000, loss: .hinge,
      options: TrainingOptions(epochs: 1, shards: 8, threads: 2))
    // The same nodes in all, each tape rounded up by its own doubling.
    #expect(Double(eight) >= 0.5 * Double(one) && Double(eight) <= 2.5 * Double(one))
  }

  @Test("physical memory is a positive number of bytes, at least a page")
  func physicalMemory() {
    #expect(physicalMemoryBytes() >= 4096)
  }
}
