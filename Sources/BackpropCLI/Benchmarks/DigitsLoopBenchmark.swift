// Seed 004's training loop on the 8×8 digits as a user writes it, timed
// against the same loop written by hand.

import Backprop
import DigitsFixtures
import Foundation

/// Seed 004's PyTorch-style training loop on the 8×8 digits, as a user
/// writes it with the library:
///
///     optimizer.zeroGrad()
///     let output = inputs.map { model($0) }
///     let loss = criterion(output, targets)
///     loss.backward()
///     optimizer.step()
///
/// MLP 64-32-10 (ReLU, He initialisation, seed 4), softmax cross-entropy,
/// SGD with learning rate 0.1, mini-batches of 32 in a seeded order, 4 epochs
/// over the first 1,792 images (224 steps), features scaled by 1/16. Timed
/// without any scope, with each step inside `Tape.scope { }`, and beside
/// ``HandWrittenDigits`` on plain arrays.
enum DigitsLoopBenchmark {
  static let layerSizes = [32, 10]
  static let seed: UInt64 = 4
  static let learningRate = 0.1
  static let batchSize = 32
  static let epochs = 4
  static let rows = 1_792

  /// The data as the loop consumes it, prepared once, outside the timings.
  struct Workload {
    /// The first ``rows`` images, each grey level divided by 16.
    var features: [[Double]]
    /// Their digits.
    var labels: [Int]
    /// The rows of each mini-batch, in training order: a seeded permutation
    /// of the rows per epoch, cut into batches of ``batchSize``.
    var batches: [[Int]]
    /// Each batch's inputs, `features` of its rows.
    var batchInputs: [[[Double]]]
    /// Each batch's targets, the class index of each row as a one-entry row.
    var batchTargets: [[[Double]]]
    /// The network's initial parameters in ``Module/parameters`` order.
    var initialParameters: [Double]

    init() {
      features = Digits.features.prefix(rows).map { $0.map { $0 / 16 } }
      labels = Array(Digits.labels.prefix(rows))
      var generator = SeededGenerator(seed: 10)
      var batches: [[Int]] = []
      for _ in 0..<epochs {
        // Fisher–Yates written out, so the order does not depend on the
        // standard library's shuffle.
        var order = Array(0..<rows)
        for i in stride(from: rows - 1, to: 0, by: -1) {
          order.swapAt(i, Int(generator.next() % UInt64(i + 1)))
        }
        for start in stride(from: 0, to: rows, by: batchSize) {
          batches.append(Array(order[start..<Swift.min(start + batchSize, rows)]))
        }
      }
      self.batches = batches
      let (scaled, digits) = (features, labels)
      batchInputs = batches.map { $0.map { scaled[$0] } }
      batchTargets = batches.map { $0.map { [Double(digits[$0])] } }
      initialParameters = Tape().withCurrent { DigitsLoopBenchmark.model().parameterValues }
    }
  }

  /// The network, on the current tape, always with the same weights.
  static func model() -> MLP {
    MLP(inputSize: 64, layerSizes: layerSizes, activation: .relu, initialization: .he, seed: seed)
  }

  /// The model, its optimiser and the loss, as the loop starts.
  struct Training {
    var model: MLP
    var optimizer: SGD
    var criterion: Loss
  }

  /// A fresh model and optimiser on the current tape.
  static func training(_ workload: Workload) throws -> Training {
    let net = model()
    let criterion = Loss.softmaxCrossEntropy
    for targets in workload.batchTargets {
      try criterion.validate(targets: targets, outputSize: net.outputSize)
    }
    return Training(
      model: net, optimizer: try SGD(parameters: net.parameters, learningRate: learningRate),
      criterion: criterion)
  }

  /// One step of seed 004's loop; returns `loss.data`.
  static func step(_ t: inout Training, _ inputs: [[Double]], _ targets: [[Double]]) -> Double {
    t.optimizer.zeroGrad()
    let output = inputs.map { t.model($0) }
    let loss = t.criterion(output, targets)
    loss.backward()
    t.optimizer.step()
    return loss.data
  }

  /// Times the loop without scopes, with a scope around each step and by
  /// hand, and prints the three.
  static func run(runs: Int) throws {
    let workload = Workload()
    let steps = workload.batches.count
    func loop(scoped: Bool) -> (Training) -> [Double] {
      { start in
        var t = start
        var losses: [Double] = []
        losses.reserveCapacity(steps)
        for s in 0..<steps {
          let (x, y) = (workload.batchInputs[s], workload.batchTargets[s])
          losses.append(scoped ? Tape.scope { step(&t, x, y) } : step(&t, x, y))
        }
        return losses
      }
    }
    var handLosses: [Double] = []
    let hand = measure(runs: runs) { handLosses = HandWrittenDigits.run(workload) }
    let setup = { try training(workload) }
    // An untimed scoped run warms the shared code without growing memory.
    _ = try runOnFreshTape(setup: setup, loop: loop(scoped: true))
    let scoped = try repeatOnFreshTapes(runs: runs, setup: setup, loop: loop(scoped: true))
    let unscoped = try repeatOnFreshTapes(runs: runs, setup: setup, loop: loop(scoped: false))

    let identical = unscoped.first.losses.map(\.bitPattern) == scoped.first.losses.map(\.bitPattern)
    let finalEngine = unscoped.first.losses.last ?? .nan
    let finalHand = handLosses.last ?? .nan
    let worstHand = zip(unscoped.first.losses, handLosses).map { abs($0 - $1) }.max() ?? .nan
    print("")
    print(
      "seed 004's loop on the 8×8 digits: MLP(64 → 32 relu → 10 linear), softmax cross-entropy, SGD lr \(learningRate), "
        + "batches of \(batchSize), \(epochs) epochs over \(rows) images, \(steps) steps")
    MicrogradLoopBenchmark.printComparison(
      "digits loop", unscoped: unscoped, scoped: scoped, handWritten: hand, runs: runs)
    print(
      "  losses: no scope and scoped \(identical ? "bit-identical" : "DIFFER"); "
        + "first \(unscoped.first.losses.first ?? .nan), final \(finalEngine); "
        + "hand-written final \(finalHand), |Δ| \(String(format: "%.1e", abs(finalEngine - finalHand))) "
        + "(max over the steps \(String(format: "%.1e", worstHand)))")
  }
}
