import Backprop
import Foundation
import Testing

// MARK: - Helpers

/// A fresh directory under the system's temporary directory; call `remove()`
/// when done.
private struct ScratchDirectory {
  let url: URL

  init() throws {
    url = FileManager.default.temporaryDirectory.appendingPathComponent(
      "backprop-checkpoint-tests-\(UUID().uuidString)", isDirectory: true)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  }

  func path(_ name: String) -> String { url.appendingPathComponent(name).path }

  /// The names in the directory, hidden ones (temporary files) included.
  var contents: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
  }

  func remove() { try? FileManager.default.removeItem(at: url) }
}

private func readBytes(_ path: String) throws -> Data {
  try Data(contentsOf: URL(fileURLWithPath: path))
}

private func writeBytes(_ data: Data, _ path: String) throws {
  try data.write(to: URL(fileURLWithPath: path))
}

private func overwriteByte(at offset: Int, with byte: UInt8, in path: String) throws {
  let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
  defer { try? handle.close() }
  try handle.seek(toOffset: UInt64(offset))
  try handle.write(contentsOf: [byte])
}

private func writeText(_ text: String, _ path: String) throws {
  try writeBytes(Data(text.utf8), path)
}

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

/// A model of `layerSizes` with parameters set to `values` (or left as
/// drawn).
private func makeMLP(
  inputSize: Int = 2, layerSizes: [Int] = [3, 1], activations: [Activation]? = nil,
  seed: UInt64 = 1, values: [Double]? = nil
) throws -> MLP {
  var rng = SeededGenerator(seed: seed)
  let model = MLP(
    inputSize: inputSize, layerSizes: layerSizes,
    activations: activations
      ?? Array(repeating: .tanh, count: layerSizes.count - 1) + [.linear],
    using: &rng)
  if let values { try model.setParameterValues(values) }
  return model
}

private let adamState = OptimizerState(
  kind: "adam",
  hyperparameters: ["learningRate": 0.001, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8],
  schedule: .linearDecay(final: 0.1, steps: 100), stepCount: 17,
  buffers: [
    "m": [
      0.1, -0.0, .leastNonzeroMagnitude, 1e-300, -2.5, 3, 0.30000000000000004, 1e22,
      -.leastNonzeroMagnitude * 141_421_356_237,
    ],
    "v": [0, 1, 2, 3, 4, 5, 6, 7, 8.000000000000002],
  ])

/// Parameters that stress the number format: 0.1, both zeros, subnormals,
/// the extremes, and values whose shortest form needs 17 digits.
private let specialValues: [Double] = [
  0.1, -0.0, 0.0, 1e-300, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
  .leastNormalMagnitude, .leastNormalMagnitude / 3, .greatestFiniteMagnitude,
  -.greatestFiniteMagnitude, 1e22, 1e-7, 1.0 / 3.0, .pi, 0.30000000000000004,
  9_007_199_254_740_994, 123456.789e100, -.leastNonzeroMagnitude * 30_000_000_001, 1, -1,
]

/// A checkpoint file edit, with a word its error must mention.
struct CheckpointFileEdit: Sendable, CustomTestStringConvertible {
  let name: String
  let keyword: String
  let edit: @Sendable (inout [String: Any]) -> Void
  var testDescription: String { name }
}

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

  // MARK: Refusing to load

  @Test(
    "a truncated file throws and the model is unchanged",
    arguments: [0.0, 0.001, 0.25, 0.5, 0.9, 0.999])
  func truncatedFileThrows(fraction: Double) throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      try makeMLP(layerSizes: [4, 1], seed: 7).save(to: path, optimizer: nil)
      let full = try readBytes(path)
      var count = Int(Double(full.count) * fraction)
      if fraction > 0.99 { count = full.count - 1 }
      try writeBytes(full.prefix(count), path)

      let model = try makeMLP(layerSizes: [4, 1], seed: 8)
      let before = bits(model.parameterValues)
      let error = #expect(throws: CheckpointError.self) {
        try Checkpoint.load(from: path).apply(to: model)
      }
      guard case .corrupted(let errorPath, let reason)? = error else {
        Issue.record("expected corrupted, got \(String(describing: error))")
        return
      }
      #expect(errorPath == path)
      #expect(!reason.isEmpty)
      #expect(throws: CheckpointError.self) { try MLP.load(from: path) }
      #expect(bits(model.parameterValues) == before)
    }
  }

  @Test("any single corrupted byte is detected, and the model is unchanged")
  func everyCorruptedByteIsDetected() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      let saved = try makeMLP(layerSizes: [2, 1], seed: 11)
      let scaling = try Standardizer(mean: [1, 2], standardDeviation: [3, 4])
      try saved.save(
        to: path, optimizer: adamState, metadata: ["loss": "mse", "b": "x y"], scaling: scaling)
      let original = try readBytes(path)
      let model = try makeMLP(layerSizes: [2, 1], seed: 12)
      let before = bits(model.parameterValues)
      var undetected: [Int] = []
      for offset in original.indices {
        // In place, which is much faster than rewriting the file.
        try overwriteByte(at: offset, with: UInt8(ascii: "#"), in: path)
        do {
          try Checkpoint.load(from: path).apply(to: model)
          undetected.append(offset)
        } catch is CheckpointError {
        }
        try overwriteByte(at: offset, with: original[offset], in: path)
      }
      #expect(try readBytes(path) == original)
      #expect(undetected.isEmpty, "corruption at byte offsets \(undetected) went unnoticed")
      #expect(bits(model.parameterValues) == before)
    }
  }

  @Test("a changed digit in a parameter fails the checksum")
  func changedDigitFailsChecksum() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      try makeMLP(values: Array(repeating: 0.5, count: 13)).save(to: path)
      let text = String(decoding: try readBytes(path), as: UTF8.self)
      let damaged = try #require(text.range(of: "0.5,")).lowerBound
      var edited = text
      edited.replaceSubrange(damaged..<text.index(damaged, offsetBy: 3), with: "0.6")
      try writeText(edited, path)
      let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
      guard case .corrupted(let errorPath, let reason)? = error else {
        Issue.record("expected corrupted, got \(String(describing: error))")
        return
      }
      #expect(errorPath == path)
      #expect(reason.contains("checksum"))
    }
  }

  @Test("a JSON syntax error names its line and column")
  func syntaxErrorHasALocation() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    let path = dir.path("bad.json")
    try writeText("{\n  \"formatVersion\": 1,\n  \"inputSize\": 2,,\n}", path)
    let error = #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
    guard case .corrupted(let errorPath, let reason)? = error else {
      Issue.record("expected corrupted, got \(String(describing: error))")
      return
    }
    #expect(errorPath == path)
    #expect(reason.contains("line 3"), "\(reason)")
    #expect(error?.description.contains(path) == true)
  }

  @Test("a file of another format version throws unsupportedVersion", arguments: [0, 3, 99])
  func wrongVersionThrows(version: Int) throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      let model = try makeMLP()
      try model.save(to: path)
      let text = String(decoding: try readBytes(path), as: UTF8.self)
      let edited = text.replacingOccurrences(
        of: "\"formatVersion\" : 2", with: "\"formatVersion\" : \(version)")
      #expect(edited != text)
      try writeText(edited, path)
      let before = bits(model.parameterValues)
      let error = #expect(throws: CheckpointError.self) {
        try Checkpoint.load(from: path).apply(to: model)
      }
      #expect(error == .unsupportedVersion(path: path, found: version))
      #expect(bits(model.parameterValues) == before)
      #expect(error?.description.contains("version \(version)") == true)
    }
  }

  private static let edits: [CheckpointFileEdit] = [
    CheckpointFileEdit(name: "one parameter missing", keyword: "parameters") {
      $0["parameters"] = ($0["parameters"] as? [Any] ?? []).dropLast() as [Any]
    },
    CheckpointFileEdit(name: "one parameter too many", keyword: "parameters") {
      $0["parameters"] = ($0["parameters"] as? [Any] ?? []) + [1.5]
    },
    CheckpointFileEdit(name: "no parameters key", keyword: "parameters") {
      $0["parameters"] = nil
    },
    CheckpointFileEdit(name: "a parameter that is a string", keyword: "parameters") {
      var ps = $0["parameters"] as? [Any] ?? []
      ps[2] = "0.5"
      $0["parameters"] = ps
    },
    CheckpointFileEdit(name: "a layer of size 0", keyword: "layer") {
      $0["layerSizes"] = [0, 1]
    },
    CheckpointFileEdit(name: "a negative input size", keyword: "input size") {
      $0["inputSize"] = -2
    },
    CheckpointFileEdit(name: "an activation too few", keyword: "activations") {
      $0["activations"] = [["tanh": [String: Any]()]]
    },
    CheckpointFileEdit(name: "an unknown activation", keyword: "activations") {
      $0["activations"] = [["swish": [String: Any]()], ["linear": [String: Any]()]]
    },
    CheckpointFileEdit(name: "no formatVersion", keyword: "formatVersion") {
      $0["formatVersion"] = nil
    },
    CheckpointFileEdit(name: "a formatVersion that is a string", keyword: "formatVersion") {
      $0["formatVersion"] = "1"
    },
    CheckpointFileEdit(name: "an optimizer buffer of the wrong length", keyword: "buffer") {
      var optimizer = $0["optimizer"] as? [String: Any] ?? [:]
      var buffers = optimizer["buffers"] as? [String: Any] ?? [:]
      buffers["m"] = [1.0, 2.0]
      optimizer["buffers"] = buffers
      $0["optimizer"] = optimizer
    },
    CheckpointFileEdit(name: "a misspelt key", keyword: "unknown key") {
      $0["paramaters"] = $0["parameters"]
    },
    CheckpointFileEdit(name: "an unknown checksum algorithm", keyword: "checksum") {
      $0["checksum"] = "md5:0123"
    },
    CheckpointFileEdit(name: "a scaling of the wrong width", keyword: "scaling") {
      $0["standardization"] = ["mean": [0.0], "standardDeviation": [1.0]]
    },
    CheckpointFileEdit(
      name: "a scaling standard deviation of 0", keyword: "scaling's standard deviation 1"
    ) {
      $0["standardization"] = ["mean": [0.0, 1.0], "standardDeviation": [1.0, 0.0]]
    },
    CheckpointFileEdit(
      name: "a negative scaling standard deviation", keyword: "scaling's standard deviation 0"
    ) {
      $0["standardization"] = ["mean": [0.0, 1.0], "standardDeviation": [-2.0, 1.0]]
    },
    CheckpointFileEdit(name: "a scaling with a standard deviation too few", keyword: "scaling") {
      $0["standardization"] = ["mean": [0.0, 1.0], "standardDeviation": [1.0]]
    },
    CheckpointFileEdit(name: "an empty scaling", keyword: "scaling") {
      $0["standardization"] = ["mean": [Double](), "standardDeviation": [Double]()]
    },
    CheckpointFileEdit(
      name: "a scaling without standard deviations", keyword: "standardDeviation"
    ) {
      $0["standardization"] = ["mean": [0.0, 1.0]]
    },
  ]

  @Test("a file whose parts do not fit together throws corrupted", arguments: edits)
  func inconsistentFileThrows(edit: CheckpointFileEdit) throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    try Tape.scope {
      let path = dir.path("model.json")
      let model = try makeMLP(layerSizes: [2, 1])
      try model.save(to: path, optimizer: adamState)
      var object = try #require(
        try JSONSerialization.jsonObject(with: try readBytes(path)) as? [String: Any])
      edit.edit(&object)
      try writeBytes(try JSONSerialization.data(withJSONObject: object), path)

      let before = bits(model.parameterValues)
      let error = #expect(throws: CheckpointError.self) {
        try Checkpoint.load(from: path).apply(to: model)
      }
      guard case .corrupted(let errorPath, let reason)? = error else {
        Issue.record("expected corrupted, got \(String(describing: error))")
        return
      }
      #expect(errorPath == path)
      #expect(reason.contains(edit.keyword), "\(reason)")
      #expect(bits(model.parameterValues) == before)
    }
  }

  @Test("a number too large for a Double is refused")
  func hugeNumberIsRefused() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    let path = dir.path("huge.json")
    try writeText(
      """
      {"formatVersion": 1, "inputSize": 2, "layerSizes": [1],
       "activations": [{"linear": {}}], "parameters": [0.5, 1e400, 1]}
      """, path)
    #expect(throws: CheckpointError.self) { try Checkpoint.load(from: path) }
  }

  @Test("missing files, directories, empty files and non-objects are reported")
  func unreadableFiles() throws {
    let dir = try ScratchDirectory()
    defer { dir.remove() }
    let missing = dir.path("missing.json")
    #expect(throws: CheckpointError.unreadable(path: missing, reason: "no such file")) {
      try Checkpoint.load(from: missing)
    }
    let error = #expect(throws: CheckpointError.self) { try MLP.load(from: dir.url.path) }
    guard case .unreadable(let path, _)? = error else {
      Issue.record("expected unreadable, got \(String(describing: error))")
      return
    }
    #expect(path == dir.url.path)

    let empty = dir.path("empty.json")
    try writeBytes(Data(), empty)
    #expect(throws: CheckpointError.corrupted(path: empty, reason: "the file is empty")) {
      try Checkpoint.load(from: empty)
    }
    let array = dir.path("array.json")
    try writeText("[1, 2, 3]", array)
    #expect(throws: CheckpointError.self) { try Checkpoint.load(from: array) }
  }

  // MARK: Applying to another architecture

  @Test("apply refuses a model of another architecture and leaves it untouched")
  func applyRefusesAnotherArchitecture() throws {
    try Tape.scope {
      let source = try makeMLP(
        inputSize: 2, layerSizes: [3, 1], activations: [.leakyReLU(slope: 0.1), .linear])
      let checkpoint = try Checkpoint(model: source)
      let leaky = Activation.leakyReLU(slope: 0.1)
      let others = [
        try makeMLP(inputSize: 3, layerSizes: [3, 1], activations: [leaky, .linear]),
        try makeMLP(inputSize: 2, layerSizes: [4, 1], activations: [leaky, .linear]),
        try makeMLP(inputSize: 2, layerSizes: [3, 1, 1], activations: [leaky, .linear, .linear]),
        try makeMLP(inputSize: 2, layerSizes: [3, 1], activations: [.relu, .linear]),
        try makeMLP(
          inputSize: 2, layerSizes: [3, 1], activations: [.leakyReLU(slope: 0.2), .linear]),
        try makeMLP(inputSize: 2, layerSizes: [3, 1], activations: [leaky, .sigmoid]),
      ]
      for other in others {
        let before = bits(other.parameterValues)
        let error = #expect(throws: CheckpointError.self) { try checkpoint.apply(to: other) }
        guard case .architectureMismatch(let reason)? = error else {
          Issue.record("expected architectureMismatch, got \(String(describing: error))")
          continue
        }
        #expect(!reason.isEmpty)
        #expect(bits(other.parameterValues) == before)
      }
      let same = try makeMLP(
        inputSize: 2, layerSizes: [3, 1], activations: [.leakyReLU(slope: 0.1), .linear],
        seed: 99)
      try checkpoint.apply(to: same)
      #expect(bits(same.parameterValues) == bits(source.parameterValues))
    }
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
      CheckpointError.unsupportedVersion(path: "a.json", found: 3).description
        == "checkpoint a.json has format version 3; this version of Backprop reads versions 1 to 2")
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
