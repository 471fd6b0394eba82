// How a layer of a `Sequential` is written in a checkpoint: its kind and
// settings (not its parameters), and the layer it builds back.

/// A layer's kind and settings, without its parameters: what a checkpoint
/// of a ``Sequential`` stores for each layer, and builds the layer back from.
///
///     let layer = Layer(inputSize: 4, outputSize: 2, activation: .relu, seed: 0)
///     print(layer.architecture.map(String.init(describing:)) ?? "none")
///     // Prints "dense 4 → 2 relu"
///
/// A layer of your own has none (``SequentialLayer/architecture`` is `nil`
/// by default), so a model holding one is saved by its parameters only (see
/// ``Checkpoint/init(parametersOf:optimizer:metadata:)``).
public enum LayerArchitecture: Sendable, Hashable, Codable, CustomStringConvertible {
  /// A fully connected ``Layer``: its inputs, outputs and activation.
  case dense(inputs: Int, outputs: Int, activation: Activation)
  /// An ``Activation`` applied to each value.
  case activation(Activation)
  /// ``Flatten``.
  case flatten

  /// The JSON key of the activation of `.activation`.
  enum ActivationCodingKeys: String, CodingKey {
    case _0 = "function"
  }

  /// `dense 576 → 120 relu`, `relu`, `flatten`.
  public var description: String {
    switch self {
    case .dense(let inputs, let outputs, let activation): "dense \(inputs) → \(outputs) \(activation)"
    case .activation(let activation): "\(activation)"
    case .flatten: "flatten"
    }
  }

  /// The number of parameters a layer of this architecture has.
  public var parameterCount: Int {
    switch self {
    case .dense(let inputs, let outputs, _): (inputs + 1) * outputs
    case .activation, .flatten: 0
    }
  }

  /// Why a layer of this architecture cannot exist (a size below 1, a
  /// custom activation, a non-finite setting), or nil.
  var problem: String? {
    func check(_ activation: Activation) -> String? {
      switch activation {
      case .custom(let f): "the custom activation '\(f.name)' cannot be stored"
      case .leakyReLU(let x), .elu(let x): x.isFinite ? nil : "\(activation) has a non-finite parameter"
      case .linear, .step, .sigmoid, .tanh, .relu, .softplus, .gelu, .swish: nil
      }
    }
    switch self {
    case .dense(let inputs, let outputs, let activation):
      if inputs < 1 || outputs < 1 { return "a dense layer needs sizes of at least 1" }
      if inputs > 1 << 24 || outputs > 1 << 24 { return "a dense layer of \(inputs) × \(outputs) is too large" }
      return check(activation)
    case .activation(let activation): return check(activation)
    case .flatten: return nil
    }
  }

  /// The output shape for an input of shape `input`, as the layer itself
  /// works it out, without making the layer.
  ///
  /// - Throws: ``ShapeError`` when the layer cannot take that shape.
  public func outputShape(for input: Shape) throws(ShapeError) -> Shape {
    switch self {
    case .dense(let inputs, let outputs, _):
      guard input.count == inputs else {
        throw ShapeError(
          layer: "dense \(inputs) → \(outputs)", input: input,
          reason: "takes \(inputs) inputs, not the \(input.count) of an input of shape \(input)")
      }
      return Shape(vector: outputs)
    case .activation: return input
    case .flatten: return Shape(vector: input.count)
    }
  }

  /// A layer of this architecture, its weights drawn from seed 0 (a
  /// checkpoint then overwrites them).
  ///
  ///     let layer = LayerArchitecture.dense(inputs: 2, outputs: 3, activation: .tanh).makeLayer()
  public func makeLayer() -> any SequentialLayer {
    switch self {
    case .dense(let inputs, let outputs, let activation):
      Layer(inputSize: inputs, outputSize: outputs, activation: activation, seed: 0)
    case .activation(let activation): activation
    case .flatten: Flatten()
    }
  }
}

extension SequentialLayer {
  /// None: a layer of your own is saved by its parameters only.
  public var architecture: LayerArchitecture? { nil }
}

extension Layer {
  /// `.dense(inputs:outputs:activation:)`, or nil when the neurons do not
  /// share one activation.
  public var architecture: LayerArchitecture? {
    let a = activation
    guard neurons.allSatisfy({ $0.activation == a }) else { return nil }
    return .dense(inputs: inputSize, outputs: outputSize, activation: a)
  }
}

extension Activation {
  /// `.activation(self)`.
  public var architecture: LayerArchitecture? { .activation(self) }
}

extension Flatten {
  /// `.flatten`.
  public var architecture: LayerArchitecture? { .flatten }
}
