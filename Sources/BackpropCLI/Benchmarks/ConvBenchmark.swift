// The digits workloads of issue 13: an MLP (W3) and seed 004's convolutional
// Net on the digits upscaled to 32×32 (W4), trained with `train`, timed.

import Backprop
import Foundation

/// `backprop bench conv`: the two digits workloads, each trained with
/// ``train(_:on:loss:optimizer:options:progress:)`` on a seeded 80/20
/// split, with the time per epoch and the test accuracy, beside the figures
/// PyTorch and scikit-learn gave for the same recipe on this machine kind
/// (their split is numpy's, ours the package's: the accuracies are
/// comparable, not equal).
enum ConvBenchmark {
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

  static func run(epochs: Int) throws {
    var splitter = SeededGenerator(seed: 1)
    let (train8, test8) = try Dataset.digits().split(testFraction: 0.2, using: &splitter)
    print("the 8×8 digits: \(train8.count) training and \(test8.count) test images (seeded 80/20 split)")

    // W3: MLP 64-32-10, standardised features, Adam 0.01, batch 32, 20 epochs.
    let scaling = Standardizer(fitting: train8)
    let (trainW3, testW3) = (scaling(train8), scaling(test8))
    let w3 = try Tape.scope { () -> (Double, Double) in
      let model = MLP(
        inputSize: 64, layerSizes: [32, 10], activation: .relu, initialization: .he, seed: 3)
      var adam = try Adam(parameters: model.parameters, learningRate: 0.01)
      let start = Date()
      try train(
        model, on: trainW3, loss: .softmaxCrossEntropy, optimizer: &adam,
        options: TrainingOptions(epochs: 20, batchSize: 32, seed: 2))
      return (Date().timeIntervalSince(start), testAccuracy(model, testW3))
    }
    print(
      String(
        format: "W3 MLP 64-32-10 relu, Adam 0.01, batch 32, 20 epochs: %.2f s, test accuracy "
          + "%.1f %% (PyTorch float64 0.55 s, scikit-learn 0.15–0.21 s, both 96.4 %%)",
        w3.0, 100 * w3.1))

    // W4: seed 004's Net on 32×32 (each pixel repeated 4×4), scaled to [0, 1].
    let shape = Dataset.digitsImageShape
    func images(_ data: Dataset) throws -> Dataset {
      let scaled = try Dataset(
        features: data.features.map { $0.map { $0 / 16 } }, labels: data.targets.map { $0[0] })
      return try scaled.upscaled(from: shape, by: 4)
    }
    let (trainW4, testW4) = (try images(train8), try images(test8))
    // Two epochs with every batch recorded again, against two replayed.
    var seconds: [Bool: Double] = [:]
    var parameters: [Bool: [Double]] = [:]
    for replays in [false, true] {
      try Tape.scope {
        let model = net(seed: 5)
        var sgd = try SGD(parameters: model.parameters, learningRate: 0.01, momentum: 0.9)
        let start = Date()
        try train(
          model, on: trainW4, loss: .softmaxCrossEntropy, optimizer: &sgd,
          options: TrainingOptions(epochs: 2, batchSize: 32, seed: 2, replaysMiniBatches: replays))
        seconds[replays] = Date().timeIntervalSince(start) / 2
        parameters[replays] = model.parameterValues
      }
    }
    print(
      String(
        format: "W4 mini-batches recorded every step %.2f s an epoch, replayed %.2f s (ratio %.2f); "
          + "parameters after 2 epochs %@",
        seconds[false] ?? 0, seconds[true] ?? 0, (seconds[false] ?? 0) / (seconds[true] ?? 1),
        parameters[false] == parameters[true] ? "bit-identical" : "DIFFER"))
    for threads in [1, 2] {
      let (seconds, accuracy) = try Tape.scope { () -> (Double, Double) in
        let model = net(seed: 5)
        var sgd = try SGD(parameters: model.parameters, learningRate: 0.01, momentum: 0.9)
        let start = Date()
        try train(
          model, on: trainW4, loss: .softmaxCrossEntropy, optimizer: &sgd,
          options: TrainingOptions(
            epochs: epochs, batchSize: 32, seed: 2, shards: threads, threads: threads))
        return (Date().timeIntervalSince(start), testAccuracy(model, testW4))
      }
      print(
        String(
          format: "W4 seed 004's Net on 1×32×32, SGD 0.01 momentum 0.9, batch 32, %d epochs, "
            + "%d thread%@: %.2f s an epoch, test accuracy %.1f %% (PyTorch float64 0.24 s an "
            + "epoch, 97.2 %% after 15)",
          epochs, threads, threads == 1 ? "" : "s", seconds / Double(epochs), 100 * accuracy))
    }
  }
}
