// Checkpoints of models that are not MLPs (format version 3): a Sequential
// built back bit for bit, a model of one's own restored into a fresh one,
// refusals that write nothing, and files of the other kind refused.

import Backprop
import Foundation
import Testing

private func scratch(_ name: String) -> String {
  FileManager.default.temporaryDirectory
    .appendingPathComponent("backprop-\(UUID().uuidString)-\(name)").path
}

/// y = a·x₀ + b·x₁ + c, in two groups.
private struct Plane: Model {
  let ab: [Value]
  let c: Value
  init(_ a: Double, _ b: Double, _ c: Double) {
    ab = [Value(a), Value(b)]
    self.c = Value(c)
  }
  var inputSize: Int { 2 }
  var outputSize: Int { 1 }
  var parameterGroups: [ParameterGroup] {
    [ParameterGroup(name: "slopes", parameters: ab, roles: [.weight, .weight]),
     ParameterGroup(name: "intercept", parameters: [c], roles: [.bias])]
  }
  func copy() -> Plane { Plane(ab[0].data, ab[1].data, c.data) }
  func callAsFunction(_ x: [Value]) -> [Value] { [Value.dot(ab, x) + c] }
}

/// A layer of one's own: doubles each value.
private struct Doubling: SequentialLayer {
  func outputShape(for input: Shape) throws(ShapeError) -> Shape { input }
  func callAsFunction(_ x: Image) -> Image { Image(shape: x.shape, values: x.values.map { 2 * $0 }) }
  var parameterGroups: [ParameterGroup] { [] }
  func copy() -> Doubling { self }
}

private func net() -> Sequential {
  Sequential(inputShape: Shape(channels: 2, height: 1, width: 2), [
    Activation.tanh, Flatten(),
    Layer(inputSize: 4, outputSize: 3, activation: .leakyReLU(slope: 0.1), seed: 1),
    Layer(inputSize: 3, outputSize: 2, seed: 2),
  ])
}

@Suite("Checkpoints of other models")
struct CheckpointModelTests {
  @Test("a Sequential round-trips through a file bit for bit, optimiser state too")
  func sequentialRoundTrip() throws {
    try Tape.scope {
      let model = net()
      var sgd = try SGD(parameters: model.parameters, learningRate: 0.1, momentum: 0.9)
      let y = model([0.5, -1, 2, 0.25])
      Value.sum(y).backward()
      sgd.step()
      let path = scratch("net.json")
      defer { try? FileManager.default.removeItem(atPath: path) }
      try model.save(to: path, optimizer: sgd.state, metadata: ["note": "test"])
      let checkpoint = try Checkpoint.load(from: path)
      #expect(checkpoint.formatVersion == Checkpoint.modelFormatVersion)
      #expect(checkpoint.optimizer == sgd.state)
      let loaded = try checkpoint.makeSequential()
      #expect(loaded.description == model.description)
      #expect(loaded.parameterValues.map(\.bitPattern) == model.parameterValues.map(\.bitPattern))
      let x = [0.1, 0.2, -0.3, 0.4]
      #expect(loaded(x).map(\.data) == model(x).map(\.data))
      let text = try String(contentsOfFile: path, encoding: .utf8)
      #expect(text.contains("\"architecture\"") && !text.contains("\"layerSizes\""))
      // Applied to a fresh model of the same layers.
      let fresh = net()
      try fresh.setParameterValues(Array(repeating: 0, count: fresh.parameterCount))
      try checkpoint.apply(to: fresh)
      #expect(fresh.parameterValues == model.parameterValues)
    }
  }

  @Test("a model of one's own: its parameters go back into a fresh one, checked by group")
  func ownModel() throws {
    try Tape.scope {
      let model = Plane(0.5, -2, 0.125)
      let checkpoint = try Checkpoint(parametersOf: model)
      let path = scratch("plane.json")
      defer { try? FileManager.default.removeItem(atPath: path) }
      try checkpoint.save(to: path)
      let fresh = Plane(0, 0, 0)
      try Checkpoint.load(from: path).apply(toModel: fresh)
      #expect(fresh.parameterValues == [0.5, -2, 0.125])
      #expect(throws: CheckpointError.self) { try checkpoint.makeModel() }
      #expect(throws: CheckpointError.self) { try checkpoint.makeSequential() }
      // Another model's groups are refused, and the model is left as it was.
      let other = MLP(inputSize: 2, layerSizes: [1], activation: .linear, seed: 3)
      let before = other.parameterValues
      do {
        try checkpoint.apply(toModel: other)
        Issue.record("applied to a model of other groups")
      } catch let error as CheckpointError {
        #expect(error.description.contains("parameter group 0"))
      }
      #expect(other.parameterValues == before)
    }
  }

  @Test("apply(toModel:) reaches an MLP's and a Sequential's own checks")
  func applyToModelDispatches() throws {
    try Tape.scope {
      let mlp = MLP(inputSize: 2, layerSizes: [3, 1], activation: .relu, seed: 4)
      let copy = MLP(inputSize: 2, layerSizes: [3, 1], activation: .relu, seed: 5)
      try Checkpoint(model: mlp).apply(toModel: copy)
      #expect(copy.parameterValues == mlp.parameterValues)
      #expect(throws: CheckpointError.self) { try Checkpoint(model: mlp).apply(toModel: net()) }
      #expect(throws: CheckpointError.self) { try Checkpoint(model: net()).apply(toModel: mlp) }
      #expect(throws: CheckpointError.self) { try Checkpoint(model: net()).apply(to: mlp) }
    }
  }

  @Test("a layer of one's own or a custom activation cannot be saved; nothing is written")
  func refusals() throws {
    let own = Sequential(inputShape: Shape(vector: 2), [Doubling(), Layer(inputSize: 2, outputSize: 1, seed: 0)])
    #expect(throws: CheckpointError.unsavableLayer(layer: 0, name: "Doubling")) {
      try Checkpoint(model: own)
    }
    let path = scratch("refused.json")
    #expect(throws: CheckpointError.self) { try own.save(to: path) }
    #expect(!FileManager.default.fileExists(atPath: path))
    // Its parameters can still be saved.
    #expect(try Checkpoint(parametersOf: own).parameters.count == 3)
    let cube = ElementwiseFunction("cube", { $0 * $0 * $0 }, derivative: { 3 * $0 * $0 })
    let custom = Sequential(inputShape: Shape(vector: 2), [Activation.custom(cube)])
    #expect(throws: CheckpointError.customActivation(layer: 0, name: "cube")) {
      try Checkpoint(model: custom)
    }
  }

  @Test("a version 3 file with an MLP's keys, or a version 2 file with an architecture, is refused")
  func mixedFilesAreRefused() throws {
    let encoder = JSONEncoder()
    let data = try encoder.encode(try Checkpoint(model: net()))
    var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    object["checksum"] = nil
    object["layerSizes"] = [2]
    let withSizes = try JSONSerialization.data(withJSONObject: object)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(Checkpoint.self, from: withSizes) }
    object["layerSizes"] = nil
    object["formatVersion"] = 2
    let older = try JSONSerialization.data(withJSONObject: object)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(Checkpoint.self, from: older) }
    object["formatVersion"] = 3
    let plain = try JSONSerialization.data(withJSONObject: object)
    let decoded = try JSONDecoder().decode(Checkpoint.self, from: plain)
    #expect(decoded.architecture != nil && decoded.inputSize == 4 && decoded.layerSizes == [2])
  }

  @Test("an edited architecture fails the checksum; parameters of the wrong count are refused")
  func damage() throws {
    let data = try JSONEncoder().encode(try Checkpoint(model: net()))
    let text = String(decoding: data, as: UTF8.self)
    let edited = text.replacingOccurrences(of: "\"slope\":0.1", with: "\"slope\":0.2")
    #expect(edited != text)
    #expect(throws: DecodingError.self) { try JSONDecoder().decode(Checkpoint.self, from: Data(edited.utf8)) }
    var object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    object["checksum"] = nil
    object["parameters"] = [1.0, 2.0]
    let short = try JSONSerialization.data(withJSONObject: object)
    do {
      _ = try JSONDecoder().decode(Checkpoint.self, from: short)
      Issue.record("decoded a checkpoint with 2 parameters")
    } catch {
      #expect("\(error)".contains("2 parameters"))
    }
  }
}

@Suite("Checkpoints of convolutional networks")
struct CheckpointConvTests {
  private func convNet() -> Sequential {
    var rng = SeededGenerator(seed: 6)
    return Sequential(inputShape: Shape(channels: 1, height: 6, width: 6), [
      Conv2D(inputChannels: 1, outputChannels: 2, kernelSize: 3, stride: 1, padding: 1, using: &rng),
      Activation.relu, MaxPool2D(2), AveragePool2D(3, stride: 1), Flatten(),
      Layer(inputSize: 2, outputSize: 3, initialization: .he, using: &rng),
    ])
  }

  @Test("conv, pooling and dense layers round-trip with their settings, bit for bit")
  func roundTrip() throws {
    try Tape.scope {
      let model = convNet()
      let data = try JSONEncoder().encode(try Checkpoint(model: model))
      let checkpoint = try JSONDecoder().decode(Checkpoint.self, from: data)
      let loaded = try checkpoint.makeSequential()
      #expect(loaded.description == model.description)
      #expect(loaded.layers.map(\.architecture) == model.layers.map(\.architecture))
      #expect(loaded.parameterValues.map(\.bitPattern) == model.parameterValues.map(\.bitPattern))
      let x = (0..<36).map { Double($0 % 7) / 7 }
      #expect(loaded(x).map(\.data) == model(x).map(\.data))
    }
  }

  @Test("settings that make no layer, or layers that do not fit, are refused without a stop")
  func badSettings() throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .sortedKeys
    let data = try encoder.encode(try Checkpoint(model: convNet()))
    let text = String(decoding: data, as: UTF8.self)
    let edits = [
      ("\"padding\":1", "\"padding\":3"),  // padding ≥ kernel size
      ("\"kernelSize\":3", "\"kernelSize\":9"),  // larger than the padded 6×6
      ("{\"maxPool2D\":{\"size\":2,\"stride\":2}}", "{\"maxPool2D\":{\"size\":0,\"stride\":2}}"),
    ]
    for (old, new) in edits {
      #expect(text.contains(old))
      var object = try #require(
        try JSONSerialization.jsonObject(with: Data(text.replacingOccurrences(of: old, with: new).utf8))
          as? [String: Any])
      object["checksum"] = nil
      let edited = try JSONSerialization.data(withJSONObject: object)
      #expect(throws: DecodingError.self) { try JSONDecoder().decode(Checkpoint.self, from: edited) }
    }
  }
}
