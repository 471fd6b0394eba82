// Seed 004's `Net` (conv 1→6 3×3, max-pool 2, conv 6→16 3×3, max-pool 2,
// 576→120→84→10) written as a model of one's own: its parameter count, its
// gradients against a back-propagation written by hand on plain arrays and
// against central differences, and the seed's loop against `train`.

import Backprop
import Foundation
import Testing

/// Seed 004's network, as the guide writes it.
struct Net: Model {
  let conv1: Conv2D
  let conv2: Conv2D
  let fc1: Layer
  let fc2: Layer
  let fc3: Layer

  init(seed: UInt64 = 0) {
    var rng = SeededGenerator(seed: seed)
    // 1 input image channel, 6 output channels, 3x3 square convolution kernel
    conv1 = Conv2D(inputChannels: 1, outputChannels: 6, kernelSize: 3, using: &rng)
    conv2 = Conv2D(inputChannels: 6, outputChannels: 16, kernelSize: 3, using: &rng)
    // an affine operation: y = Wx + b
    fc1 = Layer(inputSize: 16 * 6 * 6, outputSize: 120, activation: .relu, initialization: .he, using: &rng)
    fc2 = Layer(inputSize: 120, outputSize: 84, activation: .relu, initialization: .he, using: &rng)
    fc3 = Layer(inputSize: 84, outputSize: 10, initialization: .he, using: &rng)
  }

  init(conv1: Conv2D, conv2: Conv2D, fc1: Layer, fc2: Layer, fc3: Layer) {
    (self.conv1, self.conv2, self.fc1, self.fc2, self.fc3) = (conv1, conv2, fc1, fc2, fc3)
  }

  func callAsFunction(_ x: Image) -> [Value] {
    // Max pooling over a (2, 2) window
    var x = MaxPool2D(2)(Activation.relu(conv1(x)))
    x = MaxPool2D(2)(Activation.relu(conv2(x)))
    return fc3(fc2(fc1(x.values)))
  }

  var inputSize: Int { 32 * 32 }
  var outputSize: Int { 10 }
  var parameterGroups: [ParameterGroup] {
    conv1.parameterGroups + conv2.parameterGroups + fc1.parameterGroups + fc2.parameterGroups
      + fc3.parameterGroups
  }
  func copy() -> Net {
    Net(conv1: conv1.copy(), conv2: conv2.copy(), fc1: fc1.copy(), fc2: fc2.copy(), fc3: fc3.copy())
  }
  func callAsFunction(_ x: [Value]) -> [Value] {
    self(Image(shape: Shape(channels: 1, height: 32, width: 32), values: x))
  }
}

/// The first digits upscaled to 32×32, scaled to [0, 1].
private func digits(_ count: Int) throws -> Dataset {
  let all = try Dataset.digits(scaled: true).upscaled(from: Dataset.digitsImageShape, by: 4)
  return try Dataset(
    features: Array(all.features.prefix(count)), labels: all.targets.prefix(count).map { $0[0] })
}

// MARK: - The same network by hand, on plain arrays

/// The valid 3×3 convolution of `channels` maps of `size`², stride 1:
/// `DirectConvolution` (Conv2DTests' oracle) of that shape.
private func convolution(_ channels: Int, _ size: Int, to outputs: Int) -> DirectConvolution {
  DirectConvolution(
    shape: ConvCase(
      inputChannels: channels, outputChannels: outputs, kernelSize: 3, stride: 1, padding: 0,
      height: size, width: size))
}

/// Max-pool 2×2 of `c` channels of `h`×`w` (floor): the outputs and, for
/// each, the input it took (the first maximum of its window).
private func maxPool(_ x: [Double], _ c: Int, _ h: Int, _ w: Int) -> ([Double], [Int]) {
  let oh = h / 2
  let ow = w / 2
  var y: [Double] = []
  var from: [Int] = []
  for ch in 0..<c {
    for r in 0..<oh {
      for s in 0..<ow {
        var best = (ch * h + 2 * r) * w + 2 * s
        for (i, j) in [(0, 1), (1, 0), (1, 1)] {
          let k = (ch * h + 2 * r + i) * w + 2 * s + j
          if x[k] > x[best] { best = k }
        }
        y.append(x[best])
        from.append(best)
      }
    }
  }
  return (y, from)
}

/// Every parameter's gradient of softmax cross-entropy for one image, in
/// the model's parameter order, by back-propagation written out by hand.
private func handGradient(_ net: Net, _ image: [Double], label: Int) -> [Double] {
  let k1 = net.conv1.kernels.map { $0.map(\.data) }
  let b1 = net.conv1.biases.map(\.data)
  let k2 = net.conv2.kernels.map { $0.map(\.data) }
  let b2 = net.conv2.biases.map(\.data)
  func dense(_ layer: Layer) -> ([[Double]], [Double]) {
    (layer.neurons.map { $0.weights.map(\.data) }, layer.neurons.map(\.bias.data))
  }
  let (w3, c3) = dense(net.fc1)
  let (w4, c4) = dense(net.fc2)
  let (w5, c5) = dense(net.fc3)
  func affine(_ w: [[Double]], _ b: [Double], _ x: [Double]) -> [Double] {
    zip(w, b).map { row, bias in zip(row, x).reduce(0) { $0 + $1.0 * $1.1 } + bias }
  }
  // Forward.
  let conv1 = convolution(1, 32, to: 6)
  let conv2 = convolution(6, 15, to: 16)
  let z1 = conv1.forward(x: image, w: k1, b: b1)  // 6×30×30
  let a1 = z1.map { Swift.max($0, 0) }
  let (p1, from1) = maxPool(a1, 6, 30, 30)  // 6×15×15
  let z2 = conv2.forward(x: p1, w: k2, b: b2)  // 16×13×13
  let a2 = z2.map { Swift.max($0, 0) }
  let (p2, from2) = maxPool(a2, 16, 13, 13)  // 16×6×6 = 576
  let z3 = affine(w3, c3, p2)
  let h3 = z3.map { Swift.max($0, 0) }
  let z4 = affine(w4, c4, h3)
  let h4 = z4.map { Swift.max($0, 0) }
  let out = affine(w5, c5, h4)
  // Backward: D(out) = softmax − one-hot, then each layer in turn.
  let m = out.max() ?? 0
  let e = out.map { exp($0 - m) }
  let total = e.reduce(0, +)
  var dOut = e.map { $0 / total }
  dOut[label] -= 1
  func affineBackward(_ w: [[Double]], _ x: [Double], _ dz: [Double]) -> ([Double], [Double]) {
    // The weights' and bias' gradients neuron by neuron, and the input's.
    var dParameters: [Double] = []
    var dx = [Double](repeating: 0, count: x.count)
    for (i, row) in w.enumerated() {
      dParameters += x.map { $0 * dz[i] } + [dz[i]]
      for j in row.indices { dx[j] += row[j] * dz[i] }
    }
    return (dParameters, dx)
  }
  let (g5, dh4) = affineBackward(w5, h4, dOut)
  let dz4 = zip(dh4, z4).map { $1 > 0 ? $0 : 0 }
  let (g4, dh3) = affineBackward(w4, h3, dz4)
  let dz3 = zip(dh3, z3).map { $1 > 0 ? $0 : 0 }
  let (g3, dp2) = affineBackward(w3, p2, dz3)
  var da2 = [Double](repeating: 0, count: a2.count)
  for (k, i) in from2.enumerated() { da2[i] += dp2[k] }
  let dz2 = zip(da2, z2).map { $1 > 0 ? $0 : 0 }
  let (dp1, dk2, db2) = conv2.backward(x: p1, w: k2, g: dz2)
  var da1 = [Double](repeating: 0, count: a1.count)
  for (k, i) in from1.enumerated() { da1[i] += dp1[k] }
  let dz1 = zip(da1, z1).map { $1 > 0 ? $0 : 0 }
  let (_, dk1, db1) = conv1.backward(x: image, w: k1, g: dz1)
  func kernelsThenBias(_ dk: [[Double]], _ db: [Double]) -> [Double] {
    zip(dk, db).flatMap { $0 + [$1] }
  }
  return kernelsThenBias(dk1, db1) + kernelsThenBias(dk2, db2) + g3 + g4 + g5
}

@Suite("Seed 004's Net")
struct Seed004NetTests {
  @Test("the parameters: 81,194, counted layer by layer")
  func parameterCounts() {
    let net = Net()
    #expect(net.parameterGroups.map(\.name)
      == ["conv 1 → 6 3×3", "conv 6 → 16 3×3", "dense 576 → 120", "dense 120 → 84", "dense 84 → 10"])
    #expect(net.parameterGroups.map(\.parameters.count) == [60, 880, 69_240, 10_164, 850])
    #expect(net.parameterCount == 81_194)
  }

  @Test("the Sequential of the design's contract, layers listed one after the other")
  func sequentialAsInTheContract() {
    let net = Sequential(inputShape: Shape(channels: 1, height: 32, width: 32),
      Conv2D(inputChannels: 1, outputChannels: 6, kernelSize: 3), Activation.relu, MaxPool2D(2),
      Conv2D(inputChannels: 6, outputChannels: 16, kernelSize: 3), Activation.relu, MaxPool2D(2),
      Flatten(), Layer(inputSize: 16 * 6 * 6, outputSize: 120, activation: .relu),
      Layer(inputSize: 120, outputSize: 84, activation: .relu), Layer(inputSize: 84, outputSize: 10))
    #expect(net.parameterCount == Net().parameterCount)
    #expect(net.shapes.map(\.description)
      == ["6×30×30", "6×30×30", "6×15×15", "16×13×13", "16×13×13", "16×6×6", "576×1×1",
          "120×1×1", "84×1×1", "10×1×1"])
  }

  @Test("the seed's loop on a Sequential: a loss of its output images is the loss of their values")
  func lossOfImages() throws {
    Tape.scope {
      let net = Sequential(inputShape: Shape(channels: 1, height: 4, width: 4),
        Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3), Flatten(),
        Layer(inputSize: 8, outputSize: 3))
      let input = (0..<2).map { k in
        Image(shape: net.inputShape, pixels: (0..<16).map { Double(($0 + k) % 5) / 5 })
      }
      let target: [[Double]] = [[0], [2]]
      let criterion = Loss.softmaxCrossEntropy
      let output = input.map { net($0) }
      let loss = criterion(output, target)
      #expect(loss.data == criterion(output.map(\.values), target).data)
      loss.backward()
      #expect(net.parameterGradients.contains { $0 != 0 })
    }
  }

  @Test("gradients on a digit agree with back-propagation written by hand on arrays")
  func againstHandWrittenBackpropagation() throws {
    let data = try digits(2)
    Tape.scope {
      let net = Net(seed: 1)
      for (row, target) in zip(data.features, data.targets) {
        net.zeroGrad()
        let label = Int(target[0])
        softmaxCrossEntropy(logits: net(row.map { Value($0) }), classIndex: label).backward()
        let expected = handGradient(net, row, label: label)
        let engine = net.parameterGradients
        #expect(engine.count == expected.count)
        let scale = expected.map { Swift.abs($0) }.max() ?? 1
        let worst = zip(engine, expected).map { Swift.abs($0 - $1) }.max() ?? 0
        #expect(worst <= 1e-12 * Swift.max(1, scale))
        #expect(expected.contains { $0 != 0 })
      }
    }
  }

  @Test("gradients agree with central differences, on a sample of parameters in every layer")
  func againstCentralDifferences() throws {
    let image = try digits(1).features[0]
    Tape.scope {
      let net = Net(seed: 2)
      func loss() -> Double {
        Tape.scope { softmaxCrossEntropy(logits: net(image.map { Value($0) }), classIndex: 0).data }
      }
      net.zeroGrad()
      softmaxCrossEntropy(logits: net(image.map { Value($0) }), classIndex: 0).backward()
      let parameters = net.parameters
      var rng = SeededGenerator(seed: 3)
      var offset = 0
      for group in net.parameterGroups {
        for _ in 0..<6 {
          let p = parameters[offset + Int(rng.next() % UInt64(group.parameters.count))]
          let h = 1e-5
          let old = p.data
          p.data = old + h
          let up = loss()
          p.data = old - h
          let down = loss()
          p.data = old
          let numeric = (up - down) / (2 * h)
          #expect(Swift.abs(p.grad - numeric) <= 1e-6 * Swift.max(1, Swift.abs(numeric)))
        }
        offset += group.parameters.count
      }
    }
  }

  @Test("the seed's loop, as printed, gives the bits `train` gives")
  func seedLoopEqualsTrain() throws {
    let data = try digits(8)
    func seedLoop() throws -> [UInt64] {
      try Tape.scope {
        let net = Net(seed: 4)
        var optimizer = try SGD(parameters: net.parameters, learningRate: 0.01, momentum: 0.9)
        let criterion = Loss.softmaxCrossEntropy
        for start in stride(from: 0, to: 8, by: 4) {
          let input = data.features[start..<(start + 4)]
          let target = Array(data.targets[start..<(start + 4)])
          optimizer.zeroGrad()  // zero the gradient buffers
          let output = input.map { net($0.map { Value($0) }) }
          let loss = criterion(output, target)
          loss.backward()
          optimizer.step()  // Does the update
        }
        return net.parameterValues.map(\.bitPattern)
      }
    }
    func trained() throws -> [UInt64] {
      try Tape.scope {
        let net = Net(seed: 4)
        var optimizer = try SGD(parameters: net.parameters, learningRate: 0.01, momentum: 0.9)
        try train(
          net, on: data, loss: .softmaxCrossEntropy, optimizer: &optimizer,
          options: TrainingOptions(epochs: 1, batchSize: 4, shuffle: false))
        return net.parameterValues.map(\.bitPattern)
      }
    }
    let a = try seedLoop()
    #expect(a == (try trained()))
    #expect(a != Net(seed: 4).parameterValues.map(\.bitPattern))
  }
}
