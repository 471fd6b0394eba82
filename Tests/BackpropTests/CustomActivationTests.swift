import Backprop
import Foundation
import Testing

// `Activation.custom`, `.gelu` and `.swish` in layers: the fast path against
// the neuron-by-neuron path and a hand-written backward on plain arrays;
// training recorded, replayed and sharded; the per-op check through a
// layer; checkpoints that refuse a function and still read every old file.

/// softsign(x) = x / (1 + |x|), with its derivatives.
private let softsign = ElementwiseFunction(
  "softsign", { (x: Double) -> Double in x / (1 + Swift.abs(x)) },
  derivative: { (x: Double) -> Double in
    let d = 1 + Swift.abs(x)
    return 1 / (d * d)
  },
  secondDerivative: { (x: Double) -> Double in
    let d = 1 + Swift.abs(x)
    return (x < 0 ? 2 : -2) / (d * d * d)
  })

/// tanh as a user would write it, with the library's formula: a custom op
/// that must give the built-in op's bits.
private let userTanh = ElementwiseFunction(
  "tanh", { x in Foundation.tanh(x) }, derivative: { x in 1 - Foundation.tanh(x) * Foundation.tanh(x) })

/// Every parameter, output and gradient of one forward and backward, as bits.
private func bits(_ model: MLP, _ x: [Double]) -> [UInt64] {
  model.zeroGrad()
  let y = model(x)
  let loss = Value.sum(y.map { $0 * $0 })
  loss.backward()
  return y.map(\.data.bitPattern) + model.parameters.map(\.grad.bitPattern)
}

@Suite("Custom and new activations in layers")
struct CustomActivationTests {
  @Test("a custom activation gives the built-in op's bits when it is the same function")
  func customTanhMatchesBuiltIn() {
    Tape.scope {
      let builtIn = MLP(inputSize: 3, layerSizes: [5, 4, 2], activation: .tanh, seed: 7)
      let custom = MLP(inputSize: 3, layerSizes: [5, 4, 2], activation: .custom(userTanh), seed: 7)
      #expect(custom.activations == [.custom(userTanh), .custom(userTanh), .linear])
      let x = [0.3, -1.2, 0.8]
      #expect(bits(custom, x) == bits(builtIn, x))
    }
  }

  @Test("the fast path and the neuron-by-neuron path agree bit for bit",
        arguments: [Activation.custom(softsign), .gelu, .swish])
  func fastPathMatchesNeurons(_ activation: Activation) {
    Tape.scope {
      let model = MLP(inputSize: 4, layerSizes: [6, 3], activation: activation, seed: 2)
      let x = [0.5, -0.25, 2.0, -3.0]
      let fast = bits(model, x)
      // The same neurons called one by one record through the general path.
      model.zeroGrad()
      let hidden = model.layers[0].neurons.map { $0(x.map { Value($0) }) }
      let y = model.layers[1].neurons.map { $0(hidden) }
      Value.sum(y.map { $0 * $0 }).backward()
      #expect(fast == y.map(\.data.bitPattern) + model.parameters.map(\.grad.bitPattern))
    }
  }

  @Test("gradients agree with a hand-written backward on plain arrays",
        arguments: [Activation.custom(softsign), .gelu, .swish])
  func matchesMatrixNetwork(_ activation: Activation) {
    Tape.scope {
      let model = MLP(inputSize: 3, layerSizes: [4, 2], activation: activation, seed: 5)
      let x = [0.7, -1.1, 0.4]
      model.zeroGrad()
      let y = model(x)
      Value.sum(y).backward()
      let net = MatrixNetwork(model)
      let cache = net.forward(x)
      let reference = net.backward(cache, outputGradient: [1, 1])
      for (value, expected) in zip(y.map(\.data), cache.a.last ?? []) {
        #expect(Swift.abs(value - expected) <= 1e-14)
      }
      for (grad, expected) in zip(model.parameters.map(\.grad), reference) {
        #expect(Swift.abs(grad - expected) <= 1e-13 * Swift.max(1, Swift.abs(expected)))
      }
    }
  }

  @Test("gelu's and swish's derivatives on numbers match central differences and the engine",
        arguments: [Activation.gelu, .swish])
  func numberDerivatives(_ activation: Activation) {
    for x in stride(from: -6.0, through: 6.0, by: 0.37) {
      let h = 1e-5
      let numeric = (activation(x + h) - activation(x - h)) / (2 * h)
      #expect(Swift.abs(activation.derivative(x) - numeric) <= 1e-8)
      let v = Value(x)
      let y = activation(v)
      y.backward()
      #expect(y.data == activation(x))
      #expect(Swift.abs(v.grad - activation.derivative(x)) <= 1e-15)
    }
  }

  @Test("training with a custom activation: replayed, recorded and sharded over 2 threads")
  func trains() throws {
    var rng = SeededGenerator(seed: 4)
    let data = try Dataset.twoMoons(count: 40, noise: 0.1, using: &rng).signedLabels()
    func run(_ options: TrainingOptions) throws -> [UInt64] {
      try Tape.scope {
        let model = MLP(inputSize: 2, layerSizes: [8, 1], activation: .custom(softsign), seed: 3)
        var optimizer = try SGD(parameters: model.parameters, learningRate: 0.05)
        let reports = try train(model, on: data, loss: .hinge, optimizer: &optimizer, options: options)
        #expect(reports.last.map { $0.loss < reports[0].loss } == true)
        return reports.map(\.loss.bitPattern) + model.parameterValues.map(\.bitPattern)
      }
    }
    let replayed = try run(TrainingOptions(epochs: 6))
    let recorded = try run(TrainingOptions(epochs: 6, replaysFullBatch: false))
    #expect(replayed == recorded)
    let one = try run(TrainingOptions(epochs: 6, shards: 4, threads: 1))
    let two = try run(TrainingOptions(epochs: 6, shards: 4, threads: 2))
    #expect(one == two)
  }

  @Test("a wrong derivative in a layer's activation is named by the gradient check")
  func perOpCheckThroughALayer() {
    let wrong = ElementwiseFunction(
      "softsign", { x in x / (1 + Swift.abs(x)) }, derivative: { x in 1 / (1 + Swift.abs(x)) })
    let report = checkGradient(
      of: { p in
        Neuron(weights: Array(p[0..<2]), bias: p[2], activation: .custom(wrong))([0.5, -2.0])
      }, at: [0.3, 0.4, 0.1])
    #expect(!report.passed)
    #expect(report.localDerivatives.count == 1)
    #expect(report.localDerivatives.first?.function == "softsign")
    #expect(report.localDerivatives.first?.passed == false)
    #expect(report.description.contains("softsign"))
    let right = checkGradient(
      of: { p in
        Neuron(weights: Array(p[0..<2]), bias: p[2], activation: .custom(softsign))([0.5, -2.0])
      }, at: [0.3, 0.4, 0.1])
    #expect(right.passed)
  }

  @Test("a checkpoint refuses a custom activation, names the layer, and writes nothing")
  func checkpointRefusesCustom() throws {
    let model = MLP(inputSize: 2, layerSizes: [3, 1], activation: .custom(softsign), seed: 1)
    #expect(throws: CheckpointError.customActivation(layer: 0, name: "softsign")) {
      try Checkpoint(model: model)
    }
    let path = FileManager.default.temporaryDirectory
      .appendingPathComponent("custom-\(UUID().uuidString).json").path
    try "previous".write(toFile: path, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(atPath: path) }
    #expect(throws: CheckpointError.customActivation(layer: 0, name: "softsign")) {
      try model.save(to: path)
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == "previous")
    let message = CheckpointError.customActivation(layer: 0, name: "softsign").description
    #expect(message.contains("layer 0") && message.contains("softsign"))
    #expect(throws: EncodingError.self) { try JSONEncoder().encode(Activation.custom(softsign)) }
  }

  @Test("gelu and swish layers round-trip through a checkpoint bit for bit")
  func checkpointRoundTrip() throws {
    try Tape.scope {
      var rng = SeededGenerator(seed: 8)
      let model = MLP(
        inputSize: 2, layerSizes: [3, 3, 1], activations: [.gelu, .swish, .linear], using: &rng)
      let loaded = try Checkpoint(model: model).makeModel()
      #expect(loaded.activations == [.gelu, .swish, .linear])
      #expect(loaded.parameterValues.map(\.bitPattern) == model.parameterValues.map(\.bitPattern))
      #expect(loaded.predict([0.1, 0.2]) == model.predict([0.1, 0.2]))
    }
  }

  @Test("activations read as before: the JSON of every built-in case, and errors")
  func codingFormat() throws {
    let all: [Activation] = [
      .linear, .step, .sigmoid, .tanh, .relu, .leakyReLU(slope: 0.01), .elu(alpha: 0.5), .softplus,
      .gelu, .swish,
    ]
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let json = try String(decoding: encoder.encode(all), as: UTF8.self)
    #expect(
      json == #"[{"linear":{}},{"step":{}},{"sigmoid":{}},{"tanh":{}},{"relu":{}},"#
        + #"{"leakyReLU":{"slope":0.01}},{"elu":{"alpha":0.5}},{"softplus":{}},{"gelu":{}},{"swish":{}}]"#)
    #expect(try JSONDecoder().decode([Activation].self, from: Data(json.utf8)) == all)
    for bad in [#"{}"#, #"{"relu":{},"tanh":{}}"#, #"{"mish":{}}"#, #"{"elu":{}}"#] {
      #expect(throws: DecodingError.self) { try JSONDecoder().decode(Activation.self, from: Data(bad.utf8)) }
    }
  }

  @Test("names: parsing gelu, swish and silu; a custom activation's description")
  func names() {
    #expect(Activation(parsing: "gelu") == .gelu)
    #expect(Activation(parsing: "swish") == .swish)
    #expect(Activation(parsing: "SiLU") == .swish)
    #expect(Activation.custom(softsign).description == "custom(softsign)")
    #expect(Activation(parsing: "custom(softsign)") == nil)
  }

  @Test("functions are equal when they are one definition")
  func identity() {
    let copy = softsign
    let twin = ElementwiseFunction(
      "softsign", { x in x / (1 + Swift.abs(x)) },
      derivative: { x in 1 / ((1 + Swift.abs(x)) * (1 + Swift.abs(x))) })
    #expect(copy == softsign)
    #expect(twin != softsign)
    #expect(Set([softsign, copy, twin]).count == 2)
    #expect(Activation.custom(softsign) != .custom(twin))
    #expect(softsign(3.0) == 0.75)
  }

  @Test("higher order through a custom activation uses its second derivative")
  func secondDerivative() {
    Tape.scope {
      let x = Value(0.8)
      let y = Activation.custom(softsign)(x)
      let dx = Value.gradients(of: y, withRespectTo: [x])[0]
      let d2 = Value.gradients(of: dx, withRespectTo: [x])[0]
      let expected = -2 / ((1 + 0.8) * (1 + 0.8) * (1 + 0.8))
      #expect(Swift.abs(d2.data - expected) <= 1e-15)
    }
  }
}
