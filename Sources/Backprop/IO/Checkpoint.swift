import Foundation

// Saving and loading a trained MLP: the architecture, every parameter bit for
// bit, and optionally the optimiser's state, free-text metadata and the
// feature standardisation (a `Standardizer`), as one pretty-printed JSON file
// written atomically.


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
///       "classNames" : [ "setosa", "versicolor", "virginica" ],
///       "featureNames" : [ "petal_length", "petal_width" ],
///       "formatVersion" : 2,
///       "inputSize" : 2,
///       "layerSizes" : [ 16, 1 ],
///       "metadata" : { "loss" : "mse" },
///       "optimizer" : { … },
///       "parameters" : [ 0.1, -0.75, … ],
///       "standardization" : { "mean" : [ … ], "standardDeviation" : [ … ] },
///       "targetName" : "species"
///     }
///
/// `optimizer`, `metadata`, `standardization`, `featureNames`, `classNames`,
/// `targetName` and `checksum` may be left out (a hand-written file without
/// a checksum is accepted). Version 1 files, which have no feature, class or
/// target names, still load (``formatVersion`` then says 1, and saving such
/// a checkpoint writes version 1 again).
public struct Checkpoint: Sendable, Equatable, Codable {
  /// The format version this library writes and reads.
  ///
  ///     print(Checkpoint.currentFormatVersion)
  ///     // Prints "2"
  public static let currentFormatVersion = 2

  /// The format versions this library reads: 1 (no names) and 2.
  public static let readableFormatVersions = 1...currentFormatVersion

  /// The format version of the checkpoint: ``currentFormatVersion`` for one
  /// made in memory, the file's for one loaded (1 or 2).
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
  /// The names of the model's inputs, in input order: the training file's
  /// feature columns when it had a header; `nil` when unknown (a version 1
  /// file, data without a header). A prediction tool matches a file's
  /// columns by these names, in any order.
  public let featureNames: [String]?
  /// The names of the classes, class index `k` being `classNames[k]`: the
  /// texts of the training target column when it held class names; `nil`
  /// for a regression or when unknown.
  public let classNames: [String]?
  /// The name of the column the model predicts, when the training file had
  /// a header; `nil` when unknown.
  public let targetName: String?

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
  ///   - featureNames: The names of the inputs, one per input, distinct and
  ///     not empty; `nil` (the default) when unknown.
  ///   - classNames: The class names, distinct and not empty: as many as the
  ///     model has outputs, or two for a model with one output (a binary
  ///     classifier); `nil` by default.
  ///   - targetName: The name of the predicted column, not one of the
  ///     feature names; `nil` by default.
  /// - Throws: ``CheckpointError/nonFiniteParameter(index:value:)`` when a
  ///   parameter is NaN or ±inf;
  ///   ``CheckpointError/nonFiniteValue(what:index:value:)`` or
  ///   ``CheckpointError/invalidContents(reason:)`` when the optimiser state
  ///   or the scaling does not fit the model (a buffer of the wrong length, a
  ///   non-finite entry, a scaling of the wrong width), when the names do
  ///   not fit (see the parameters), or when a layer's neurons do not share
  ///   one activation.
  public init(
    model: MLP, optimizer: OptimizerState? = nil, metadata: [String: String] = [:],
    scaling: Standardizer? = nil, featureNames: [String]? = nil, classNames: [String]? = nil,
    targetName: String? = nil
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
      metadata: metadata, standardization: scaling, featureNames: featureNames,
      classNames: classNames, targetName: targetName)
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
  ///   - featureNames: The names of the inputs; `nil` by default.
  ///   - classNames: The class names; `nil` by default.
  ///   - targetName: The name of the predicted column; `nil` by default.
  /// - Throws: ``CheckpointError/invalidContents(reason:)`` when the sizes or
  ///   names do not fit together, ``CheckpointError/nonFiniteParameter(index:value:)``
  ///   or ``CheckpointError/nonFiniteValue(what:index:value:)`` for NaN or
  ///   ±inf.
  public init(
    inputSize: Int, layerSizes: [Int], activations: [Activation], parameters: [Double],
    optimizer: OptimizerState? = nil, metadata: [String: String] = [:],
    scaling: Standardizer? = nil, featureNames: [String]? = nil, classNames: [String]? = nil,
    targetName: String? = nil
  ) throws {
    try self.init(
      checkedInputSize: inputSize, layerSizes: layerSizes, activations: activations,
      parameters: parameters, optimizer: optimizer, metadata: metadata,
      standardization: scaling, featureNames: featureNames, classNames: classNames,
      targetName: targetName)
  }

  /// The designated initialiser: stores the parts and validates them.
  init(
    checkedInputSize inputSize: Int, layerSizes: [Int], activations: [Activation],
    parameters: [Double], optimizer: OptimizerState?, metadata: [String: String],
    standardization: Standardizer?, featureNames: [String]?, classNames: [String]?,
    targetName: String?, formatVersion: Int = Checkpoint.currentFormatVersion
  ) throws(CheckpointError) {
    self.formatVersion = formatVersion
    self.featureNames = featureNames
    self.classNames = classNames
    self.targetName = targetName
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
  /// atomically and without destroying anything.
  ///
  ///     let result = try Checkpoint(model: model).save(to: "model.json")
  ///     for leftover in result.removedLeftovers { print("removed leftover \(leftover)") }
  ///
  /// The destination is checked first, as
  /// ``checkDestination(_:replacingReadOnly:)`` does: it may be absent, a
  /// regular file, or a symbolic link to a regular file (the file it points
  /// to is replaced and the link kept); a folder, a FIFO, a socket, a device
  /// or a link to one is refused, and so is a read-only file unless
  /// `replacingReadOnly` is set. The bytes then go to a temporary file
  /// `.NAME.PID.UUID.tmp` in the same folder, which gets the replaced file's
  /// permission bits (and, as root, its owner), is flushed to the disk and
  /// renamed over the destination. On every failure that can be caught
  /// (encoding, writing, a full disk, flushing, renaming) the temporary file
  /// is removed and the previous file is left as it was.
  ///
  /// A save that was killed leaves its temporary file behind; the next
  /// successful save to the same file removes such leftovers and returns
  /// their paths in ``CheckpointSaveResult/removedLeftovers`` (see
  /// ``leftoverTemporaryFiles(for:)``).
  ///
  /// - Parameters:
  ///   - path: The file to write, absolute or relative to the current
  ///     directory; its folder must exist and be writable.
  ///   - replacingReadOnly: Whether a read-only file at `path` may be
  ///     replaced (it keeps its read-only permissions); `false` by default.
  /// - Returns: The file written and the leftovers removed.
  /// - Throws: ``CheckpointError/notAFile(path:kind:)``,
  ///   ``CheckpointError/readOnly(path:mode:)`` or
  ///   ``CheckpointError/unwritable(path:reason:)`` naming the cause.
  @discardableResult
  public func save(
    to path: String, replacingReadOnly: Bool = false
  ) throws -> CheckpointSaveResult {
    try Self.checkDestination(path, replacingReadOnly: replacingReadOnly)
    let data: Data
    do {
      data = try Self.makeEncoder().encode(self)
    } catch {
      throw CheckpointError.unwritable(path: path, reason: "cannot encode it: \(error)")
    }
    return try AtomicFile.write(data, to: path, replacingReadOnly: replacingReadOnly)
  }

  /// Checks, without writing anything, that a checkpoint could be saved to
  /// `path`: call it before a long training run so that a wrong path fails
  /// at once rather than after the run.
  ///
  ///     try Checkpoint.checkDestination("runs/model.json")
  ///     // ... train for an hour ...
  ///     try model.save(to: "runs/model.json")
  ///
  /// The path must not end in `/`; its folder must exist, be a folder and be
  /// writable; the path itself must be absent, a regular file, or a symbolic
  /// link to a regular file; an existing file must be writable (it has a
  /// write permission bit and this user may write it) unless
  /// `replacingReadOnly` is set. As root every permission check but the
  /// write bits passes, as the system grants root everything.
  ///
  /// - Parameters:
  ///   - path: The file a save would write.
  ///   - replacingReadOnly: Whether a read-only file may be replaced;
  ///     `false` by default.
  /// - Throws: ``CheckpointError/notAFile(path:kind:)`` for a folder, FIFO,
  ///   socket, device or a symbolic link to one or to nothing;
  ///   ``CheckpointError/readOnly(path:mode:)`` for a read-only file;
  ///   ``CheckpointError/unwritable(path:reason:)`` for a folder that is
  ///   missing, not a folder or not writable.
  public static func checkDestination(
    _ path: String, replacingReadOnly: Bool = false
  ) throws {
    _ = try AtomicFile.check(path, replacingReadOnly: replacingReadOnly)
  }

  /// The temporary files that interrupted saves to `path` left behind, which
  /// the next successful ``save(to:replacingReadOnly:)`` removes: the
  /// regular files `.NAME.PID.UUID.tmp` beside the file (the symbolic
  /// link's target for a link) whose process `PID` no longer runs, or that
  /// were not modified for an hour, and the older form `.NAME.UUID.tmp`
  /// when not modified for a minute. A save in progress, in this process or
  /// another, is never counted.
  ///
  ///     for leftover in Checkpoint.leftoverTemporaryFiles(for: "model.json") {
  ///       print("leftover \(leftover)")
  ///     }
  ///
  /// - Parameter path: The checkpoint file.
  /// - Returns: The leftovers' paths, sorted; empty when there are none.
  public static func leftoverTemporaryFiles(for path: String) -> [String] {
    var target = path
    if let resolved = realpath(path, nil) {
      target = String(cString: resolved)
      free(resolved)
    }
    return AtomicFile.leftovers(for: target)
  }

  /// Reads and checks a checkpoint written by ``save(to:replacingReadOnly:)`` (or by hand).
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
    guard readableFormatVersions.contains(version) else {
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
    case standardization, featureNames, classNames, targetName, checksum

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
    guard Self.readableFormatVersions.contains(version) else {
      throw DecodingError.dataCorruptedError(
        forKey: .formatVersion, in: container,
        debugDescription: "format version \(version) is not supported; this version of "
          + "Backprop reads versions \(Self.readableFormatVersions.lowerBound) to "
          + "\(Self.readableFormatVersions.upperBound)")
    }
    if version < 2,
      let named = keys.first(where: { ["featureNames", "classNames", "targetName"].contains($0.stringValue) })
    {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath + [named],
          debugDescription: "\"\(named.stringValue)\" needs format version 2, but the file "
            + "says version \(version)"))
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
        standardization: Self.decodeStandardization(from: container),
        featureNames: container.decodeIfPresent([String].self, forKey: .featureNames),
        classNames: container.decodeIfPresent([String].self, forKey: .classNames),
        targetName: container.decodeIfPresent(String.self, forKey: .targetName),
        formatVersion: version)
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
    try container.encodeIfPresent(featureNames, forKey: .featureNames)
    try container.encodeIfPresent(classNames, forKey: .classNames)
    try container.encodeIfPresent(targetName, forKey: .targetName)
    try container.encode(checksum, forKey: .checksum)
  }

}

// MARK: - Convenience on MLP

extension MLP {
  /// Saves the model, and optionally its optimiser's state, metadata,
  /// scaling and column names, to a checkpoint file: shorthand for
  /// ``Checkpoint/init(model:optimizer:metadata:scaling:featureNames:classNames:targetName:)``
  /// then ``Checkpoint/save(to:replacingReadOnly:)``.
  ///
  ///     let scaler = Standardizer(fitting: train)
  ///     // ... train on scaler(train) ...
  ///     try model.save(to: "model.json", optimizer: optimizer.state,
  ///                    metadata: ["loss": "cross-entropy"], scaling: scaler,
  ///                    featureNames: ["petal_length", "petal_width"],
  ///                    classNames: ["setosa", "versicolor", "virginica"],
  ///                    targetName: "species")
  ///
  /// - Parameters:
  ///   - path: The file to write atomically; its folder must exist.
  ///   - optimizer: The optimiser's state to save with the model; `nil` by
  ///     default.
  ///   - metadata: Free text; empty by default.
  ///   - scaling: The ``Standardizer`` the model's inputs were
  ///     standardised with, one feature per input; `nil` by default.
  ///   - featureNames: The names of the inputs; `nil` by default.
  ///   - classNames: The class names; `nil` by default.
  ///   - targetName: The name of the predicted column; `nil` by default.
  ///   - replacingReadOnly: Whether a read-only file at `path` may be
  ///     replaced; `false` by default.
  /// - Returns: The file written and the leftover temporary files removed.
  /// - Throws: ``CheckpointError/nonFiniteParameter(index:value:)`` when a
  ///   parameter is NaN or ±inf (nothing is written), the errors of
  ///   ``Checkpoint/save(to:replacingReadOnly:)`` and of
  ///   ``Checkpoint/init(model:optimizer:metadata:scaling:featureNames:classNames:targetName:)``.
  ///   A previous file at `path` is left intact on every failure.
  @discardableResult
  public func save(
    to path: String, optimizer: OptimizerState? = nil, metadata: [String: String] = [:],
    scaling: Standardizer? = nil, featureNames: [String]? = nil, classNames: [String]? = nil,
    targetName: String? = nil, replacingReadOnly: Bool = false
  ) throws -> CheckpointSaveResult {
    try Checkpoint(
      model: self, optimizer: optimizer, metadata: metadata, scaling: scaling,
      featureNames: featureNames, classNames: classNames, targetName: targetName
    ).save(to: path, replacingReadOnly: replacingReadOnly)
  }

  /// Loads a model saved by
  /// ``save(to:optimizer:metadata:scaling:featureNames:classNames:targetName:replacingReadOnly:)``
  /// or ``Checkpoint/save(to:replacingReadOnly:)``, with its parameters recorded on the current
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
