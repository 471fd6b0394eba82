// What a checkpoint of a model other than an MLP stores besides the
// parameters: a Sequential's layers, or a model of one's own's groups.

/// The architecture of a checkpointed model that is not an ``MLP``
/// (format version 3; an MLP's checkpoint keeps version 2).
///
///     let checkpoint = try Checkpoint(model: net)
///     if case .sequential(let shape, let layers)? = checkpoint.architecture {
///       print(shape, layers.count)
///     }
public enum ModelArchitecture: Sendable, Equatable, Codable, CustomStringConvertible {
  /// A ``Sequential``: its input shape and each layer's kind and settings,
  /// from which ``Checkpoint/makeSequential()`` builds it back.
  case sequential(inputShape: Shape, layers: [LayerArchitecture])
  /// A model of your own: its sizes and its parameter groups' names and
  /// sizes. Its code is not in the file, so the checkpoint restores the
  /// parameters into a model you build (``Checkpoint/apply(toModel:)``).
  case parameterGroups(inputSize: Int, outputSize: Int, groups: [ParameterGroupSize])

  /// The number of inputs.
  public var inputSize: Int {
    switch self {
    case .sequential(let shape, _): shape.count
    case .parameterGroups(let inputSize, _, _): inputSize
    }
  }

  /// `Sequential(1×8×8 → conv 1 → 4 3×3 → …)` or `groups(inner 3, outer 2)`.
  public var description: String {
    switch self {
    case .sequential(let shape, let layers):
      "Sequential(\(shape)" + layers.map { " → \($0)" }.joined() + ")"
    case .parameterGroups(let inputs, let outputs, let groups):
      "model(\(inputs) → \(outputs); " + groups.map { "\($0.name) \($0.count)" }.joined(separator: ", ")
        + ")"
    }
  }

  /// The output shape of each layer of a Sequential, or nil for a model of
  /// one's own.
  func shapes() throws(ShapeError) -> [Shape]? {
    guard case .sequential(let shape, let layers) = self else { return nil }
    guard !layers.isEmpty else {
      throw ShapeError(layer: "Sequential", input: shape, reason: "needs at least one layer")
    }
    // Settings that make no layer are found before any layer is asked for
    // its shape (a layer's initialiser would stop on them).
    if let k = layers.indices.first(where: { layers[$0].problem != nil }) {
      throw ShapeError(layer: "layer \(k)", input: shape, reason: layers[k].problem ?? "")
    }
    var current = shape
    var shapes: [Shape] = []
    for layer in layers {
      current = try layer.outputShape(for: current)
      shapes.append(current)
    }
    return shapes
  }

  /// The number of outputs.
  func outputSize() throws(ShapeError) -> Int {
    switch self {
    case .sequential: return try shapes()?.last?.count ?? 0
    case .parameterGroups(_, let outputs, _): return outputs
    }
  }

  /// The number of parameters the architecture has.
  var parameterCount: Int {
    switch self {
    case .sequential(_, let layers): layers.reduce(0) { $0 + $1.parameterCount }
    case .parameterGroups(_, _, let groups): groups.reduce(0) { $0 + $1.count }
    }
  }
}

/// A parameter group's name and size, as a checkpoint of a model of your
/// own records them (``ParameterGroup`` without the values).
public struct ParameterGroupSize: Sendable, Hashable, Codable {
  /// The group's name.
  public let name: String
  /// Its number of parameters.
  public let count: Int

  /// The name and size of `group`.
  public init(_ group: ParameterGroup) {
    name = group.name
    count = group.parameters.count
  }

  /// A name and a size.
  public init(name: String, count: Int) {
    self.name = name
    self.count = count
  }
}
