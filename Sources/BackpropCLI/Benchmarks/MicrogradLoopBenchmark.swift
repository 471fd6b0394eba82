// micrograd's notebook loop written as a user writes it, timed without
// scopes and with a scope per step.

import Backprop
import Foundation
import MicrogradFixtures

/// micrograd's notebook loop written as a user writes it, with the engine's
/// plain calls and no training API: a forward pass over the 100 points, the
/// max-margin loss and the L2 penalty summed with `+`, `zeroGrad`,
/// `backward`, the update `p.data -= lr * p.grad`. Timed without any scope
/// (the tape keeps every step's graph unless the engine releases it), and
/// again with each step inside `Tape.scope { }`.
enum MicrogradLoopBenchmark {
  /// One step of the notebook's loop, `k` from 0: returns `loss.data`.
  static func step(_ model: MLP, _ k: Int) -> Double {
    let n = MicrogradDemo.features.count
    var dataLoss: Value = 0
    for (x, y) in zip(MicrogradDemo.features, MicrogradDemo.labels) {
      let score = model(x)[0]
      dataLoss = dataLoss + (1 + -y * score).relu()
    }
    dataLoss = dataLoss * (1.0 / Double(n))
    var regLoss: Value = 0
    for p in model.parameters { regLoss = regLoss + p * p }
    let loss = dataLoss + 1e-4 * regLoss
    model.zeroGrad()
    loss.backward()
    let learningRate = 1.0 - 0.9 * Double(k) / 100
    for p in model.parameters { p.data -= learningRate * p.grad }
    return loss.data
  }

  /// micrograd's model with its initial weights, on the current tape.
  static func model() throws -> MLP {
    let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
    try model.setParameterValues(MicrogradDemo.initialParameters)
    return model
  }

  /// Times the loop without scopes and with a scope around each step, each
  /// run on a fresh tape, and prints them beside the hand-written baseline
  /// `hand` measured in the same run (with its losses `handLosses`).
  static func run(runs: Int, hand: Timings, handLosses: [Double]) throws {
    let steps = MLPBenchmark.steps
    // The scoped loop first, with an untimed warm-up: it warms the code that
    // both loops share without growing the memory the unscoped loop measures.
    let scopedLoop = { (m: MLP) in (0..<steps).map { k in Tape.scope { step(m, k) } } }
    _ = try runOnFreshTape(setup: model, loop: scopedLoop)
    let scoped = try repeatOnFreshTapes(runs: runs, setup: model, loop: scopedLoop)
    let unscoped = try repeatOnFreshTapes(runs: runs, setup: model) { m in
      (0..<steps).map { k in step(m, k) }
    }

    let reference = MicrogradDemo.referenceCurve.map(\.loss)
    let worstReference = zip(unscoped.first.losses, reference).map { abs($0 - $1) }.max() ?? .nan
    let worstHand = zip(unscoped.first.losses, handLosses).map { abs($0 - $1) }.max() ?? .nan
    let identical = unscoped.first.losses.map(\.bitPattern) == scoped.first.losses.map(\.bitPattern)
    print("")
    print("micrograd's notebook loop as a user writes it: forward on all 100 points, sums with +, zeroGrad, backward, p.data -= lr * p.grad; 100 steps")
    printComparison(
      "micrograd loop", unscoped: unscoped, scoped: scoped, handWritten: hand, runs: runs)
    print(
      "  losses: no scope and scoped \(identical ? "bit-identical" : "DIFFER"); "
        + "max |Δ| vs micrograd's printed curve \(String(format: "%.1e", worstReference)), "
        + "vs hand-written \(String(format: "%.1e", worstHand)); "
        + "final loss \(unscoped.first.losses.last ?? .nan) (micrograd \(reference.last ?? .nan))")
  }

  /// Prints the two lines that compare a natural loop without a scope, the
  /// same loop with a scope per step, and hand-written code.
  static func printComparison(
    _ name: String, unscoped: (times: Timings, first: LoopRun),
    scoped: (times: Timings, first: LoopRun), handWritten hand: Timings, runs: Int
  ) {
    print(
      "\(name), no scope: \(formatTime(unscoped.times.median)), \(memory(unscoped.first)); "
        + "scoped \(formatTime(scoped.times.median)), \(memory(scoped.first)); "
        + "hand-written \(formatTime(hand.median)); "
        + "ratios \(format(unscoped.times.median / hand.median, 2)) / \(format(scoped.times.median / hand.median, 2))")
    print(
      "  tape at the end: no scope \(unscoped.first.tapeCount) nodes, \(megabytes(unscoped.first.tapeBytes)) MB; "
        + "scoped \(scoped.first.tapeCount) nodes, \(megabytes(scoped.first.tapeBytes)) MB "
        + "(medians of \(runs) runs, memory from the first, each on a fresh tape)")
  }

  /// `+1.2 MB resident (peak +1.5 MB)`, from the run's measurements.
  static func memory(_ run: LoopRun) -> String {
    "\(formatMegabytes(run.residentGrowth)) MB resident"
      + (run.peakGrowth.map { " (peak \(formatMegabytes($0)) MB)" } ?? "")
  }
}
