// The checkpoint of a trained MLP: its architecture and every parameter bit
// for bit, as one pretty-printed JSON file written atomically.

// Optionally also the optimiser's state, free-text metadata and the feature
// standardisation (a `Standardizer`).

import Foundation

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
  /// The format version this library writes an ``MLP``'s checkpoint in
  /// (readable by every earlier version of Backprop that reads version 2).
  ///
  ///     print(Checkpoint.currentFormatVersion)
  ///     // Prints "2"
  public static let currentFormatVersion = 2

  /// The format version of a checkpoint of any other model: a
  /// ``Sequential`` (its layers' kinds and settings) or a model of your own
  /// (its parameter groups); see ``architecture``.
  public static let modelFormatVersion = 3

  /// The format versions this library reads: 1 (no names), 2 and 3.
  public static let readableFormatVersions = 1...modelFormatVersion

  /// The format version of the checkpoint: ``currentFormatVersion`` for an
  /// MLP's made in memory, ``modelFormatVersion`` for another model's, the
  /// file's for one loaded (1, 2 or 3).
  public let formatVersion: Int
  /// The number of inputs of the model.
  public let inputSize: Int
  /// The width of each layer, input side first; the last is the output
  /// size. For a checkpoint of another model (``architecture`` not nil),
  /// the output size alone.
  public let layerSizes: [Int]
  /// The activation of each layer, input side first; empty for a
  /// checkpoint of another model (``architecture`` not nil).
  public let activations: [Activation]
  /// The architecture of a model that is not an MLP (format version 3): a
  /// ``Sequential``'s layers or a model of your own's parameter groups;
  /// `nil` for an MLP, described by ``inputSize``, ``layerSizes`` and
  /// ``activations``.
  public let architecture: ModelArchitecture?
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
    targetName: String?, architecture: ModelArchitecture? = nil,
    formatVersion: Int = Checkpoint.currentFormatVersion
  ) throws(CheckpointError) {
    self.formatVersion = formatVersion
    self.architecture = architecture
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
    if let architecture {
      throw CheckpointError.architectureMismatch(
        reason: "the checkpoint holds \(architecture), not an MLP (build it with "
          + "makeSequential(), or apply it to your model with apply(toModel:))")
    }
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
    if let architecture {
      throw CheckpointError.architectureMismatch(
        reason: "the model is an MLP, the checkpoint holds \(architecture)")
    }
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

  // MARK: Codable

  private enum CodingKeys: String, CodingKey, CaseIterable {
    case formatVersion, inputSize, layerSizes, activations, architecture, parameters, optimizer
    case metadata, standardization, featureNames, classNames, targetName, checksum

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
    try Self.checkKeys(keys, version: version, decoder: decoder)
    let checksum = try container.decodeIfPresent(String.self, forKey: .checksum)
    let architecture =
      version >= 3 ? try container.decode(ModelArchitecture.self, forKey: .architecture) : nil
    do {
      let inputSize: Int
      let layerSizes: [Int]
      let activations: [Activation]
      if let architecture {
        inputSize = architecture.inputSize
        layerSizes = [(try? architecture.outputSize()) ?? 0]
        activations = []
      } else {
        inputSize = try container.decode(Int.self, forKey: .inputSize)
        layerSizes = try container.decode([Int].self, forKey: .layerSizes)
        activations = try container.decode([Activation].self, forKey: .activations)
      }
      try self.init(
        checkedInputSize: inputSize, layerSizes: layerSizes, activations: activations,
        parameters: container.decode([Double].self, forKey: .parameters),
        optimizer: container.decodeIfPresent(OptimizerState.self, forKey: .optimizer),
        metadata: container.decodeIfPresent([String: String].self, forKey: .metadata) ?? [:],
        standardization: Self.decodeStandardization(from: container),
        featureNames: container.decodeIfPresent([String].self, forKey: .featureNames),
        classNames: container.decodeIfPresent([String].self, forKey: .classNames),
        targetName: container.decodeIfPresent(String.self, forKey: .targetName),
        architecture: architecture, formatVersion: version)
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
    if let architecture {
      try container.encode(architecture, forKey: .architecture)
    } else {
      try container.encode(inputSize, forKey: .inputSize)
      try container.encode(layerSizes, forKey: .layerSizes)
      try container.encode(activations, forKey: .activations)
    }
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
