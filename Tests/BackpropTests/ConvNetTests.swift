// A small convolutional Sequential (conv → relu → max-pool → flatten → dense):
// gradients against central differences, copy() on another tape, and replay.

import Testing

@testable import Backprop

@Suite("Convolutional networks")
struct ConvNetTests {
  static let inputShape = Shape(channels: 2, height: 6, width: 6)

  /// conv 2 → 3 3×3 (padding 1) → relu → max-pool 2×2 → flatten → dense 27 → 4,
  /// with the parameters `p` in the model's order.
  static func net(parameters p: [Value]) -> Sequential {
    let convSize = 3 * (2 * 9 + 1)
    let conv = Conv2DTests.conv(
      ConvCase(
        inputChannels: 2, outputChannels: 3, kernelSize: 3, stride: 1, padding: 1, height: 6,
        width: 6), parameters: Array(p[..<convSize]))
    let dense = Layer(
      neurons: (0..<4).map { k in
        let start = convSize + k * 28
        return Neuron(weights: Array(p[start..<(start + 27)]), bias: p[start + 27])
      })
    return Sequential(
      inputShape: inputShape, [conv, Activation.relu, MaxPool2D(2), Flatten(), dense])
  }

  static func seededNet(seed: UInt64) -> Sequential {
    var rng = SeededGenerator(seed: seed)
    return Sequential(
      inputShape: inputShape,
      [
        Conv2D(inputChannels: 2, outputChannels: 3, kernelSize: 3, padding: 1, using: &rng),
        Activation.relu, MaxPool2D(2), Flatten(),
        Layer(inputSize: 27, outputSize: 4, initialization: .he, using: &rng),
      ])
  }

  @Test("the model's shapes, parameters and description")
  func structure() {
    let net = Self.seededNet(seed: 1)
    #expect(
      net.shapes == [
        Shape(channels: 3, height: 6, width: 6), Shape(channels: 3, height: 6, width: 6),
        Shape(channels: 3, height: 3, width: 3), Shape(vector: 27), Shape(vector: 4),
      ])
    #expect(net.parameters.count == 3 * 19 + 4 * 28)
    #expect(net.parameterGroups.map(\.name) == ["conv 2 → 3 3×3 padding 1", "dense 27 → 4"])
    #expect(
      net.description
        == "Sequential(2×6×6 → conv 2 → 3 3×3 padding 1 → 3×6×6 → relu → 3×6×6 → max-pool 2×2 "
        + "→ 3×3×3 → flatten → 27×1×1 → dense 27 → 4 → 4×1×1)")
  }

  @Test("the examples of Sequential's doc comments")
  func sequentialDocExamples() throws {
    var rng = SeededGenerator(seed: 0)
    let net = Sequential(
      inputShape: Shape(channels: 1, height: 8, width: 8),
      [
        Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, using: &rng), Activation.relu,
        MaxPool2D(2), Flatten(),
        Layer(inputSize: 36, outputSize: 10, initialization: .he, using: &rng),
      ])
    #expect(
      "\(net)"
        == "Sequential(1×8×8 → conv 1 → 4 3×3 → 4×6×6 → relu → 4×6×6 → max-pool 2×2 → 4×3×3 "
        + "→ flatten → 36×1×1 → dense 36 → 10 → 10×1×1)")
    let shapes = try Sequential.outputShapes(
      inputShape: Shape(channels: 1, height: 32, width: 32), layers: [MaxPool2D(2)])
    #expect(shapes == [Shape(channels: 1, height: 16, width: 16)])
  }

  @Test("gradients of the inputs and every parameter against central differences")
  func centralDifferences() {
    let net = Self.seededNet(seed: 2)
    let pixels = seededNumbers(Self.inputShape.count, seed: 3)
    let point = pixels + net.parameters.map(\.data)
    let n = pixels.count
    let report = checkGradient(
      of: { v in
        let out = Self.net(parameters: Array(v[n...]))(Array(v[..<n]))
        // Softmax cross-entropy of class 2, reused.
        let loss = softmaxCrossEntropy(logits: out, classIndex: 2)
        return loss * loss + loss * 0.5
      }, at: point)
    expectPassed(report)
  }

  @Test("copy() on another tape gives bit-identical outputs and gradients")
  func copyOnAnotherTape() {
    let net = Self.seededNet(seed: 4)
    let pixels = seededNumbers(Self.inputShape.count, seed: 5)
    let tape = Tape()
    let replica = tape.withCurrent { net.copy() }
    #expect(replica.parameters.allSatisfy { $0.storage == tape.storage })
    let (outputs, grads) = Tape.scope { () -> ([UInt64], [UInt64]) in
      let y = net(pixels)
      Value.sum(y).backward()
      return (bits(y.map(\.data)), bits(net.parameters.map(\.grad)))
    }
    let (copied, copiedGrads) = tape.withCurrent {
      let y = replica(pixels)
      Value.sum(y).backward()
      return (bits(y.map(\.data)), bits(replica.parameters.map(\.grad)))
    }
    #expect(outputs == copied)
    #expect(grads == copiedGrads)
  }

  @Test("a recorded conv + max-pool graph replays with new data bit for bit, winners changing")
  func replay() {
    Tape.scope {
      var rng = SeededGenerator(seed: 6)
      let shape = Shape(channels: 1, height: 6, width: 6)
      let image = Image(shape: shape, pixels: (0..<36).map { _ in rng.nextUniform(in: -1, 1) })
      let conv = Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3, padding: 1, using: &rng)
      let weights = seededNumbers(18, seed: 7)
      var convolved: [Value] = []
      let body = { () -> Value in
        let c = conv(image)
        convolved = c.values
        return Value.dot(MaxPool2D(2)(c).values, weights)
      }
      let leaves = image.values + conv.parameterGroups[0].parameters
      let recording = Recording(body)
      #expect(recording.isReplayable)
      let recorded = convolved  // the recording's nodes, recomputed by replay
      let winnersBefore = Self.winners(recorded.map(\.data))
      var changed = false
      for round in 0..<3 {
        for pixel in image.values { pixel.data = rng.nextUniform(in: -1, 1) }
        if round == 2 { for p in conv.biases { p.data += 0.5 } }
        for leaf in leaves { leaf.zeroGrad() }
        let replayed = recording.replay()
        replayed.backward(gradient: 1.5)
        let replayedData = replayed.data.bitPattern
        let replayedGrads = bits(leaves.map(\.grad))
        let replayedWinners = Self.winners(recorded.map(\.data))
        changed = changed || replayedWinners != winnersBefore
        for leaf in leaves { leaf.zeroGrad() }
        let fresh = Tape.scope { () -> (UInt64, [Int]) in
          let y = body()
          y.backward(gradient: 1.5)
          return (y.data.bitPattern, Self.winners(convolved.map(\.data)))
        }
        #expect(replayedData == fresh.0)
        #expect(replayedWinners == fresh.1)
        #expect(replayedGrads == bits(leaves.map(\.grad)))
      }
      #expect(changed, "no max-pool window changed its winner: the test does not test that")
    }
  }

  @Test("max-pool alone on leaves: replay moves the gradient to the new first maximum")
  func replayMovesTheGradient() {
    Tape.scope {
      let x = Image(shape: Shape(channels: 1, height: 2, width: 2), pixels: [1, 2, 3, 4])
      let recording = Recording { MaxPool2D(2)(x).values[0] }
      #expect(recording.isReplayable)
      recording.output.backward()
      #expect(x.values.map(\.grad) == [0, 0, 0, 1])
      for (v, d) in zip(x.values, [5.0, 5, 5, -1]) { v.data = d }
      for v in x.values { v.zeroGrad() }
      let y = recording.replay()
      y.backward()
      #expect(y.data == 5)
      #expect(x.values.map(\.grad) == [1, 0, 0, 0])
    }
  }

  // MARK: Training

  /// 1×6×6 images of a horizontal (class 0) or vertical (class 1) bar of
  /// length 3 at a random place, on noise.
  static func bars(count: Int, seed: UInt64) throws -> Dataset {
    var rng = SeededGenerator(seed: seed)
    var features: [[Double]] = []
    var labels: [Double] = []
    for k in 0..<count {
      var image = (0..<36).map { _ in rng.nextUniform(in: 0, 0.3) }
      let along = Int(rng.next() % 4)
      let across = Int(rng.next() % 6)
      for t in 0..<3 {
        let (y, x) = k % 2 == 0 ? (across, along + t) : (along + t, across)
        image[y * 6 + x] = 1
      }
      features.append(image)
      labels.append(Double(k % 2))
    }
    return try Dataset(features: features, labels: labels)
  }

  static func barNet(seed: UInt64) -> Sequential {
    var rng = SeededGenerator(seed: seed)
    return Sequential(
      inputShape: Shape(channels: 1, height: 6, width: 6),
      [
        Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, padding: 1, using: &rng),
        Activation.relu, MaxPool2D(2), Flatten(),
        Layer(inputSize: 36, outputSize: 2, initialization: .he, using: &rng),
      ])
  }

  @Test("a conv net trains with train(…): mini-batches, shards on 2 threads, full-batch replay")
  func trains() throws {
    let data = try Self.bars(count: 32, seed: 8)
    func run(_ options: TrainingOptions) throws -> [EpochReport] {
      try Tape().withCurrent {
        let net = Self.barNet(seed: 9)
        var adam = try Adam(parameters: net.parameters, learningRate: 0.02)
        return try train(
          net, on: data, loss: .softmaxCrossEntropy, optimizer: &adam, options: options)
      }
    }
    let batches = try run(TrainingOptions(epochs: 20, batchSize: 8, seed: 10))
    let first = try #require(batches.first).loss
    let last = try #require(batches.last)
    #expect(last.loss < first / 4, "loss \(first) → \(last.loss)")
    #expect((last.accuracy ?? 0) >= 0.95)
    // Shards are copies on tapes of their own: 1 or 2 threads, bit for bit.
    let one = try run(TrainingOptions(epochs: 3, batchSize: 8, seed: 10, shards: 2, threads: 1))
    let two = try run(TrainingOptions(epochs: 3, batchSize: 8, seed: 10, shards: 2, threads: 2))
    #expect(one.map(\.loss.bitPattern) == two.map(\.loss.bitPattern))
    // Full batch: replaying the recorded graph (max-pool winners moving as
    // the weights do) gives what recording it at every step gives.
    let replayed = try run(TrainingOptions(epochs: 15, replaysFullBatch: true))
    let recorded = try run(TrainingOptions(epochs: 15, replaysFullBatch: false))
    #expect(replayed.map(\.loss.bitPattern) == recorded.map(\.loss.bitPattern))
    #expect((replayed.last?.loss ?? .infinity) < (replayed.first?.loss ?? 0))
  }

  /// The position of the first maximum in each 2×2 window of a 2×6×6
  /// image's values.
  static func winners(_ data: [Double]) -> [Int] {
    var result: [Int] = []
    for c in 0..<2 {
      for oy in 0..<3 {
        for ox in 0..<3 {
          let window = [(0, 0), (0, 1), (1, 0), (1, 1)].map { dy, dx in
            data[(c * 6 + 2 * oy + dy) * 6 + 2 * ox + dx]
          }
          var best = 0
          for k in 1..<4 where window[k] > window[best] { best = k }
          result.append(best)
        }
      }
    }
    return result
  }
}
