// Layers applied in turn to an image: the protocol a layer of a `Sequential`
// follows, the shape check, and `Sequential` itself, a `Model`.

/// Why a layer cannot take an input of some shape.
///
///     do {
///       _ = try Conv2D(inputChannels: 3, outputChannels: 6, kernelSize: 3, seed: 0)
///         .outputShape(for: Shape(channels: 1, height: 8, width: 8))
///     } catch {
///       print(error)
///     }
///     // Prints "conv 3 → 6 3×3 takes 3 channels, not the 1 of an input of shape 1×8×8"
public struct ShapeError: Error, Equatable, CustomStringConvertible {
  /// The layer, as its parameter group or description names it.
  public let layer: String
  /// The input shape it was given.
  public let input: Shape
  /// What is wrong.
  public let reason: String

  /// An error for `layer` given `input`.
  public init(layer: String, input: Shape, reason: String) {
    self.layer = layer
    self.input = input
    self.reason = reason
  }

  public var description: String { "\(layer) \(reason)" }
}

/// A layer a ``Sequential`` can hold: a function from an image to an
/// image, with the shape it gives, its parameters and a copy.
///
/// `Conv2D`, `MaxPool2D`, `AveragePool2D`, ``Flatten``, a dense
/// ``Layer`` and every ``Activation`` conform.
public protocol SequentialLayer {
  /// The shape of the output for an input of shape `input`.
  ///
  /// - Throws: ``ShapeError`` when the layer cannot take that shape.
  func outputShape(for input: Shape) throws(ShapeError) -> Shape
  /// Applies the layer, recording its computation on the tape.
  func callAsFunction(_ x: Image) -> Image
  /// The layer's parameters with their roles; none for a pooling layer, an
  /// activation or a reshape.
  var parameterGroups: [ParameterGroup] { get }
  /// The same layer with its parameters as new leaves on the current tape.
  func copy() -> Self
  /// The layer's kind and settings, for a checkpoint; `nil` (the default)
  /// for a layer of your own, which a checkpoint then stores by its
  /// parameters only.
  var architecture: LayerArchitecture? { get }
}

extension Layer: SequentialLayer {
  /// A vector of ``outputSize`` values, for an input of ``inputSize``
  /// values of any shape (a dense layer flattens what it is given).
  public func outputShape(for input: Shape) throws(ShapeError) -> Shape {
    guard input.count == inputSize else {
      throw ShapeError(
        layer: "dense \(inputSize) → \(outputSize)", input: input,
        reason: "takes \(inputSize) inputs, not the \(input.count) of an input of shape \(input)")
    }
    return Shape(vector: outputSize)
  }

  /// The layer on the image's values, as a vector.
  public func callAsFunction(_ x: Image) -> Image {
    Image(shape: Shape(vector: outputSize), values: self(x.values))
  }
}

extension Activation: SequentialLayer {
  /// The input's shape: an activation applies to each value.
  public func outputShape(for input: Shape) throws(ShapeError) -> Shape { input }

  /// The activation of each value, one node each (none for `.linear`).
  public func callAsFunction(_ x: Image) -> Image {
    Image(shape: x.shape, values: x.values.map { self($0) })
  }

  /// None.
  public var parameterGroups: [ParameterGroup] { [] }

  /// The activation itself: it has no parameters.
  public func copy() -> Activation { self }
}

/// Flattens an image to a vector, channel by channel, row by row: only the
/// shape changes, no node is recorded.
///
///     let flat = Flatten()
///     print(try flat.outputShape(for: Shape(channels: 16, height: 6, width: 6)))
///     // Prints "576×1×1"
public struct Flatten: SequentialLayer, Sendable, CustomStringConvertible {
  /// A flattening layer.
  public init() {}

  /// `flatten`.
  public var description: String { "flatten" }

  /// A vector of `input.count` values.
  public func outputShape(for input: Shape) throws(ShapeError) -> Shape {
    Shape(vector: input.count)
  }

  /// The same values as a vector.
  public func callAsFunction(_ x: Image) -> Image {
    Image(shape: Shape(vector: x.shape.count), values: x.values)
  }

  /// None.
  public var parameterGroups: [ParameterGroup] { [] }

  /// Itself.
  public func copy() -> Flatten { self }
}

/// Layers applied in turn to an input of a fixed shape: a ``Model`` that
/// trains with ``train(_:on:loss:optimizer:options:progress:)``, shards
/// over threads and takes its inputs as the flat rows of a ``Dataset``.
///
///     var rng = SeededGenerator(seed: 0)
///     let net = Sequential(inputShape: Shape(channels: 1, height: 8, width: 8), [
///       Conv2D(inputChannels: 1, outputChannels: 4, kernelSize: 3, using: &rng), Activation.relu,
///       MaxPool2D(2), Flatten(),
///       Layer(inputSize: 36, outputSize: 10, initialization: .he, using: &rng),
///     ])
///     print(net)
///     // Prints "Sequential(1×8×8 → conv 1 → 4 3×3 → 4×6×6 → relu → 4×6×6 → max-pool 2×2 → 4×3×3 → flatten → 36×1×1 → dense 36 → 10 → 10×1×1)"
///
/// Each layer's output shape is worked out when the model is made, so a
/// layer that does not fit stops there, with the layer and the shapes.
///
/// Unlike PyTorch's `nn.Sequential`, this one takes the input's shape. A
/// convolution does not know the image size, so without it a misfit (the
/// seed's `16 * 6 * 6` computed for another image size) would only show at
/// the first call, deep inside training; and ``train(_:on:loss:optimizer:options:progress:)``,
/// the checkpoints and the CLI need the input size to check a data set's
/// width before the first step. The layers themselves are written as in
/// PyTorch, one after the other:
///
///     let net = Sequential(inputShape: Shape(channels: 1, height: 32, width: 32),
///       Conv2D(inputChannels: 1, outputChannels: 6, kernelSize: 3), Activation.relu, MaxPool2D(2),
///       Conv2D(inputChannels: 6, outputChannels: 16, kernelSize: 3), Activation.relu, MaxPool2D(2),
///       Flatten(), Layer(inputSize: 16 * 6 * 6, outputSize: 120, activation: .relu),
///       Layer(inputSize: 120, outputSize: 84, activation: .relu), Layer(inputSize: 84, outputSize: 10))
public struct Sequential: Model, CustomStringConvertible {
  /// The shape of an input.
  public let inputShape: Shape
  /// The layers, input side first.
  public let layers: [any SequentialLayer]
  /// The output shape of each layer.
  public let shapes: [Shape]
  /// Every parameter, layer after layer.
  public let parameters: [Value]

  /// Layers applied in turn to inputs of shape `inputShape`.
  ///
  /// - Precondition: Each layer takes the shape the one before gives (see
  ///   ``outputShapes(inputShape:layers:)`` to check without stopping).
  public init(inputShape: Shape, _ layers: [any SequentialLayer]) {
    let shapes: [Shape]
    do {
      shapes = try Self.outputShapes(inputShape: inputShape, layers: layers)
    } catch {
      stop("Backprop: a Sequential's layers do not fit together: \(error)")
    }
    self.inputShape = inputShape
    self.layers = layers
    self.shapes = shapes
    parameters = layers.flatMap { $0.parameterGroups.flatMap(\.parameters) }
  }

  /// Layers applied in turn, listed one after the other.
  ///
  ///     let net = Sequential(inputShape: Shape(vector: 2),
  ///                          Layer(inputSize: 2, outputSize: 4, activation: .relu), Layer(inputSize: 4, outputSize: 1))
  ///
  /// - Precondition: Each layer takes the shape the one before gives.
  public init(inputShape: Shape, _ layers: any SequentialLayer...) {
    self.init(inputShape: inputShape, layers)
  }

  /// The output shape of each layer for inputs of shape `inputShape`.
  ///
  ///     let shapes = try Sequential.outputShapes(
  ///       inputShape: Shape(channels: 1, height: 32, width: 32), layers: [MaxPool2D(2)])
  ///     // [1×16×16]
  ///
  /// - Throws: ``ShapeError`` for the first layer that does not fit, or
  ///   when there are no layers.
  public static func outputShapes(
    inputShape: Shape, layers: [any SequentialLayer]
  ) throws(ShapeError) -> [Shape] {
    guard !layers.isEmpty else {
      throw ShapeError(layer: "Sequential", input: inputShape, reason: "needs at least one layer")
    }
    var shape = inputShape
    var shapes: [Shape] = []
    for layer in layers {
      shape = try layer.outputShape(for: shape)
      shapes.append(shape)
    }
    return shapes
  }

  /// The number of inputs: `inputShape.count`.
  public var inputSize: Int { inputShape.count }
  /// The number of outputs: the last layer's output count.
  public var outputSize: Int { shapes[shapes.count - 1].count }

  /// Each layer's groups, input side first.
  public var parameterGroups: [ParameterGroup] { layers.flatMap(\.parameterGroups) }

  /// The same layers with their parameters as new leaves on the current
  /// tape.
  public func copy() -> Sequential {
    Sequential(inputShape: inputShape, layers.map { $0.copy() })
  }

  /// The outputs for an input given as its flat values, in CHW order.
  ///
  /// - Precondition: `x.count == inputSize`.
  public func callAsFunction(_ x: [Value]) -> [Value] {
    self(Image(shape: inputShape, values: x)).values
  }

  /// The output image for an input image.
  ///
  /// - Precondition: `x.shape == inputShape`.
  public func callAsFunction(_ x: Image) -> Image {
    require(
      x.shape == inputShape,
      "Backprop: the model takes images of shape \(inputShape), not \(x.shape)")
    var h = x
    for layer in layers { h = layer(h) }
    return h
  }

  /// `Sequential(1×8×8 → conv 1 → 4 3×3 → 4×6×6 → …)`: each layer and the
  /// shape it gives.
  public var description: String {
    "Sequential(\(inputShape)"
      + zip(layers, shapes).map { " → \(Self.name(of: $0)) → \($1)" }.joined() + ")"
  }

  /// A layer's name: its parameter group's, or its description.
  static func name(of layer: any SequentialLayer) -> String {
    if let group = layer.parameterGroups.first { return group.name }
    if let named = layer as? any CustomStringConvertible { return named.description }
    return "\(type(of: layer))"
  }
}
