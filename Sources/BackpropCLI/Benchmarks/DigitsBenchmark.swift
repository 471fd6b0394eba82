// `backprop bench digits`: issue 13's digits workloads, an MLP (W3) and seed
// 004's convolutional Net at 32×32 (W4), trained by the engine (recorded,
// replayed, 1 and 2 threads) beside the same training written by hand.

import Backprop
import Foundation

/// The two digits workloads on a seeded 80/20 split (`train`'s defaults
/// replay W4's mini-batches and record W3's, whose MLP records faster than
/// it replays: see ``TrainingOptions/replaysMiniBatches``), batches in the split's
/// order (no reshuffling, so that the hand-written baselines see the same
/// batches): each configuration's time, time per epoch, ratio to the
/// hand-written run, test accuracy, and how far its parameters end from the
/// hand-written ones. The peers' figures, measured on this machine kind with
/// numpy's split (`Benchmarks/peers/digits.py`), are printed beside them.
enum DigitsBenchmark {
  /// The test accuracy of `model` on `data`, recorded in a scope per row.
  static func testAccuracy(_ model: some Model, _ data: Dataset) -> Double {
    var correct = 0
    for (row, target) in zip(data.features, data.targets) {
      let scores = Tape.scope { model(row).map(\.data) }
      let best = scores.indices.max { scores[$0] < scores[$1] } ?? 0
      if best == Int(target[0]) { correct += 1 }
    }
    return Double(correct) / Double(data.count)
  }

  /// The accuracy of plain parameters, loaded into a fresh model.
  static func testAccuracy<M: Model>(
    _ make: () -> M, parameters: [Double], _ data: Dataset
  ) throws -> Double {
    try Tape.scope {
      let model = make()
      try model.setParameterValues(parameters)
      return testAccuracy(model, data)
    }
  }

  /// Seed 004's network for 1×32×32 inputs, as a `Sequential`.
  static func net(seed: UInt64) -> Sequential {
    var rng = SeededGenerator(seed: seed)
    return Sequential(inputShape: Shape(channels: 1, height: 32, width: 32), [
      Conv2D(inputChannels: 1, outputChannels: 6, kernelSize: 3, using: &rng), Activation.relu,
      MaxPool2D(2),
      Conv2D(inputChannels: 6, outputChannels: 16, kernelSize: 3, using: &rng), Activation.relu,
      MaxPool2D(2), Flatten(),
      Layer(inputSize: 16 * 6 * 6, outputSize: 120, activation: .relu, initialization: .he, using: &rng),
      Layer(inputSize: 120, outputSize: 84, activation: .relu, initialization: .he, using: &rng),
      Layer(inputSize: 84, outputSize: 10, initialization: .he, using: &rng),
    ])
  }

  struct Line {
    var name: String
    var seconds: Double
    var accuracy: Double
    var parameters: [Double]
  }

  /// Trains a fresh model from `make` with `options`, timed.
  static func engine<M: Model, O: Optimizer>(
    _ name: String, _ make: () -> M, _ data: Dataset, _ test: Dataset,
    _ optimizer: ([Value]) throws -> O, _ options: TrainingOptions
  ) throws -> Line {
    try Tape.scope {
      let model = make()
      var o = try optimizer(model.parameters)
      let start = Date()
      try train(model, on: data, loss: .softmaxCrossEntropy, optimizer: &o, options: options)
      let seconds = Date().timeIntervalSince(start)
      return Line(
        name: name, seconds: seconds, accuracy: testAccuracy(model, test),
        parameters: model.parameterValues)
    }
  }

  /// The engine's three configurations of `options`: `train`'s defaults,
  /// every batch recorded, and 2 shards on 2 threads.
  static func configurations(_ options: TrainingOptions) -> [(String, TrainingOptions)] {
    var recorded = options
    recorded.replaysMiniBatches = false
    var threads = options
    (threads.shards, threads.threads) = (2, 2)
    return [
      ("engine, train's defaults, 1 thread", options),
      ("engine, every batch recorded, 1 thread", recorded),
      ("engine, train's defaults, 2 shards, 2 threads", threads),
    ]
  }

  static func printTable(_ title: String, _ lines: [Line], hand: Line, epochs: Int, peers: String) {
    print(title)
    print("  " + "configuration".padding(toLength: 46, withPad: " ", startingAt: 0)
      + "     time  per epoch  × hand  test acc.  max |Δp| vs hand")
    for line in lines + [hand] {
      let delta = zip(line.parameters, hand.parameters).map { Swift.abs($0 - $1) }.max() ?? 0
      print(
        "  " + line.name.padding(toLength: 46, withPad: " ", startingAt: 0)
          + String(
            format: " %7.3f s %8.1f ms %7.2f %8.1f %%  %.1e", line.seconds,
            1000 * line.seconds / Double(epochs), line.seconds / hand.seconds,
            100 * line.accuracy, delta))
    }
    print("  peers, this machine kind: " + peers)
  }

  static func run(epochs: Int) throws {
    var splitter = SeededGenerator(seed: 1)
    let (train8, test8) = try Dataset.digits().split(testFraction: 0.2, using: &splitter)
    print(
      "the 8×8 digits: \(train8.count) training and \(test8.count) test images (seeded 80/20 "
        + "split), batches of 32 in the split's order")
    let labels = train8.targets.map { Int($0[0]) }

    // W3: MLP 64-32-10, standardised features, Adam 0.01, 20 epochs.
    let scaling = Standardizer(fitting: train8)
    let (trainW3, testW3) = (scaling(train8), scaling(test8))
    func mlp() -> MLP {
      MLP(inputSize: 64, layerSizes: [32, 10], activation: .relu, initialization: .he, seed: 3)
    }
    let adam = { (p: [Value]) in try Adam(parameters: p, learningRate: 0.01) }
    let w3 = TrainingOptions(epochs: 20, batchSize: 32, shuffle: false)
    // A warm-up, untimed: the first run pays for fresh memory (on this VM
    // about 2 ns a byte), which the later ones would not.
    _ = try engine("warm-up", mlp, trainW3, testW3, adam, w3)
    let w3Lines = try configurations(w3).map { try engine($0, mlp, trainW3, testW3, adam, $1) }
    let initial3 = Tape.scope { mlp().parameterValues }
    let start3 = Date()
    let hand3 = HandWrittenMLP.train(
      features: trainW3.features, labels: labels, parameters: initial3, epochs: 20, batchSize: 32,
      learningRate: 0.01)
    let seconds3 = Date().timeIntervalSince(start3)
    printTable(
      "W3 MLP 64-32-10 relu, softmax cross-entropy, Adam 0.01, batch 32, 20 epochs", w3Lines,
      hand: Line(
        name: "written by hand on [Double]", seconds: seconds3,
        accuracy: try testAccuracy(mlp, parameters: hand3, testW3), parameters: hand3),
      epochs: 20,
      peers: "PyTorch float64 1 thread 0.55 s, scikit-learn MLPClassifier 0.15–0.21 s, both 96.4 %")

    // W4: seed 004's Net on 32×32 (each pixel repeated 4×4), scaled to [0, 1].
    func images(_ data: Dataset) throws -> Dataset {
      let scaled = try Dataset(
        features: data.features.map { $0.map { $0 / 16 } }, labels: data.targets.map { $0[0] })
      return try scaled.upscaled(from: Dataset.digitsImageShape, by: 4)
    }
    let (trainW4, testW4) = (try images(train8), try images(test8))
    let make = { net(seed: 5) }
    let sgd = { (p: [Value]) in try SGD(parameters: p, learningRate: 0.01, momentum: 0.9) }
    let w4 = TrainingOptions(epochs: epochs, batchSize: 32, shuffle: false)
    var warmUp = w4
    warmUp.epochs = 1
    _ = try engine("warm-up", make, trainW4.rows(0..<256), testW4.rows(0..<32), sgd, warmUp)
    let w4Lines = try configurations(w4).map { try engine($0, make, trainW4, testW4, sgd, $1) }
    let initial4 = Tape.scope { make().parameterValues }
    let start4 = Date()
    let hand4 = HandWrittenNet.train(
      images: trainW4.features, labels: labels, parameters: initial4, epochs: epochs,
      batchSize: 32, learningRate: 0.01, momentum: 0.9)
    let seconds4 = Date().timeIntervalSince(start4)
    printTable(
      "W4 seed 004's Net on 1×32×32, SGD 0.01 momentum 0.9, batch 32, \(epochs) epochs", w4Lines,
      hand: Line(
        name: "direct convolution written by hand on [Double]", seconds: seconds4,
        accuracy: try testAccuracy(make, parameters: hand4, testW4), parameters: hand4),
      epochs: epochs,
      peers: "PyTorch float64 1 thread 0.24 s an epoch (float32 0.22 s), 97.2 % after 15 epochs")
  }
}
