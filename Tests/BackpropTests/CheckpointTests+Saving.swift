// What saving a checkpoint refuses (non-finite parameters, states and parts that do not fit),
// and its atomic writes: a missing directory or a folder at the path, no stray temporary file.

import Backprop
import Foundation
import Testing

extension CheckpointTests {
  // MARK: Refusing to save

  @Test(
    "saving a model holding NaN or inf throws and leaves the existing file intact",
    arguments: [Double.nan, .infinity, -.infinity])
  func nonFiniteParameterIsNotSaved(bad: Double) throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let model = try makeMLP(layerSizes: [3, 2])
      let path = dir.path("model.json")
      try model.save(to: path)
      let before = try readBytes(path)

      model.parameters[5].data = bad
      let error = #expect(throws: CheckpointError.self) { try model.save(to: path) }
      guard case .nonFiniteParameter(let index, let value)? = error else {
        Issue.record("expected nonFiniteParameter, got \(String(describing: error))")
        return
      }
      #expect(index == 5)
      #expect(value.bitPattern == bad.bitPattern)
      #expect(throws: CheckpointError.self) { try Checkpoint(model: model) }
      #expect(try readBytes(path) == before)
      #expect(dir.contents == ["model.json"])
      #expect(try Checkpoint.load(from: path).parameters.allSatisfy(\.isFinite))
    }
  }

  @Test("an optimizer state or scaling that does not fit the model is refused")
  func invalidPartsAreRefused() throws {
    try Tape.scope {
      let model = try makeMLP(layerSizes: [2, 1])  // 9 parameters
      var short = adamState
      short.buffers["v"] = [1, 2, 3]
      #expect(throws: CheckpointError.self) { try Checkpoint(model: model, optimizer: short) }
      var nan = adamState
      nan.buffers["m"]?[4] = .nan
      let error = #expect(throws: CheckpointError.self) {
        try Checkpoint(model: model, optimizer: nan)
      }
      guard case .nonFiniteValue(_, let index, let value)? = error else {
        Issue.record("expected nonFiniteValue, got \(String(describing: error))")
        return
      }
      #expect(index == 4)
      #expect(value.isNaN)
      var badRate = adamState
      badRate.hyperparameters["learningRate"] = .infinity
      #expect(throws: CheckpointError.self) { try Checkpoint(model: model, optimizer: badRate) }
      var negativeStep = adamState
      negativeStep.stepCount = -1
      #expect(throws: CheckpointError.self) {
        try Checkpoint(model: model, optimizer: negativeStep)
      }

      let wide = try Standardizer(mean: [0, 0, 0], standardDeviation: [1, 1, 1])
      #expect(
        throws: CheckpointError.invalidContents(
          reason: "the scaling has 3 features but the model takes 2 inputs")
      ) { try Checkpoint(model: model, scaling: wide) }
      let narrow = try Standardizer(mean: [0], standardDeviation: [1])
      #expect(throws: CheckpointError.self) {
        try Checkpoint(
          inputSize: 2, layerSizes: [1], activations: [.linear], parameters: [1, 2, 3],
          scaling: narrow)
      }
    }
  }

  @Test("a layer whose neurons mix activations cannot be saved")
  func mixedActivationsAreRefused() throws {
    try Tape.scope {
      let layer = Layer(neurons: [
        Neuron(weights: [Value(1), Value(2)], bias: Value(0), activation: .tanh),
        Neuron(weights: [Value(3), Value(4)], bias: Value(0), activation: .relu),
      ])
      let model = MLP(layers: [layer])
      #expect(throws: CheckpointError.self) { try Checkpoint(model: model) }

      let checkpoint = try Checkpoint(
        inputSize: 2, layerSizes: [2], activations: [.tanh], parameters: [5, 6, 7, 8, 9, 10])
      let before = bits(model.parameterValues)
      #expect(throws: CheckpointError.self) { try checkpoint.apply(to: model) }
      #expect(bits(model.parameterValues) == before)
    }
  }

  @Test("a checkpoint made from parts checks its sizes")
  func partsAreValidated() throws {
    #expect(throws: CheckpointError.self) {
      try Checkpoint(inputSize: 2, layerSizes: [1], activations: [.linear], parameters: [1, 2])
    }
    #expect(throws: CheckpointError.self) {
      try Checkpoint(inputSize: 0, layerSizes: [1], activations: [.linear], parameters: [1])
    }
    #expect(throws: CheckpointError.self) {
      try Checkpoint(inputSize: 1, layerSizes: [0], activations: [.linear], parameters: [])
    }
    #expect(throws: CheckpointError.self) {
      try Checkpoint(inputSize: 1, layerSizes: [], activations: [], parameters: [])
    }
    #expect(throws: CheckpointError.self) {
      try Checkpoint(
        inputSize: 1, layerSizes: [1], activations: [.linear, .relu], parameters: [1, 2])
    }
    #expect(throws: CheckpointError.self) {
      try Checkpoint(
        inputSize: Int.max, layerSizes: [Int.max], activations: [.linear], parameters: [1])
    }
    let checkpoint = try Checkpoint(
      inputSize: 1, layerSizes: [2, 1], activations: [.relu, .linear],
      parameters: [1, 2, 3, 4, 5, 6, 7])
    #expect(checkpoint.parameterCount == 7)
  }

  // MARK: Atomic writes

  @Test("saving into a directory that does not exist throws and creates nothing")
  func saveIntoMissingDirectory() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    Tape.scope {
      let missing = dir.url.appendingPathComponent("no-such-dir")
      let path = missing.appendingPathComponent("model.json").path
      let error = #expect(throws: CheckpointError.self) { try makeMLP().save(to: path) }
      guard case .unwritable(let errorPath, _)? = error else {
        Issue.record("expected unwritable, got \(String(describing: error))")
        return
      }
      #expect(errorPath == path)
      #expect(!FileManager.default.fileExists(atPath: missing.path))
      #expect(dir.contents.isEmpty)
    }
  }

  @Test("a folder at the path is refused and left intact, with no temporary file")
  func folderAtPathIsRefused() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
      try writeText("keep", path + "/inside.txt")
      let error = #expect(throws: CheckpointError.self) { try makeMLP().save(to: path) }
      #expect(error == .notAFile(path: path, kind: "a folder"))
      #expect(dir.contents == ["model.json"])
      #expect(try String(contentsOfFile: path + "/inside.txt", encoding: .utf8) == "keep")
      #expect(throws: CheckpointError.self) { try makeMLP().save(to: dir.url.path + "/") }
      #expect(throws: CheckpointError.self) { try makeMLP().save(to: "") }
    }
  }

  @Test("repeated saves replace the file and leave no temporary files")
  func repeatedSavesLeaveNoTemporaryFiles() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      let model = try makeMLP(layerSizes: [4, 2])
      var rng = SeededGenerator(seed: 5)
      for step in 0..<5 {
        let values = model.parameters.map { _ in rng.nextGaussian() }
        try model.setParameterValues(values)
        try model.save(to: path, metadata: ["step": "\(step)"])
        #expect(dir.contents == ["model.json"])
        let loaded = try Checkpoint.load(from: path)
        #expect(bits(loaded.parameters) == bits(values))
        #expect(loaded.metadata["step"] == "\(step)")
      }
    }
  }
}
