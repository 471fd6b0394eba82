import Backprop
import Foundation
import Testing

// The `Model` protocol: the groups and roles of MLP and Layer, a model of
// one's own trained (sharded too) through `train`, the L2 penalty and the
// gradient norms by group, `copy()` onto another tape; `Sequential` of dense
// layers against an MLP, shapes and their errors.

/// A model of one's own: y = a·tanh(w·x + b) + c, two groups.
private struct Scaled: Model {
  let w: [Value]
  let b: Value
  let a: Value
  let c: Value

  init(weights: [Double], bias: Double, scale: Double, shift: Double) {
    w = weights.map { Value($0) }
    b = Value(bias)
    a = Value(scale)
    c = Value(shift)
  }

  var inputSize: Int { w.count }
  var outputSize: Int { 1 }
  var parameterGroups: [ParameterGroup] {
    [
      ParameterGroup(name: "inner", parameters: w + [b], roles: w.map { _ in .weight } + [.bias]),
      ParameterGroup(name: "outer", parameters: [a, c], roles: [.other, .bias]),
    ]
  }
  func copy() -> Scaled {
    Scaled(weights: w.map(\.data), bias: b.data, scale: a.data, shift: c.data)
  }
  func callAsFunction(_ x: [Value]) -> [Value] {
    [a * (Value.dot(w, x) + b).tanh() + c]
  }
}

private func regression(count: Int) throws -> Dataset {
  var rng = SeededGenerator(seed: 21)
  let features = (0..<count).map { _ in [rng.nextUniform(in: -1, 1), rng.nextUniform(in: -1, 1)] }
  return try Dataset(
    features: features, targets: features.map { [0.5 * Foundation.tanh($0[0] - 2 * $0[1]) + 0.1] })
}

@Suite("The Model protocol")
struct ModelTests {
  @Test("an MLP's groups are its layers, weights then bias per neuron")
  func mlpGroups() {
    let model = MLP(inputSize: 3, layerSizes: [2, 1], activation: .tanh, seed: 1)
    let groups = model.parameterGroups
    #expect(groups.map(\.name) == ["dense 3 → 2", "dense 2 → 1"])
    #expect(groups.flatMap(\.parameters).map(\.id) == model.parameters.map(\.id))
    #expect(groups[0].roles == [.weight, .weight, .weight, .bias, .weight, .weight, .weight, .bias])
    let weights = model.layers.flatMap { $0.neurons.flatMap(\.weights) }
    #expect(model.nonBiasParameters.map(\.id) == weights.map(\.id))
  }

  @Test("copy() puts the same parameters on another tape, with the same outputs")
  func copyOntoAnotherTape() {
    let model = MLP(inputSize: 2, layerSizes: [4, 1], activation: .relu, seed: 3)
    let tape = Tape()
    let replica = tape.withCurrent { model.copy() }
    #expect(replica.parameters.allSatisfy { $0.tape === tape })
    #expect(replica.parameterValues.map(\.bitPattern) == model.parameterValues.map(\.bitPattern))
    let y = tape.withCurrent { replica([0.3, -0.7])[0].data }
    #expect(y == model([0.3, -0.7])[0].data)
  }

  @Test("a model of one's own trains, and sharding over 2 threads gives the same bits")
  func ownModelTrains() throws {
    let data = try regression(count: 30)
    func run(shards: Int, threads: Int) throws -> ([EpochReport], [UInt64]) {
      try Tape.scope {
        let model = Scaled(weights: [0.1, -0.2], bias: 0, scale: 1, shift: 0)
        var optimizer = try Adam(parameters: model.parameters, learningRate: 0.05)
        let reports = try train(
          model, on: data, loss: .meanSquaredError, optimizer: &optimizer,
          options: TrainingOptions(epochs: 30, l2: 1e-3, l2IncludesBiases: false,
                                   shards: shards, threads: threads))
        return (reports, model.parameterValues.map(\.bitPattern))
      }
    }
    let (one, parameters) = try run(shards: 1, threads: 1)
    #expect(one.count == 30)
    #expect(one[29].loss < one[0].loss / 4)
    #expect(one[0].layerGradientNorms.count == 2)
    let (sharded, shardedParameters) = try run(shards: 3, threads: 1)
    let (threaded, threadedParameters) = try run(shards: 3, threads: 2)
    #expect(sharded == threaded)
    #expect(shardedParameters == threadedParameters)
    // Sharding adds the shards' gradients in another order: close, not equal.
    for (a, b) in zip(parameters, shardedParameters) {
      #expect(Swift.abs(Double(bitPattern: a) - Double(bitPattern: b)) <= 1e-9)
    }
  }

  @Test("the L2 penalty leaves out exactly the parameters whose role is bias")
  func penaltyByRole() {
    Tape.scope {
      let model = Scaled(weights: [3, 4], bias: 5, scale: 2, shift: 7)
      #expect(l2Penalty(model, coefficient: 1, includeBiases: false).data == 9 + 16 + 4)
      #expect(l2Penalty(model, coefficient: 1).data == 9 + 16 + 25 + 4 + 49)
    }
  }

  @Test("a group needs one role per parameter")
  func groupRoles() {
    let group = ParameterGroup(name: "g", parameters: [Value(1)], roles: [.other])
    #expect(group.roles.map(\.description) == ["other"])
  }

  @Test("a Sequential of dense layers gives an MLP's bits, forward and backward")
  func sequentialOfDenseLayers() throws {
    try Tape.scope {
      let mlp = MLP(inputSize: 3, layerSizes: [5, 2], activation: .tanh, seed: 4)
      let net = Sequential(inputShape: Shape(vector: 3), mlp.layers.map { $0.copy() })
      #expect(net.inputSize == 3 && net.outputSize == 2)
      #expect(net.parameterGroups.map(\.name) == ["dense 3 → 5", "dense 5 → 2"])
      let x = [0.2, -0.4, 1.5]
      let a = mlp(x)
      let b = net(x)
      #expect(a.map(\.data) == b.map(\.data))
      Value.sum(a).backward()
      Value.sum(b).backward()
      #expect(mlp.parameterGradients == net.parameterGradients)
      #expect(net.description == "Sequential(3×1×1 → dense 3 → 5 → 5×1×1 → dense 5 → 2 → 2×1×1)")
      // Activations and Flatten as layers.
      let shapes = try Sequential.outputShapes(
        inputShape: Shape(channels: 2, height: 2, width: 2),
        layers: [Activation.relu, Flatten(), mlp.layers[0].copy().withInputs(8)])
      #expect(shapes.map(\.description) == ["2×2×2", "8×1×1", "5×1×1"])
    }
  }

  @Test("a layer that does not fit is a ShapeError naming it")
  func shapeErrors() {
    let layer = Layer(inputSize: 4, outputSize: 2, seed: 0)
    #expect(throws: ShapeError.self) {
      try Sequential.outputShapes(inputShape: Shape(vector: 3), layers: [layer])
    }
    do {
      _ = try layer.outputShape(for: Shape(channels: 1, height: 1, width: 3))
    } catch {
      #expect(error.description == "dense 4 → 2 takes 4 inputs, not the 3 of an input of shape 1×1×3")
    }
    #expect(throws: ShapeError.self) { try Sequential.outputShapes(inputShape: Shape(vector: 3), layers: []) }
    #expect(Shape(parsing: "1x8x8") == Shape(channels: 1, height: 8, width: 8))
    #expect(Shape(parsing: "3×32×32")?.count == 3072)
    #expect(Shape(parsing: "0x8x8") == nil && Shape(parsing: "8x8") == nil)
  }

  @Test("an image is CHW: channel, then row, then column")
  func imageOrder() {
    let shape = Shape(channels: 2, height: 2, width: 3)
    let image = Image(shape: shape, pixels: (0..<12).map(Double.init))
    #expect(image[1, 0, 2].data == 8)
    #expect(shape.offset(channel: 1, row: 1, column: 0) == 9)
  }
}

extension Layer {
  /// A fresh layer of the same width taking `n` inputs (for shape tests).
  fileprivate func withInputs(_ n: Int) -> Layer {
    Layer(inputSize: n, outputSize: outputSize, seed: 0)
  }
}
