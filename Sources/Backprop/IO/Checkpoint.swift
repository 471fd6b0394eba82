import Foundation

// Saving and loading a trained MLP: the architecture, every parameter bit for
// bit, and optionally the optimiser's state, free-text metadata and the
// feature standardisation (a `Standardizer`), as one pretty-printed JSON file
// written atomically.

// MARK: - Errors

/// Why a checkpoint could not be made, saved, loaded or applied. Nothing is
/// changed when one is thrown: an existing file stays as it was, and so does
/// the model.
///
///     do {
///       let model = try MLP.load(from: "model.json")
///     } catch {
///       print(error)
///       // Prints "cannot read checkpoint model.json: no such file"
///     }
public enum CheckpointError: Error, Equatable, CustomStringConvertible {
  /// The file could not be opened or read (missing, a directory, no
  /// permission).
  case unreadable(path: String, reason: String)
  /// The file was read but is not a valid checkpoint: not JSON (with the
  /// byte offset, line and column of the syntax error), truncated, a field
  /// missing or of the wrong type, sizes that do not fit together, or a
  /// checksum that does not match the contents.
  case corrupted(path: String, reason: String)
  /// The file is a checkpoint of a format version this library cannot read.
  case unsupportedVersion(path: String, found: Int)
  /// The file could not be written (no such directory, no permission, the
  /// path is a directory); any previous file at the path is intact.
  case unwritable(path: String, reason: String)
  /// The checkpoint's architecture (input size, layer sizes, activations)
  /// differs from the model it is applied to.
  case architectureMismatch(reason: String)
  /// A parameter is NaN or ±inf; `index` is its position in
  /// ``Module/parameters`` order.
  case nonFiniteParameter(index: Int, value: Double)
  /// Another number (an optimiser buffer or hyperparameter, a feature mean)
  /// is NaN or ±inf.
  case nonFiniteValue(what: String, index: Int, value: Double)
  /// The parts of an in-memory checkpoint do not fit together (sizes below
  /// 1, a parameter count that differs from the architecture's, optimiser
  /// buffers of the wrong length).
  case invalidContents(reason: String)

  /// What went wrong and where.
  public var description: String {
    switch self {
    case .unreadable(let path, let reason):
      "cannot read checkpoint \(path): \(reason)"
    case .corrupted(let path, let reason):
      "checkpoint \(path) is corrupted: \(reason)"
    case .unsupportedVersion(let path, let found):
      "checkpoint \(path) has format version \(found); this version of Backprop reads "
        + "version \(Checkpoint.currentFormatVersion)"
    case .unwritable(let path, let reason):
      "cannot write checkpoint \(path): \(reason)"
    case .architectureMismatch(let reason):
      "the checkpoint does not fit the model: \(reason)"
    case .nonFiniteParameter(let index, let value):
      "parameter \(index) is \(value), not a finite number: a checkpoint holds finite "
        + "parameters only"
    case .nonFiniteValue(let what, let index, let value):
      "\(what) \(index) is \(value), not a finite number"
    case .invalidContents(let reason):
      "invalid checkpoint: \(reason)"
    }
  }
}

// MARK: - Checkpoint

/// A snapshot of an ``MLP``: its architecture and every parameter, with
/// optionally the optimiser's state, free-text metadata and the feature
/// scaling, saved as JSON that reads back bit for bit.
///
///     let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu)
///     // ... train ...
///     try Checkpoint(model: model, optimizer: optimizer.state,
///                    metadata: ["loss": "mse", "target": "price"])
///       .save(to: "model.json")
///
///     let checkpoint = try Checkpoint.load(from: "model.json")
///     let restored = try checkpoint.makeModel()   // the same outputs, bit for bit
///     if let state = checkpoint.optimizer { try optimizer.restore(from: state) }
///
/// Every number is written with Swift's shortest round-trip description
/// (`0.1`, `5e-324`, `-0`), never with a fixed number of digits, so loading
/// gives back the very same `Double`s. A checkpoint is always valid: its
/// initialisers and its decoder check that the sizes fit together and that
/// every number is finite. The file also holds a checksum of the contents,
/// so a damaged file is refused instead of silently loading other weights.
///
/// The file is one JSON object with sorted keys:
///
///     {
///       "activations" : [ { "relu" : { } }, { "linear" : { } } ],
///       "checksum" : "fnv1a64:…",
///       "formatVersion" : 1,
///       "inputSize" : 2,
///       "layerSizes" : [ 16, 1 ],
///       "metadata" : { "loss" : "mse" },
///       "optimizer" : { … },
///       "parameters" : [ 0.1, -0.75, … ],
///       "standardization" : { "mean" : [ … ], "standardDeviation" : [ … ] }
///     }
///
/// `optimizer`, `metadata`, `standardization` and `checksum` may be left
/// out (a hand-written file without a checksum is accepted).
public struct Checkpoint: Sendable, Equatable, Codable {
  /// The format version this library writes and reads.
  ///
  ///     print(Checkpoint.currentFormatVersion)
  ///     // Prints "1"
  public static let currentFormatVersion = 1

  /// The format version of the checkpoint (always ``currentFormatVersion``).
  public let formatVersion: Int
  /// The number of inputs of the model.
  public let inputSize: Int
  /// The width of each layer, input side first; the last is the output size.
  public let layerSizes: [Int]
  /// The activation of each layer, input side first.
  public let activations: [Activation]
  /// Every parameter, in ``Module/parameters`` order: layer by layer, neuron
  /// by neuron, each neuron's weights in input order and then its bias.
  public let parameters: [Double]
  /// The optimiser's state when the checkpoint was made, to resume training
  /// exactly; `nil` when none was saved.
  public let optimizer: OptimizerState?
  /// Free text, such as the loss name, the target column or the class
  /// names; empty when none was saved.
  public var metadata: [String: String]
  /// The standardisation applied to the model's inputs, if any: apply it to
  /// every input row before ``MLP/predict(_:)``.
  ///
  ///     let checkpoint = try Checkpoint.load(from: "model.json")
  ///     let model = try checkpoint.makeModel()
  ///     let row = checkpoint.standardization.map { $0([5.1, 3.5]) } ?? [5.1, 3.5]
  ///     print(model.predict(row))
  public let standardization: Standardizer?

  /// The same as ``standardization``, under the initialiser's label.
  ///
  ///     if let scaling = checkpoint.scaling { row = scaling(row) }
  public var scaling: Standardizer? { standardization }

  /// The number of parameters an MLP with this architecture has.
  public var parameterCount: Int { parameters.count }

  /// Captures a model's architecture and parameters.
  ///
  ///     let checkpoint = try Checkpoint(model: model, optimizer: optimizer.state,
  ///                                     metadata: ["classes": "setosa,versicolor,virginica"])
  ///
  /// - Parameters:
  ///   - model: The model; its parameters must all be finite.
  ///   - optimizer: The optimiser's ``Optimizer/state`` over the model's
  ///     parameters, to resume training; `nil` by default.
  ///   - metadata: Free text; empty by default.
  ///   - scaling: The ``Standardizer`` the model's inputs were standardised
  ///     with, fitted on as many features as the model has inputs; `nil` by
  ///     default.
  /// - Throws: ``CheckpointError/nonFiniteParameter(index:value:)`` when a
  ///   parameter is NaN or ±inf;
  ///   ``CheckpointError/nonFiniteValue(what:index:value:)`` or
  ///   ``CheckpointError/invalidContents(reason:)`` when the optimiser state
  ///   or the scaling does not fit the model (a buffer of the wrong length, a
  ///   non-finite entry, a scaling of the wrong width), or when a layer's
  ///   neurons do not share one activation.
  public init(
    model: MLP, optimizer: OptimizerState? = nil, metadata: [String: String] = [:],
    scaling: Standardizer? = nil
  ) throws {
    for (k, layer) in model.layers.enumerated() {
      let activation = layer.activation
      if let n = layer.neurons.firstIndex(where: { $0.activation != activation }) {
        throw CheckpointError.invalidContents(
          reason: "layer \(k) mixes activations (neuron 0 uses \(activation), neuron \(n) "
            + "uses \(layer.neurons[n].activation)); a checkpoint stores one per layer")
      }
    }
    try self.init(
      checkedInputSize: model.inputSize, layerSizes: model.layerSizes,
      activations: model.activations, parameters: model.parameterValues, optimizer: optimizer,
      metadata: metadata, standardization: scaling)
  }

  /// Creates a checkpoint from its parts, without a model: for tools that
  /// produce weights elsewhere.
  ///
  ///     let checkpoint = try Checkpoint(
  ///       inputSize: 2, layerSizes: [1], activations: [.linear],
  ///       parameters: [0.5, -0.25, 1])  // y = 0.5·x₀ − 0.25·x₁ + 1
  ///
  /// - Parameters:
  ///   - inputSize: The number of inputs, ≥ 1.
  ///   - layerSizes: The width of each layer, each ≥ 1, at least one.
  ///   - activations: One activation per layer.
  ///   - parameters: All parameters in ``Module/parameters`` order, as many
  ///     as the architecture has.
  ///   - optimizer: An optimiser state over these parameters; `nil` by
  ///     default.
  ///   - metadata: Free text; empty by default.
  ///   - scaling: The ``Standardizer`` of the inputs, one feature per
  ///     input; `nil` by default.
  /// - Throws: ``CheckpointError/invalidContents(reason:)`` when the sizes do
  ///   not fit together, ``CheckpointError/nonFiniteParameter(index:value:)``
  ///   or ``CheckpointError/nonFiniteValue(what:index:value:)`` for NaN or
  ///   ±inf.
  public init(
    inputSize: Int, layerSizes: [Int], activations: [Activation], parameters: [Double],
    optimizer: OptimizerState? = nil, metadata: [String: String] = [:],
    scaling: Standardizer? = nil
  ) throws {
    try self.init(
      checkedInputSize: inputSize, layerSizes: layerSizes, activations: activations,
      parameters: parameters, optimizer: optimizer, metadata: metadata,
      standardization: scaling)
  }

  /// The designated initialiser: stores the parts and validates them.
  init(
    checkedInputSize inputSize: Int, layerSizes: [Int], activations: [Activation],
    parameters: [Double], optimizer: OptimizerState?, metadata: [String: String],
    standardization: Standardizer?
  ) throws(CheckpointError) {
    self.formatVersion = Self.currentFormatVersion
    self.inputSize = inputSize
    self.layerSizes = layerSizes
    self.activations = activations
    self.parameters = parameters
    self.optimizer = optimizer
    self.metadata = metadata
    self.standardization = standardization
    try validate()
  }

  // MARK: Building and restoring models

  /// Builds a new model with the saved architecture and parameters, its
  /// parameters recorded as leaves on the current tape.
  ///
  ///     let model = try Checkpoint.load(from: "model.json").makeModel()
  ///     model.predict([0.5, -1.0])  // exactly what the saved model gave
  ///
  /// - Returns: An MLP whose ``Module/parameterValues`` equal ``parameters``
  ///   bit for bit.
  /// - Throws: ``CheckpointError/invalidContents(reason:)`` if the
  ///   parameters cannot be set (a valid checkpoint never throws).
  public func makeModel() throws -> MLP {
    // The drawn weights are overwritten: building through the public
    // initialiser guarantees the parameter order is `MLP.parameters`' own.
    var generator = SeededGenerator(seed: 0)
    let model = MLP(
      inputSize: inputSize, layerSizes: layerSizes, activations: activations,
      using: &generator)
    do {
      try model.setParameterValues(parameters)
    } catch {
      throw CheckpointError.invalidContents(reason: "cannot set the parameters: \(error)")
    }
    return model
  }

  /// Copies the saved parameters into an existing model of the same
  /// architecture (input size, layer sizes and activations).
  ///
  ///     let model = MLP(inputSize: 2, layerSizes: [16, 1], activation: .relu)
  ///     try Checkpoint.load(from: "model.json").apply(to: model)
  ///
  /// - Parameter model: The model to overwrite.
  /// - Throws: ``CheckpointError/architectureMismatch(reason:)``, naming the
  ///   first difference, when the architectures differ; the model is then
  ///   left untouched.
  public func apply(to model: MLP) throws {
    guard model.inputSize == inputSize else {
      throw CheckpointError.architectureMismatch(
        reason: "the model takes \(model.inputSize) inputs, the checkpoint \(inputSize)")
    }
    guard model.layerSizes == layerSizes else {
      throw CheckpointError.architectureMismatch(
        reason: "the model's layer sizes are \(model.layerSizes), the checkpoint's "
          + "\(layerSizes)")
    }
    for (k, layer) in model.layers.enumerated() {
      for (n, neuron) in layer.neurons.enumerated() where neuron.activation != activations[k] {
        throw CheckpointError.architectureMismatch(
          reason: "layer \(k), neuron \(n) of the model uses \(neuron.activation), the "
            + "checkpoint's layer \(k) uses \(activations[k])")
      }
    }
    do {
      try model.setParameterValues(parameters)
    } catch {
      throw CheckpointError.architectureMismatch(reason: "\(error)")
    }
  }

  // MARK: Files

  /// Writes the checkpoint as pretty-printed JSON with sorted keys,
  /// atomically: the bytes go to a temporary file in the same directory,
  /// which is then renamed over `path`.
  ///
  ///     try Checkpoint(model: model).save(to: "model.json")
  ///
  /// On failure the previous file at `path`, if any, is left as it was and
  /// no temporary file remains. The data is flushed to the disk before the
  /// rename. If `path` is a symbolic link, the link itself is replaced.
  ///
  /// - Parameter path: The file to write, absolute or relative to the
  ///   current directory; its directory must exist.
  /// - Throws: ``CheckpointError/unwritable(path:reason:)`` naming the cause.
  public func save(to path: String) throws {
    let data: Data
    do {
      data = try Self.makeEncoder().encode(self)
    } catch {
      throw CheckpointError.unwritable(path: path, reason: "cannot encode it: \(error)")
    }
    try AtomicFile.write(data, to: path)
  }

  /// Reads and checks a checkpoint written by ``save(to:)`` (or by hand).
  ///
  ///     let checkpoint = try Checkpoint.load(from: "model.json")
  ///     print(checkpoint.layerSizes, checkpoint.metadata["loss"] ?? "")
  ///
  /// Everything is checked before anything is returned: the JSON syntax, the
  /// format version, that the layer sizes are ≥ 1, that there is one
  /// activation per layer, that the parameter count is the architecture's,
  /// that every number is finite, that optimiser buffers have one entry per
  /// parameter, that a scaling has one feature per input and positive
  /// standard deviations, and the checksum when there is one.
  ///
  /// - Parameter path: The file to read.
  /// - Returns: The checkpoint.
  /// - Throws: ``CheckpointError/unreadable(path:reason:)`` when the file
  ///   cannot be read, ``CheckpointError/unsupportedVersion(path:found:)``
  ///   for another format version, ``CheckpointError/corrupted(path:reason:)``
  ///   naming what is wrong and where (the byte offset, line and column of a
  ///   JSON syntax error; the key path of a missing or mistyped field),
  ///   ``CheckpointError/nonFiniteParameter(index:value:)`` or
  ///   ``CheckpointError/nonFiniteValue(what:index:value:)``.
  public static func load(from path: String) throws -> Checkpoint {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
      throw CheckpointError.unreadable(path: path, reason: "no such file")
    }
    guard !isDirectory.boolValue else {
      throw CheckpointError.unreadable(path: path, reason: "it is a directory, not a file")
    }
    let data: Data
    do {
      data = try Data(contentsOf: URL(fileURLWithPath: path))
    } catch {
      throw CheckpointError.unreadable(path: path, reason: describeFileError(error))
    }
    return try decode(data, path: path)
  }

  /// Decodes and checks the bytes of a checkpoint file.
  static func decode(_ data: Data, path: String) throws(CheckpointError) -> Checkpoint {
    guard !data.isEmpty else {
      throw .corrupted(path: path, reason: "the file is empty")
    }
    let decoder = JSONDecoder()
    // The version first, so that a newer format is reported as such rather
    // than as a missing or mistyped field.
    let probe: VersionProbe
    do {
      probe = try decoder.decode(VersionProbe.self, from: data)
    } catch {
      throw .corrupted(path: path, reason: describeDecodingFailure(error, data: data))
    }
    guard let version = probe.formatVersion else {
      throw .corrupted(
        path: path, reason: "there is no \"formatVersion\": this is not a Backprop checkpoint")
    }
    guard version == currentFormatVersion else {
      throw .unsupportedVersion(path: path, found: version)
    }
    do {
      return try decoder.decode(Checkpoint.self, from: data)
    } catch {
      // The checks of `init(from:)` travel inside a `DecodingError`.
      if case .dataCorrupted(let context) = error as? DecodingError,
        let inner = context.underlyingError as? CheckpointError
      {
        switch inner {
        case .nonFiniteParameter, .nonFiniteValue: throw inner
        case .invalidContents(let reason): throw .corrupted(path: path, reason: reason)
        default: throw .corrupted(path: path, reason: inner.description)
        }
      }
      throw .corrupted(path: path, reason: describeDecodingFailure(error, data: data))
    }
  }

  /// The encoder of the file format: pretty, sorted keys, numbers in their
  /// shortest round-trip form.
  static func makeEncoder() -> JSONEncoder {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return encoder
  }

  // MARK: Codable

  private enum CodingKeys: String, CodingKey, CaseIterable {
    case formatVersion, inputSize, layerSizes, activations, parameters, optimizer, metadata
    case standardization, checksum

    static var allNames: String { allCases.map(\.stringValue).joined(separator: ", ") }
  }

  /// Decodes a checkpoint in the file format and checks it as ``load(from:)``
  /// does, including the checksum when present.
  ///
  ///     let checkpoint = try JSONDecoder().decode(Checkpoint.self, from: data)
  ///
  /// - Parameter decoder: The decoder to read from.
  /// - Throws: `DecodingError`; when the fields are well formed but invalid,
  ///   a `dataCorrupted` error whose underlying error is the
  ///   ``CheckpointError``.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    // An unknown key is a misspelt or damaged one: refused, so that a damaged
    // "checksum" key cannot turn the checksum off.
    let keys = try decoder.container(keyedBy: AnyCodingKey.self).allKeys
    if let unknown = keys.first(where: { CodingKeys(stringValue: $0.stringValue) == nil }) {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath + [unknown],
          debugDescription: "unknown key \"\(unknown.stringValue)\"; a checkpoint has only "
            + "\(CodingKeys.allNames)"))
    }
    let version = try container.decode(Int.self, forKey: .formatVersion)
    guard version == Self.currentFormatVersion else {
      throw DecodingError.dataCorruptedError(
        forKey: .formatVersion, in: container,
        debugDescription: "format version \(version) is not supported; this version of "
          + "Backprop reads version \(Self.currentFormatVersion)")
    }
    let checksum = try container.decodeIfPresent(String.self, forKey: .checksum)
    do {
      try self.init(
        checkedInputSize: container.decode(Int.self, forKey: .inputSize),
        layerSizes: container.decode([Int].self, forKey: .layerSizes),
        activations: container.decode([Activation].self, forKey: .activations),
        parameters: container.decode([Double].self, forKey: .parameters),
        optimizer: container.decodeIfPresent(OptimizerState.self, forKey: .optimizer),
        metadata: container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:],
        standardization: Self.decodeStandardization(from: container))
      if let checksum { try verifyChecksum(checksum) }
    } catch let error as CheckpointError {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath, debugDescription: error.description,
          underlyingError: error))
    }
  }

  /// Decodes the optional ``standardization``, reporting an invalid one as
  /// the ``CheckpointError`` that ``validate()`` gives for it.
  private static func decodeStandardization(
    from container: KeyedDecodingContainer<CodingKeys>
  ) throws -> Standardizer? {
    do {
      return try container.decodeIfPresent(Standardizer.self, forKey: .standardization)
    } catch DecodingError.dataCorrupted(let context) {
      if let error = context.underlyingError as? TrainingError {
        throw CheckpointError(invalidScaling: error)
      }
      throw DecodingError.dataCorrupted(context)
    }
  }

  /// Encodes the checkpoint in the file format, with its checksum.
  ///
  ///     let data = try JSONEncoder().encode(checkpoint)
  ///
  /// - Parameter encoder: The encoder to write to.
  /// - Throws: What the encoder throws.
  public func encode(to encoder: any Encoder) throws {
    var container = encoder.container(keyedBy: CodingKeys.self)
    try container.encode(formatVersion, forKey: .formatVersion)
    try container.encode(inputSize, forKey: .inputSize)
    try container.encode(layerSizes, forKey: .layerSizes)
    try container.encode(activations, forKey: .activations)
    try container.encode(parameters, forKey: .parameters)
    try container.encodeIfPresent(optimizer, forKey: .optimizer)
    try container.encode(metadata, forKey: .metadata)
    try container.encodeIfPresent(standardization, forKey: .standardization)
    try container.encode(checksum, forKey: .checksum)
  }

  // MARK: Validation

  /// Checks that the parts fit together and every number is finite.
  func validate() throws(CheckpointError) {
    guard formatVersion == Self.currentFormatVersion else {
      throw .invalidContents(
        reason: "format version \(formatVersion) is not \(Self.currentFormatVersion)")
    }
    guard inputSize >= 1 else {
      throw .invalidContents(reason: "the input size is \(inputSize); it must be ≥ 1")
    }
    guard !layerSizes.isEmpty else {
      throw .invalidContents(reason: "there are no layers; an MLP needs at least one")
    }
    if let k = layerSizes.firstIndex(where: { $0 < 1 }) {
      throw .invalidContents(reason: "layer \(k) has size \(layerSizes[k]); it must be ≥ 1")
    }
    guard activations.count == layerSizes.count else {
      throw .invalidContents(
        reason: "there are \(layerSizes.count) layer sizes but \(activations.count) "
          + "activations; there must be one per layer")
    }
    for (k, activation) in activations.enumerated() {
      switch activation {
      case .leakyReLU(let number), .elu(let number):
        guard number.isFinite else {
          throw .invalidContents(
            reason: "the activation of layer \(k), \(activation), has a non-finite parameter")
        }
      default:
        break
      }
    }
    let expected = try expectedParameterCount()
    guard parameters.count == expected else {
      throw .invalidContents(
        reason: "there are \(parameters.count) parameters but the architecture "
          + "\(architectureDescription) has \(expected)")
    }
    if let i = parameters.firstIndex(where: { !$0.isFinite }) {
      throw .nonFiniteParameter(index: i, value: parameters[i])
    }
    if let optimizer { try validate(optimizer) }
    if let standardization {
      do {
        try Standardizer.validate(
          mean: standardization.mean, standardDeviation: standardization.standardDeviation)
      } catch {
        throw CheckpointError(invalidScaling: error)
      }
      guard standardization.mean.count == inputSize else {
        throw .invalidContents(
          reason: "the scaling has \(standardization.mean.count) features but the model "
            + "takes \(inputSize) inputs")
      }
    }
  }

  /// The parameter count of the architecture: Σₖ (inputsₖ + 1)·sizeₖ,
  /// computed without overflow.
  private func expectedParameterCount() throws(CheckpointError) -> Int {
    var total = 0
    var inputs = inputSize
    for size in layerSizes {
      let (perNeuron, o1) = inputs.addingReportingOverflow(1)
      let (layer, o2) = perNeuron.multipliedReportingOverflow(by: size)
      let (sum, o3) = total.addingReportingOverflow(layer)
      guard !o1, !o2, !o3 else {
        throw .invalidContents(
          reason: "the architecture \(architectureDescription) has more parameters than "
            + "an Int can count")
      }
      total = sum
      inputs = size
    }
    return total
  }

  /// Checks an optimiser state against the parameters.
  private func validate(_ state: OptimizerState) throws(CheckpointError) {
    guard state.stepCount >= 0 else {
      throw .invalidContents(
        reason: "the optimizer's step count is \(state.stepCount); it must be ≥ 0")
    }
    for name in state.hyperparameters.keys.sorted() {
      if let value = state.hyperparameters[name], !value.isFinite {
        throw .invalidContents(
          reason: "the optimizer's hyperparameter \(name) is \(value); it must be finite")
      }
    }
    do {
      try state.schedule.validate()
    } catch {
      throw .invalidContents(reason: "the optimizer's learning-rate schedule: \(error)")
    }
    for name in state.buffers.keys.sorted() {
      let buffer = state.buffers[name] ?? []
      guard buffer.count == parameters.count else {
        throw .invalidContents(
          reason: "the optimizer's buffer \"\(name)\" has \(buffer.count) entries but the "
            + "model has \(parameters.count) parameters")
      }
      if let i = buffer.firstIndex(where: { !$0.isFinite }) {
        throw .nonFiniteValue(
          what: "optimizer buffer \"\(name)\" entry", index: i, value: buffer[i])
      }
    }
  }

  /// `2 → 16 relu → 1 linear`.
  private var architectureDescription: String {
    "\(inputSize)"
      + zip(layerSizes, activations).map { " → \($0.0) \($0.1)" }.joined()
      + (activations.count == layerSizes.count
        ? "" : " (\(layerSizes.count) sizes, \(activations.count) activations)")
  }

  // MARK: Checksum

  /// `fnv1a64:` and 16 hexadecimal digits: a 64-bit FNV-1a hash of the
  /// contents (numbers by their bit patterns, strings by their UTF-8 bytes),
  /// independent of how a JSON library formats numbers.
  var checksum: String {
    var digest = ContentDigest()
    digest.add(formatVersion)
    digest.add(inputSize)
    digest.add(layerSizes.count)
    for size in layerSizes { digest.add(size) }
    digest.add(activations.count)
    for activation in activations {
      switch activation {
      case .leakyReLU(let slope):
        digest.add("leakyReLU")
        digest.add(slope)
      case .elu(let alpha):
        digest.add("elu")
        digest.add(alpha)
      default:
        digest.add(activation.description)
      }
    }
    digest.add(parameters)
    if let optimizer {
      digest.add("optimizer")
      digest.add(optimizer.kind)
      digest.add(optimizer.hyperparameters.count)
      for name in optimizer.hyperparameters.keys.sorted() {
        digest.add(name)
        digest.add(optimizer.hyperparameters[name] ?? 0)
      }
      switch optimizer.schedule {
      case .linearDecay(let final, let steps):
        digest.add("linearDecay")
        digest.add(final)
        digest.add(steps)
      case .stepDecay(let factor, let every):
        digest.add("stepDecay")
        digest.add(factor)
        digest.add(every)
      default:
        digest.add(optimizer.schedule.description)
      }
      digest.add(optimizer.stepCount)
      digest.add(optimizer.buffers.count)
      for name in optimizer.buffers.keys.sorted() {
        digest.add(name)
        digest.add(optimizer.buffers[name] ?? [])
      }
    } else {
      digest.add("no optimizer")
    }
    digest.add(metadata.count)
    for key in metadata.keys.sorted() {
      digest.add(key)
      digest.add(metadata[key] ?? "")
    }
    if let standardization {
      digest.add("standardization")
      digest.add(standardization.mean)
      digest.add(standardization.standardDeviation)
    } else {
      digest.add("no standardization")
    }
    let hex = String(digest.value, radix: 16)
    return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
  }

  /// Compares a checksum read from a file with the contents.
  private func verifyChecksum(_ stored: String) throws(CheckpointError) {
    guard stored.hasPrefix("fnv1a64:") else {
      throw .invalidContents(
        reason: "unknown checksum \"\(stored)\"; expected \"fnv1a64:\" and 16 hex digits")
    }
    let actual = checksum
    guard stored.lowercased() == actual else {
      throw .invalidContents(
        reason: "the checksum is \(stored) but the contents hash to \(actual): the file was "
          + "damaged or edited after it was saved (remove the \"checksum\" field to accept "
          + "manual edits)")
    }
  }
}

extension CheckpointError {
  /// The error a checkpoint reports for a scaling that fails the checks of
  /// ``Standardizer/init(mean:standardDeviation:)``: a NaN or ±inf entry as
  /// ``nonFiniteValue(what:index:value:)`` (a `feature mean` or `feature
  /// standard deviation`), anything else as ``invalidContents(reason:)``.
  fileprivate init(invalidScaling error: TrainingError) {
    switch error {
    case .nonFiniteValue(let what, let index, let value):
      self = .nonFiniteValue(what: "feature \(what)", index: index, value: value)
    case .invalidHyperparameter(let name, let value, let requirement):
      self = .invalidContents(reason: "the scaling's \(name) is \(value); it \(requirement)")
    default:
      self = .invalidContents(reason: "the scaling is invalid: \(error)")
    }
  }
}

// MARK: - Convenience on MLP

extension MLP {
  /// Saves the model, and optionally its optimiser's state and metadata, to
  /// a checkpoint file: shorthand for ``Checkpoint/init(model:optimizer:metadata:scaling:)``
  /// then ``Checkpoint/save(to:)``.
  ///
  ///     let scaler = Standardizer(fitting: train)
  ///     // ... train on scaler(train) ...
  ///     try model.save(to: "model.json", optimizer: optimizer.state,
  ///                    metadata: ["loss": "mse"], scaling: scaler)
  ///
  /// - Parameters:
  ///   - path: The file to write atomically; its directory must exist.
  ///   - optimizer: The optimiser's state to save with the model; `nil` by
  ///     default.
  ///   - metadata: Free text; empty by default.
  ///   - scaling: The ``Standardizer`` the model's inputs were
  ///     standardised with, one feature per input; `nil` by default.
  /// - Throws: ``CheckpointError/nonFiniteParameter(index:value:)`` when a
  ///   parameter is NaN or ±inf (nothing is written),
  ///   ``CheckpointError/unwritable(path:reason:)``, or the errors of
  ///   ``Checkpoint/init(model:optimizer:metadata:scaling:)``. A previous
  ///   file at `path` is left intact on every failure.
  public func save(
    to path: String, optimizer: OptimizerState? = nil, metadata: [String: String] = [:],
    scaling: Standardizer? = nil
  ) throws {
    try Checkpoint(model: self, optimizer: optimizer, metadata: metadata, scaling: scaling)
      .save(to: path)
  }

  /// Loads a model saved by ``save(to:optimizer:metadata:scaling:)`` or
  /// ``Checkpoint/save(to:)``, with its parameters recorded on the current
  /// tape.
  ///
  ///     let model = try MLP.load(from: "model.json")
  ///
  /// To read the optimiser state or the metadata too, use
  /// ``Checkpoint/load(from:)`` and ``Checkpoint/makeModel()``.
  ///
  /// - Parameter path: The file to read.
  /// - Returns: A new model with the saved architecture and parameters.
  /// - Throws: The errors of ``Checkpoint/load(from:)``.
  public static func load(from path: String) throws -> MLP {
    try Checkpoint.load(from: path).makeModel()
  }
}

// MARK: - Helpers

/// Any key of a JSON object, to list them all.
private struct AnyCodingKey: CodingKey {
  let stringValue: String
  let intValue: Int?
  init(stringValue: String) {
    self.stringValue = stringValue
    intValue = nil
  }
  init?(intValue: Int) {
    stringValue = "\(intValue)"
    self.intValue = intValue
  }
}

/// Reads only the format version of a file.
private struct VersionProbe: Decodable {
  let formatVersion: Int?
}

/// A 64-bit FNV-1a hash, fed little-endian integers, bit patterns and
/// length-prefixed UTF-8 strings.
struct ContentDigest {
  /// The hash so far.
  private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  mutating func add(byte: UInt8) {
    value ^= UInt64(byte)
    value &*= 0x0000_0100_0000_01b3
  }

  mutating func add(_ x: UInt64) {
    for shift in stride(from: UInt64(0), to: 64, by: 8) {
      add(byte: UInt8(truncatingIfNeeded: x &>> shift))
    }
  }

  mutating func add(_ x: Int) { add(UInt64(bitPattern: Int64(x))) }

  mutating func add(_ x: Double) { add(x.bitPattern) }

  mutating func add(_ xs: [Double]) {
    add(xs.count)
    for x in xs { add(x.bitPattern) }
  }

  mutating func add(_ s: String) {
    add(s.utf8.count)
    for b in s.utf8 { add(byte: b) }
  }
}

/// Writes files by way of a temporary file and a rename.
enum AtomicFile {
  /// Writes `data` to a temporary file beside `path`, flushes it, and
  /// renames it over `path`; removes the temporary file on any failure.
  static func write(_ data: Data, to path: String) throws(CheckpointError) {
    guard !path.isEmpty else {
      throw .unwritable(path: path, reason: "the path is empty")
    }
    guard !path.hasSuffix("/") else {
      throw .unwritable(path: path, reason: "the path names a directory, not a file")
    }
    let url = URL(fileURLWithPath: path)
    let directory = url.deletingLastPathComponent()
    let manager = FileManager.default
    var isDirectory: ObjCBool = false
    guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory),
      isDirectory.boolValue
    else {
      throw .unwritable(path: path, reason: "the directory \(directory.path) does not exist")
    }
    let temporary = directory.appendingPathComponent(
      ".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    var renamed = false
    defer {
      if !renamed { try? manager.removeItem(at: temporary) }
    }
    do {
      try data.write(to: temporary, options: .withoutOverwriting)
      let handle = try FileHandle(forWritingTo: temporary)
      defer { try? handle.close() }
      try handle.synchronize()
    } catch {
      throw .unwritable(
        path: path,
        reason: "cannot write a temporary file in \(directory.path): \(describeFileError(error))")
    }
    guard rename(temporary.path, url.path) == 0 else {
      let code = errno
      throw .unwritable(
        path: path,
        reason: "cannot rename the temporary file over it: \(String(cString: strerror(code)))")
    }
    renamed = true
  }
}

/// A readable reason for a Foundation file error.
private func describeFileError(_ error: any Error) -> String {
  let nsError = error as NSError
  if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError {
    return "\(nsError.localizedDescription) (\(underlying.localizedDescription))"
  }
  return nsError.localizedDescription
}

/// A readable reason for a failure to decode, with the location of a JSON
/// syntax error (which `JSONDecoder` does not report on every platform, so
/// it is asked of `JSONSerialization`).
private func describeDecodingFailure(_ error: any Error, data: Data) -> String {
  guard let error = error as? DecodingError else { return "\(error)" }
  func keyPath(_ path: [any CodingKey]) -> String {
    var text = ""
    for key in path {
      if let index = key.intValue {
        text += "[\(index)]"
      } else {
        text += (text.isEmpty ? "" : ".") + key.stringValue
      }
    }
    return text.isEmpty ? "the top level" : "\"\(text)\""
  }
  switch error {
  case .typeMismatch(let type, let context):
    return "at \(keyPath(context.codingPath)): expected \(type): \(context.debugDescription)"
  case .valueNotFound(let type, let context):
    return "at \(keyPath(context.codingPath)): expected \(type), found null"
  case .keyNotFound(let key, let context):
    return "the key \"\(key.stringValue)\" is missing at \(keyPath(context.codingPath))"
  case .dataCorrupted(let context):
    if context.codingPath.isEmpty {
      if let syntax = jsonSyntaxError(in: data) { return "not valid JSON: \(syntax)" }
      return "\(context.debugDescription) The JSON is well formed, so a value has the wrong "
        + "form: a fractional or out-of-range number where an integer belongs, or a number "
        + "too large for a Double"
    }
    return "at \(keyPath(context.codingPath)): \(context.debugDescription)"
  @unknown default:
    return "\(error)"
  }
}

/// The JSON syntax error in `data`, with its byte offset, line and column
/// (from 1) when the parser gives a position; `nil` if the JSON is valid.
private func jsonSyntaxError(in data: Data) -> String? {
  do {
    _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    return nil
  } catch {
    let message =
      ((error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String)
      ?? (error as NSError).localizedDescription
    if message.contains("end of file") {
      return "\(message) (the file ends after \(data.count) bytes: it may be truncated)"
    }
    guard let range = message.range(of: "character ") else { return message }
    let digits = message[range.upperBound...].prefix(while: \.isNumber)
    guard let offset = Int(digits), offset >= 0, offset <= data.count else { return message }
    var line = 1
    var column = 1
    for byte in data.prefix(offset) {
      if byte == UInt8(ascii: "\n") {
        line += 1
        column = 1
      } else if byte & 0xC0 != 0x80 {  // count characters, not UTF-8 continuation bytes
        column += 1
      }
    }
    return "\(message) (byte \(offset), line \(line), column \(column))"
  }
}
