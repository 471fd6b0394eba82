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
  /// A ``Conv2D``: its channels, kernel size, stride and padding.
  case conv2D(inputChannels: Int, outputChannels: Int, kernelSize: Int, stride: Int, padding: Int)
  /// A ``MaxPool2D``: its window size and stride.
  case maxPool2D(size: Int, stride: Int)
  /// An ``AveragePool2D``: its window size and stride.
  case averagePool2D(size: Int, stride: Int)

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
    case .conv2D(let i, let o, let k, let s, let p): Conv2D.describe(i, o, k, s, p)
    case .maxPool2D(let size, let stride): MaxPool2D(size, stride: stride).description
    case .averagePool2D(let size, let stride): AveragePool2D(size, stride: stride).description
    }
  }

  /// The number of parameters a layer of this architecture has.
  public var parameterCount: Int {
    switch self {
    case .dense(let inputs, let outputs, _): (inputs + 1) * outputs
    case .conv2D(let i, let o, let k, _, _): (i * k * k + 1) * o
    case .activation, .flatten, .maxPool2D, .averagePool2D: 0
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
    case .conv2D(let i, let o, let k, let s, let p):
      if i < 1 || o < 1 || k < 1 || s < 1 { return "a convolution needs sizes of at least 1" }
      if p < 0 || p >= k { return "a convolution's padding must be in 0..<\(k), not \(p)" }
      if i > 1 << 16 || o > 1 << 16 || k > 1 << 8 { return "a convolution of these sizes is too large" }
      return nil
    case .maxPool2D(let size, let stride), .averagePool2D(let size, let stride):
      return size >= 1 && stride >= 1 ? nil : "a pooling window and stride must be at least 1"
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
    case .conv2D(let i, let o, let k, let s, let p):
      return try Conv2D.outputShape(
        for: input, i, o, k, s, p, layer: Conv2D.describe(i, o, k, s, p))
    case .maxPool2D(let size, let stride):
      return try MaxPool2D(size, stride: stride).outputShape(for: input)
    case .averagePool2D(let size, let stride):
      return try AveragePool2D(size, stride: stride).outputShape(for: input)
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
    case .conv2D(let i, let o, let k, let s, let p):
      Conv2D(inputChannels: i, outputChannels: o, kernelSize: k, stride: s, padding: p, seed: 0)
    case .maxPool2D(let size, let stride): MaxPool2D(size, stride: stride)
    case .averagePool2D(let size, let stride): AveragePool2D(size, stride: stride)
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

extension Conv2D {
  /// `.conv2D(…)` with this layer's settings.
  public var architecture: LayerArchitecture? {
    .conv2D(
      inputChannels: inputChannels, outputChannels: outputChannels, kernelSize: kernelSize,
      stride: stride, padding: padding)
  }
}

extension MaxPool2D {
  /// `.maxPool2D(size:stride:)`.
  public var architecture: LayerArchitecture? { .maxPool2D(size: size, stride: stride) }
}

extension AveragePool2D {
  /// `.averagePool2D(size:stride:)`.
  public var architecture: LayerArchitecture? { .averagePool2D(size: size, stride: stride) }
}
