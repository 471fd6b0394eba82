// Checkpoints saved and loaded: round trips bit for bit (parameters, optimiser state, metadata,
// scaling), models made from checkpoints, the saved scaling, and error descriptions.

import Backprop
import Foundation
import Testing

// MARK: - Helpers

/// A finite `Double` with uniformly random bits: every exponent, subnormals
/// and both zeros included.
private func randomFiniteBits(_ rng: inout SeededGenerator) -> Double {
  while true {
    let x = Double(bitPattern: rng.next())
    if x.isFinite { return x }
  }
}

/// A random architecture with random activations.
private func randomArchitecture(_ rng: inout SeededGenerator) -> (Int, [Int], [Activation]) {
  let plain: [Activation] = [.linear, .step, .sigmoid, .tanh, .relu, .softplus]
  let inputSize = Int(rng.next() % 4) + 1
  let depth = Int(rng.next() % 3) + 1
  let sizes = (0..<depth).map { _ in Int(rng.next() % 5) + 1 }
  let activations = (0..<depth).map { _ -> Activation in
    switch rng.next() % 8 {
    case 6: .leakyReLU(slope: rng.nextUniform(in: 0, 0.5))
    case 7: .elu(alpha: rng.nextUniform(in: 0.1, 2))
    case let k: plain[Int(k)]
    }
  }
  return (inputSize, sizes, activations)
}

/// Parameters that stress the number format: 0.1, both zeros, subnormals,
/// the extremes, and values whose shortest form needs 17 digits.
private let specialValues: [Double] = [
  0.1, -0.0, 0.0, 1e-300, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
  .leastNormalMagnitude, .leastNormalMagnitude / 3, .greatestFiniteMagnitude,
  -.greatestFiniteMagnitude, 1e22, 1e-7, 1.0 / 3.0, .pi, 0.30000000000000004,
  9_007_199_254_740_994, 123456.789e100, -.leastNonzeroMagnitude * 30_000_000_001, 1, -1,
]

// MARK: - Tests

@Suite("Checkpoint: save and load")
struct CheckpointTests {
  // MARK: Round trips

  @Test(
    "every parameter of a random model round-trips bit for bit",
    arguments: Array(UInt64(0)..<8))
  func randomModelRoundTrips(seed: UInt64) throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      var rng = SeededGenerator(seed: seed)
      let (inputSize, sizes, activations) = randomArchitecture(&rng)
      let model = try makeMLP(
        inputSize: inputSize, layerSizes: sizes, activations: activations, seed: seed)
      // Half the parameters with random bits, half of ordinary size.
      let values = model.parameters.indices.map { i in
        i % 2 == 0 ? randomFiniteBits(&rng) : rng.nextGaussian() * 3
      }
      try model.setParameterValues(values)

      let path = dir.path("model.json")
      try model.save(to: path)
      let loaded = try Checkpoint.load(from: path)
      #expect(loaded == (try Checkpoint(model: model)))
      #expect(bits(loaded.parameters) == bits(values))
      #expect(loaded.inputSize == inputSize)
      #expect(loaded.layerSizes == sizes)
      #expect(loaded.activations == activations)
      #expect(loaded.formatVersion == Checkpoint.currentFormatVersion)

      let restored = try MLP.load(from: path)
      #expect(bits(restored.parameterValues) == bits(values))
      #expect(restored.activations == activations)
      #expect(restored.layerSizes == sizes)
      #expect(restored.inputSize == inputSize)
    }
  }

  @Test("special values round-trip bit for bit, signed zero included")
  func specialValuesRoundTrip() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      // One neuron with n − 1 inputs has n parameters.
      let model = try makeMLP(
        inputSize: specialValues.count - 1, layerSizes: [1], values: specialValues)
      let path = dir.path("special.json")
      try model.save(to: path)
      let loaded = try Checkpoint.load(from: path)
      #expect(bits(loaded.parameters) == bits(specialValues))
      #expect(loaded.parameters[1].sign == .minus)
      #expect(loaded.parameters[1] == 0)
      #expect(loaded.parameters[4] == .leastNonzeroMagnitude)
      #expect(bits(try loaded.makeModel().parameterValues) == bits(specialValues))

      // The numbers are written in their shortest round-trip form.
      let text = String(decoding: try readBytes(path), as: UTF8.self)
      let lines = Set(text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
      for written in ["0.1,", "-0,", "5e-324,", "1e-300,", "1.7976931348623157e+308,"] {
        #expect(lines.contains(written), "\(written) is not in the file")
      }
      #expect(!text.contains("0.10000000000000001"))
    }
  }

  @Test("optimizer state, metadata and scaling round-trip")
  func optimizerMetadataAndScalingRoundTrip() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let model = try makeMLP(layerSizes: [2, 1])  // 9 parameters, as the buffers
      let metadata = [
        "loss": "mse", "target": "price / m²", "classes": "setosa,versicolor,\"virginica\"",
        "note": "line one\nline two\ttab \\ backslash", "": "empty key", "emoji": "🧠",
      ]
      let scaling = try Standardizer(
        mean: [5.8, -0.0], standardDeviation: [0.1, .leastNonzeroMagnitude])
      let checkpoint = try Checkpoint(
        model: model, optimizer: adamState, metadata: metadata, scaling: scaling)
      let path = dir.path("full.json")
      try checkpoint.save(to: path)
      let loaded = try Checkpoint.load(from: path)
      #expect(loaded == checkpoint)
      #expect(loaded.optimizer == adamState)
      #expect(loaded.metadata == metadata)
      #expect(loaded.standardization == scaling)
      #expect(loaded.scaling == scaling)
      let m = try #require(loaded.optimizer?.buffers["m"])
      #expect(bits(m) == bits(try #require(adamState.buffers["m"])))
      #expect(loaded.standardization.map { bits($0.mean) } == bits([5.8, -0.0]))
      #expect(
        loaded.standardization.map { bits($0.standardDeviation) }
          == bits([0.1, .leastNonzeroMagnitude]))
      #expect(bits(loaded.parameters) == bits(model.parameterValues))

      // Through the convenience, too.
      try model.save(to: path, optimizer: adamState, metadata: ["loss": "mse"])
      let again = try Checkpoint.load(from: path)
      #expect(again.optimizer == adamState)
      #expect(again.metadata == ["loss": "mse"])
      #expect(again.standardization == nil)
    }
  }

  @Test("a Standardizer round-trips bit for bit, fitted or with random bits")
  func standardizerRoundTripsBitForBit() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("scaled.json")
      var rng = SeededGenerator(seed: 77)
      let data = Dataset.twoMoons(count: 40, noise: 0.2, using: &rng)
      var scalers = [Standardizer(fitting: data)]
      for _ in 0..<20 {
        // Every finite mean and every finite positive deviation, subnormals
        // and -0 means included.
        let mean = [randomFiniteBits(&rng), randomFiniteBits(&rng)]
        var deviation: [Double] = []
        while deviation.count < 2 {
          let x = abs(randomFiniteBits(&rng))
          if x > 0 { deviation.append(x) }
        }
        scalers.append(try Standardizer(mean: mean, standardDeviation: deviation))
      }
      let model = try makeMLP(layerSizes: [3, 1])
      for scaler in scalers {
        try model.save(to: path, metadata: ["loss": "mse"], scaling: scaler)
        let checkpoint = try Checkpoint.load(from: path)
        let loaded = try #require(checkpoint.scaling)
        #expect(checkpoint.standardization == loaded)
        #expect(bits(loaded.mean) == bits(scaler.mean))
        #expect(bits(loaded.standardDeviation) == bits(scaler.standardDeviation))
        for row in data.features.prefix(5) {
          #expect(bits(loaded(row)) == bits(scaler(row)))
        }
        // Through Checkpoint's Codable conformance as well.
        let again = try JSONDecoder().decode(
          Checkpoint.self, from: try JSONEncoder().encode(checkpoint))
        #expect(again == checkpoint)
      }
    }
  }

  @Test("a scaling with a number too large for a Double is refused")
  func nonFiniteScalingInFileIsRefused() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    let path = dir.path("inf.json")
    let cases = [
      ("feature mean", "[0, 1e400]", "[1, 1]"),
      ("feature standard deviation", "[0, 0]", "[1, 1e400]"),
    ]
    for (what, mean, deviation) in cases {
      try writeText(
        """
        {"formatVersion": 1, "inputSize": 2, "layerSizes": [1],
         "activations": [{"linear": {}}], "parameters": [0.5, 1, 1],
         "standardization": {"mean": \(mean), "standardDeviation": \(deviation)}}
        """, path)
      let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
      switch error {
      case .nonFiniteValue(let reported, let index, let value)?:
        #expect(reported == what)
        #expect(index == 1)
        #expect(value == .infinity)
      case .corrupted(let errorPath, _)?:
        // Foundation on Linux refuses 1e400 outright; a reader that gives
        // +inf instead is caught by the checks, as nonFiniteValue.
        #expect(errorPath == path)
      default:
        Issue.record("expected nonFiniteValue or corrupted, got \(String(describing: error))")
      }
    }
  }

  @Test("a checkpoint without optional parts round-trips; metadata can be edited")
  func minimalCheckpointRoundTrips() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      var checkpoint = try Checkpoint(model: try makeMLP())
      #expect(checkpoint.optimizer == nil)
      #expect(checkpoint.metadata.isEmpty)
      #expect(checkpoint.standardization == nil)
      let path = dir.path("m.json")
      try checkpoint.save(to: path)
      #expect(try Checkpoint.load(from: path) == checkpoint)

      checkpoint.metadata["loss"] = "bce"
      try checkpoint.save(to: path)
      #expect(try Checkpoint.load(from: path).metadata == ["loss": "bce"])
    }
  }

  @Test("Codable through a plain JSONEncoder and JSONDecoder")
  func codableRoundTrip() throws {
    try Tape.scope {
      let checkpoint = try Checkpoint(
        model: try makeMLP(layerSizes: [2, 1]), optimizer: adamState, metadata: ["a": "b"])
      let data = try JSONEncoder().encode(checkpoint)
      let object = try #require(
        try JSONSerialization.jsonObject(with: data) as? [String: Any])
      #expect((object["checksum"] as? String)?.hasPrefix("fnv1a64:") == true)
      #expect(object["formatVersion"] as? Int == 2)
      #expect(try JSONDecoder().decode(Checkpoint.self, from: data) == checkpoint)
    }
  }

  @Test("a hand-written file without a checksum loads")
  func handWrittenFileLoads() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    let path = dir.path("hand.json")
    try writeText(
      """
      {"formatVersion": 1, "inputSize": 2, "layerSizes": [1],
       "activations": [{"linear": {}}], "parameters": [0.5, -0.25, 1]}
      """, path)
    let checkpoint = try Checkpoint.load(from: path)
    #expect(checkpoint.parameters == [0.5, -0.25, 1])
    #expect(checkpoint.metadata.isEmpty)
    try Tape.scope {
      let model = try checkpoint.makeModel()
      #expect(model.predict([2, 4]) == [1])
    }
  }

  // MARK: Models from checkpoints

  @Test(
    "makeModel and apply reproduce the model's outputs exactly",
    arguments: [3, 4, 5] as [UInt64])
  func makeModelReproducesOutputs(seed: UInt64) throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let model = try makeMLP(
        inputSize: 3, layerSizes: [8, 8, 2],
        activations: [.tanh, .leakyReLU(slope: 0.1), .sigmoid], seed: seed)
      let path = dir.path("model.json")
      try model.save(to: path)
      let restored = try MLP.load(from: path)
      let applied = try makeMLP(
        inputSize: 3, layerSizes: [8, 8, 2],
        activations: [.tanh, .leakyReLU(slope: 0.1), .sigmoid], seed: seed + 100)
      try Checkpoint.load(from: path).apply(to: applied)
      #expect(bits(applied.parameterValues) == bits(model.parameterValues))

      var rng = SeededGenerator(seed: seed)
      for _ in 0..<20 {
        let x = (0..<3).map { _ in rng.nextGaussian() * 2 }
        let expected = bits(model.predict(x))
        #expect(bits(restored.predict(x)) == expected)
        #expect(bits(applied.predict(x)) == expected)
        #expect(bits(restored(x).map(\.data)) == bits(model(x).map(\.data)))
      }
    }
  }

  // MARK: Scaling and errors

  @Test("the saved scaling standardises rows as the Standardizer did")
  func scalingStandardizes() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("scaled.json")
      let scaling = try Standardizer(mean: [0, 10], standardDeviation: [1, 2])
      #expect(scaling([3, 14]) == [3, 2])
      try makeMLP(layerSizes: [2, 1]).save(to: path, scaling: scaling)
      let loaded = try #require(try Checkpoint.load(from: path).scaling)
      #expect(loaded == scaling)
      #expect(loaded([3, 14]) == [3, 2])
    }
  }

  @Test("error descriptions say what and where")
  func errorDescriptions() {
    #expect(
      CheckpointError.unreadable(path: "a.json", reason: "no such file").description
        == "cannot read checkpoint a.json: no such file")
    #expect(
      CheckpointError.unsupportedVersion(path: "a.json", found: 4).description
        == "checkpoint a.json has format version 4; this version of Backprop reads versions 1 to 3")
    #expect(
      CheckpointError.nonFiniteParameter(index: 4, value: .infinity).description
        .hasPrefix("parameter 4 is inf"))
    #expect(CheckpointError.corrupted(path: "b.json", reason: "x").description.contains("b.json"))
    #expect(
      CheckpointError.unwritable(path: "c.json", reason: "y").description
        == "cannot write checkpoint c.json: y")
    #expect(
      CheckpointError.architectureMismatch(reason: "z").description
        == "the checkpoint does not fit the model: z")
  }
}
