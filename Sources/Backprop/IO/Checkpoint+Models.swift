// Checkpoints of models that are not MLPs (format version 3): a Sequential,
// built back from its layers' settings, and a model of one's own, whose
// parameters go back into a model the program builds.

import Foundation

extension Checkpoint {
  /// Captures a ``Sequential``: its input shape, each layer's kind and
  /// settings (``LayerArchitecture``) and every parameter bit for bit.
  ///
  ///     try Checkpoint(model: net, optimizer: optimizer.state).save(to: "net.json")
  ///     let restored = try Checkpoint.load(from: "net.json").makeSequential()
  ///
  /// - Parameters: As ``init(model:optimizer:metadata:scaling:featureNames:classNames:targetName:)-(MLP,_,_,_,_,_,_)``.
  /// - Throws: ``CheckpointError/unsavableLayer(layer:name:)`` for a layer
  ///   of your own (save it with ``init(parametersOf:optimizer:metadata:)``),
  ///   ``CheckpointError/customActivation(layer:name:)`` for a custom
  ///   activation, and the errors of the MLP initialiser.
  public init(
    model: Sequential, optimizer: OptimizerState? = nil, metadata: [String: String] = [:],
    scaling: Standardizer? = nil, featureNames: [String]? = nil, classNames: [String]? = nil,
    targetName: String? = nil
  ) throws {
    var layers: [LayerArchitecture] = []
    for (k, layer) in model.layers.enumerated() {
      guard let architecture = layer.architecture else {
        throw CheckpointError.unsavableLayer(layer: k, name: Sequential.name(of: layer))
      }
      switch architecture {
      case .dense(_, _, .custom(let f)), .activation(.custom(let f)):
        throw CheckpointError.customActivation(layer: k, name: f.name)
      default:
        layers.append(architecture)
      }
    }
    try self.init(
      checkedInputSize: model.inputSize, layerSizes: [model.outputSize], activations: [],
      parameters: model.parameterValues, optimizer: optimizer, metadata: metadata,
      standardization: scaling, featureNames: featureNames, classNames: classNames,
      targetName: targetName,
      architecture: .sequential(inputShape: model.inputShape, layers: layers),
      formatVersion: Self.modelFormatVersion)
  }

  /// Captures the parameters of any ``Model`` (a model of your own), with
  /// its sizes and its groups' names and sizes: the file restores the
  /// parameters into a model your program builds, with
  /// ``apply(toModel:)``.
  ///
  ///     try Checkpoint(parametersOf: model, optimizer: adam.state).save(to: "mine.json")
  ///     let fresh = MyModel()
  ///     try Checkpoint.load(from: "mine.json").apply(toModel: fresh)
  ///
  /// - Parameters:
  ///   - model: The model; its parameters must all be finite.
  ///   - optimizer: The optimiser's state, to resume training; `nil` by
  ///     default.
  ///   - metadata: Free text; empty by default.
  /// - Throws: ``CheckpointError/nonFiniteParameter(index:value:)`` and the
  ///   optimiser-state errors of the MLP initialiser.
  public init(
    parametersOf model: some Model, optimizer: OptimizerState? = nil,
    metadata: [String: String] = [:]
  ) throws {
    let groups = model.parameterGroups.map(ParameterGroupSize.init)
    try self.init(
      checkedInputSize: model.inputSize, layerSizes: [model.outputSize], activations: [],
      parameters: model.parameterValues, optimizer: optimizer, metadata: metadata,
      standardization: nil, featureNames: nil, classNames: nil, targetName: nil,
      architecture: .parameterGroups(
        inputSize: model.inputSize, outputSize: model.outputSize, groups: groups),
      formatVersion: Self.modelFormatVersion)
  }

  /// Builds the saved ``Sequential`` back, its parameters new leaves on
  /// the current tape, equal to the saved ones bit for bit.
  ///
  ///     let net = try Checkpoint.load(from: "net.json").makeSequential()
  ///
  /// - Throws: ``CheckpointError/architectureMismatch(reason:)`` when the
  ///   checkpoint holds an MLP or a model of your own.
  public func makeSequential() throws -> Sequential {
    guard case .sequential(let shape, let layers)? = architecture else {
      throw CheckpointError.architectureMismatch(
        reason: "the checkpoint holds \(architecture.map { "\($0)" } ?? "an MLP"), not a "
          + "Sequential" + (architecture == nil ? " (build it with makeModel())" : ""))
    }
    let model = Sequential(inputShape: shape, layers.map { $0.makeLayer() })
    do {
      try model.setParameterValues(parameters)
    } catch {
      throw CheckpointError.invalidContents(reason: "cannot set the parameters: \(error)")
    }
    return model
  }

  /// Copies the saved parameters into a ``Sequential`` of the same
  /// architecture.
  ///
  /// - Throws: ``CheckpointError/architectureMismatch(reason:)``, naming
  ///   the first layer that differs; the model is then left untouched.
  public func apply(to model: Sequential) throws {
    guard case .sequential(let shape, let layers)? = architecture else {
      throw CheckpointError.architectureMismatch(
        reason: "the model is a Sequential, the checkpoint holds "
          + (architecture.map { "\($0)" } ?? "an MLP"))
    }
    guard model.inputShape == shape else {
      throw CheckpointError.architectureMismatch(
        reason: "the model takes inputs of shape \(model.inputShape), the checkpoint \(shape)")
    }
    guard model.layers.count == layers.count else {
      throw CheckpointError.architectureMismatch(
        reason: "the model has \(model.layers.count) layers, the checkpoint \(layers.count)")
    }
    for (k, (layer, saved)) in zip(model.layers, layers).enumerated()
    where layer.architecture != saved {
      throw CheckpointError.architectureMismatch(
        reason: "layer \(k) of the model is \(Sequential.name(of: layer)), the checkpoint's is "
          + "\(saved)")
    }
    try setParameters(of: model)
  }

  /// Copies the saved parameters into a model of your own with the same
  /// sizes and parameter groups (names and sizes), or into any model whose
  /// checkpoint this is.
  ///
  ///     try Checkpoint.load(from: "mine.json").apply(toModel: model)
  ///
  /// - Throws: ``CheckpointError/architectureMismatch(reason:)``, naming
  ///   the first group that differs; the model is then left untouched.
  public func apply(toModel model: some Model) throws {
    switch architecture {
    case .parameterGroups(let inputs, let outputs, let groups):
      guard model.inputSize == inputs, model.outputSize == outputs else {
        throw CheckpointError.architectureMismatch(
          reason: "the model maps \(model.inputSize) inputs to \(model.outputSize) outputs, "
            + "the checkpoint's \(inputs) to \(outputs)")
      }
      let own = model.parameterGroups.map(ParameterGroupSize.init)
      let common = Swift.min(own.count, groups.count)
      let differing = (0..<common).first { own[$0] != groups[$0] }
      if let k = differing ?? (own.count == groups.count ? nil : common) {
        let mine = k < own.count ? "\(own[k].name) (\(own[k].count))" : "nothing"
        let saved = k < groups.count ? "\(groups[k].name) (\(groups[k].count))" : "nothing"
        throw CheckpointError.architectureMismatch(
          reason: "parameter group \(k) of the model is \(mine), the checkpoint's is \(saved)")
      }
      try setParameters(of: model)
    case .sequential:
      guard let net = model as? Sequential else {
        throw CheckpointError.architectureMismatch(
          reason: "the checkpoint holds a Sequential, the model is a \(type(of: model))")
      }
      try apply(to: net)
    case nil:
      guard let mlp = model as? MLP else {
        throw CheckpointError.architectureMismatch(
          reason: "the checkpoint holds an MLP, the model is a \(type(of: model))")
      }
      try apply(to: mlp)
    }
  }

  private func setParameters(of model: some Model) throws {
    do {
      try model.setParameterValues(parameters)
    } catch {
      throw CheckpointError.architectureMismatch(reason: "\(error)")
    }
  }

  /// Refuses keys of the other kind of architecture: version 3 has
  /// `architecture` and no MLP sizes; versions 1 and 2 the reverse.
  static func checkKeys(
    _ keys: [AnyCodingKey], version: Int, decoder: any Decoder
  ) throws {
    let mlpKeys: Set = ["inputSize", "layerSizes", "activations"]
    let wrong = keys.first { key in
      version >= 3 ? mlpKeys.contains(key.stringValue) : key.stringValue == "architecture"
    }
    if let wrong {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath + [wrong],
          debugDescription: version >= 3
            ? "\"\(wrong.stringValue)\" belongs to an MLP's checkpoint (version 2); a version 3 "
              + "file describes its model in \"architecture\""
            : "\"architecture\" needs format version 3, but the file says version \(version)"))
    }
  }
}

extension Sequential {
  /// Saves the model to `path` atomically (version 3), optionally with the
  /// optimiser's state and metadata.
  ///
  ///     try net.save(to: "net.json", optimizer: sgd.state)
  ///
  /// - Throws: The errors of ``Checkpoint/init(model:optimizer:metadata:scaling:featureNames:classNames:targetName:)-(Sequential,_,_,_,_,_,_)``
  ///   and ``Checkpoint/save(to:replacingReadOnly:)``; a previous file at
  ///   `path` is left intact on every failure.
  @discardableResult
  public func save(
    to path: String, optimizer: OptimizerState? = nil, metadata: [String: String] = [:],
    replacingReadOnly: Bool = false
  ) throws -> CheckpointSaveResult {
    try Checkpoint(model: self, optimizer: optimizer, metadata: metadata)
      .save(to: path, replacingReadOnly: replacingReadOnly)
  }

  /// Loads a model saved by ``save(to:optimizer:metadata:replacingReadOnly:)``.
  ///
  ///     let net = try Sequential.load(from: "net.json")
  ///
  /// - Throws: The errors of ``Checkpoint/load(from:)`` and
  ///   ``Checkpoint/makeSequential()``.
  public static func load(from path: String) throws -> Sequential {
    try Checkpoint.load(from: path).makeSequential()
  }
}
