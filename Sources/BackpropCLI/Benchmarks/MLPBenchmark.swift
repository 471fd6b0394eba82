// `backprop bench mlp`: micrograd's demo workload trained by the engine and
// by hand-written back-propagation, then the loops users write.

import Backprop
import Foundation
import MicrogradFixtures

/// `backprop bench mlp`: micrograd's demo workload — MLP 2-16-16-1 (relu,
/// linear output), 100 points, hinge loss + 1e-4·Σp², 100 full-batch steps,
/// learning rate 1 − 0.9k/100 — trained by the engine (through `train`) and
/// by hand-written back-propagation on flat `[Double]` buffers, in the same
/// run, from the same fixtures. Then the loops users write without the
/// training API, with and without scopes: micrograd's notebook loop
/// (``MicrogradLoopBenchmark``) and seed 004's loop on the digits
/// (``DigitsLoopBenchmark``).
enum MLPBenchmark {
  static let sizes = [2, 16, 16, 1]
  static let steps = 100

  static func run(runs: Int) throws {
    print("Backprop MLP benchmark: micrograd's demo workload (release build; \(runs) timed runs after a warm-up)")
    print("  MLP(2 → 16 relu → 16 relu → 1 linear), 337 parameters, 100 points, hinge + 1e-4·Σp², 100 full-batch steps")
    print("")
    let data = try Dataset(features: MicrogradDemo.features, labels: MicrogradDemo.labels)

    var handLosses: [Double] = []
    let handTimes = measure(runs: runs) { handLosses = HandWrittenTraining.run() }

    var engineLosses: [Double] = []
    let engineTimes = try measureEngine(data, runs: runs, replay: true, losses: &engineLosses)
    var recordingLosses: [Double] = []
    let recordingTimes = try measureEngine(data, runs: runs, replay: false, losses: &recordingLosses)
    // Parallel training: the batch in 8 shards, on one thread and on two.
    var shardedLosses: [[Double]] = []
    var shardedTimes: [Timings] = []
    for threads in [1, 2] {
      var losses: [Double] = []
      shardedTimes.append(
        try measureEngine(data, runs: runs, replay: true, shards: 8, threads: threads, losses: &losses))
      shardedLosses.append(losses)
    }
    let nodesPerStep = try countNodesPerStep(data)

    let worst = zip(engineLosses + recordingLosses, handLosses + handLosses).map { abs($0 - $1) / abs($1) }.max() ?? .nan
    let reference = MicrogradDemo.referenceCurve.map(\.loss)
    let worstReference = zip(engineLosses, reference).map { abs($0 - $1) / abs($1) }.max() ?? .nan
    let worstSharded = zip(shardedLosses[0], handLosses).map { abs($0 - $1) / abs($1) }.max() ?? .nan
    let nodes = nodesPerStep * steps
    func line(_ name: String, _ t: Timings) -> String {
      "\(name) median \(formatTime(t.median))  min \(formatTime(t.min))  max \(formatTime(t.max))  \(format(t.median / Double(nodes) * 1e9, 1)) ns/node"
    }
    print(line("engine, recorded once and replayed  ", engineTimes) + " (\(nodesPerStep) nodes/step)")
    print(line("engine, recorded again at each step ", recordingTimes))
    print(line("hand-written back-propagation       ", handTimes))
    print("ratio engine/hand-written \(format(engineTimes.median / handTimes.median, 2)) with replay, \(format(recordingTimes.median / handTimes.median, 2)) without")
    print("losses: engine vs hand-written worst relative difference \(String(format: "%.1e", worst)); vs micrograd's printed curve \(String(format: "%.1e", worstReference))")
    print("")
    print("parallel training: the batch in 8 shards, replayed (\(ProcessInfo.processInfo.activeProcessorCount) cores)")
    print(line("engine, 8 shards, 1 thread          ", shardedTimes[0]))
    print(line("engine, 8 shards, 2 threads         ", shardedTimes[1]))
    let identical = shardedLosses[0].map(\.bitPattern) == shardedLosses[1].map(\.bitPattern)
    print("speed-up from 2 threads \(format(shardedTimes[0].median / shardedTimes[1].median, 2)); ratio to hand-written \(format(shardedTimes[1].median / handTimes.median, 2)); 1 and 2 threads \(identical ? "bit-identical" : "DIFFER"); vs hand-written \(String(format: "%.1e", worstSharded))")

    // More work per step: the same network on 2,000 points.
    var generator = SeededGenerator(seed: 1)
    let large = try Dataset.twoMoons(count: 2_000, noise: 0.1, using: &generator).signedLabels()
    var largeLosses: [[Double]] = []
    var largeTimes: [Timings] = []
    for threads in [1, 2] {
      var losses: [Double] = []
      largeTimes.append(
        try measureEngine(
          large, runs: runs, replay: true, steps: 20, shards: 8, threads: threads, losses: &losses))
      largeLosses.append(losses)
    }
    let largeIdentical = largeLosses[0].map(\.bitPattern) == largeLosses[1].map(\.bitPattern)
    print("")
    print("the same network on 2,000 points (two moons), 20 full-batch steps, 8 shards, replayed")
    print("engine, 8 shards, 1 thread           median \(formatTime(largeTimes[0].median))  min \(formatTime(largeTimes[0].min))  max \(formatTime(largeTimes[0].max))")
    print("engine, 8 shards, 2 threads          median \(formatTime(largeTimes[1].median))  min \(formatTime(largeTimes[1].min))  max \(formatTime(largeTimes[1].max))")
    print("speed-up from 2 threads \(format(largeTimes[0].median / largeTimes[1].median, 2)); 1 and 2 threads \(largeIdentical ? "bit-identical" : "DIFFER")")

    // The loops users write, without `train` and without scopes.
    try MicrogradLoopBenchmark.run(runs: runs, hand: handTimes, handLosses: handLosses)
    try DigitsLoopBenchmark.run(runs: runs)
  }
}

extension MLPBenchmark {
  /// Times `train` on the workload with the given options.
  static func measureEngine(
    _ data: Dataset, runs: Int, replay: Bool, steps: Int = steps, shards: Int = 1,
    threads: Int = 1, losses: inout [Double]
  ) throws -> Timings {
    let tape = Tape()
    var failure: Error?
    var result: [Double] = []
    let times = measure(runs: runs) {
      do {
        try tape.withCurrent {
          let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
          try model.setParameterValues(MicrogradDemo.initialParameters)
          var sgd = try SGD(
            parameters: model.parameters, learningRate: 1.0,
            schedule: .linearDecay(final: 0.1, steps: MLPBenchmark.steps))
          let reports = try train(
            model, on: data, loss: .hinge, optimizer: &sgd,
            options: TrainingOptions(
              epochs: steps, l2: 1e-4, replaysFullBatch: replay, shards: shards, threads: threads))
          result = reports.map(\.loss)
        }
        tape.removeAll(keepingCapacity: true)
      } catch {
        failure = error
      }
    }
    if let failure { throw failure }
    losses = result
    return times
  }

  /// The nodes one step of the workload records.
  static func countNodesPerStep(_ data: Dataset) throws -> Int {
    let tape = Tape()
    return try tape.withCurrent {
      let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
      try model.setParameterValues(MicrogradDemo.initialParameters)
      let before = tape.count
      let outputs = data.features.map { model($0) }
      _ = Loss.hinge(outputs, data.targets) + l2Penalty(model, coefficient: 1e-4)
      return tape.count - before
    }
  }
}

/// The demo workload written out by hand: forward, the delta rule backward,
/// the update, on preallocated flat buffers.
enum HandWrittenTraining {
  /// Trains from the fixture's initial parameters and returns the loss of
  /// each step (before its update).
  static func run() -> [Double] {
    let n = MicrogradDemo.features.count
    let x = MicrogradDemo.features.flatMap { $0 }
    let y = MicrogradDemo.labels
    var p = MicrogradDemo.initialParameters
    var g = [Double](repeating: 0, count: p.count)
    // Offsets in micrograd's parameter order: per neuron, weights then bias.
    let h1 = 16
    let h2 = 16
    let l1 = 0  // 16 neurons × 3
    let l2 = l1 + h1 * 3  // 16 neurons × 17
    let l3 = l2 + h2 * (h1 + 1)  // 1 neuron × 17
    var z1 = [Double](repeating: 0, count: h1)
    var a1 = z1
    var z2 = [Double](repeating: 0, count: h2)
    var a2 = z2
    var d2 = z2
    var d1 = z1
    var losses: [Double] = []
    losses.reserveCapacity(MLPBenchmark.steps)
    for k in 0..<MLPBenchmark.steps {
      for i in g.indices { g[i] = 0 }
      var total = 0.0
      for s in 0..<n {
        let x0 = x[2 * s]
        let x1 = x[2 * s + 1]
        for i in 0..<h1 {
          let o = l1 + 3 * i
          z1[i] = (p[o] * x0 + p[o + 1] * x1) + p[o + 2]
          a1[i] = z1[i] > 0 ? z1[i] : 0
        }
        for i in 0..<h2 {
          let o = l2 + (h1 + 1) * i
          var sum = 0.0
          for j in 0..<h1 { sum += p[o + j] * a1[j] }
          z2[i] = sum + p[o + h1]
          a2[i] = z2[i] > 0 ? z2[i] : 0
        }
        var score = 0.0
        for j in 0..<h2 { score += p[l3 + j] * a2[j] }
        score += p[l3 + h2]
        let margin = 1 + -y[s] * score
        total += margin > 0 ? margin : 0
        // d(loss)/d(score): the hinge's select, times the 1/n of the mean.
        let ds = margin > 0 ? -y[s] * (1.0 / Double(n)) : 0
        for j in 0..<h2 {
          g[l3 + j] += ds * a2[j]
          d2[j] = z2[j] > 0 ? ds * p[l3 + j] : 0
        }
        g[l3 + h2] += ds
        for j in 0..<h1 { d1[j] = 0 }
        for i in 0..<h2 {
          let o = l2 + (h1 + 1) * i
          let di = d2[i]
          for j in 0..<h1 {
            g[o + j] += di * a1[j]
            d1[j] += di * p[o + j]
          }
          g[o + h1] += di
        }
        for i in 0..<h1 {
          let o = l1 + 3 * i
          let di = z1[i] > 0 ? d1[i] : 0
          g[o] += di * x0
          g[o + 1] += di * x1
          g[o + 2] += di
        }
      }
      var reg = 0.0
      for v in p { reg += v * v }
      losses.append(total * (1.0 / Double(n)) + 1e-4 * reg)
      let lr = 1.0 - 0.9 * Double(k) / Double(MLPBenchmark.steps)
      for i in p.indices { p[i] -= lr * (g[i] + 2e-4 * p[i]) }
    }
    return losses
  }
}
