/// One neuron: a(w · x + b), its weighted sum recorded as one dot-product
/// node.
///
///     var rng = SeededGenerator(seed: 1)
///     let n = Neuron(inputSize: 3, activation: .sigmoid, using: &rng)
///     let y = n([2, 4, 3])
///
/// Parameters: the weights in input order, then the bias.
public struct Neuron: Module {
  /// w₁ … wₙ.
  public let weights: [Value]
  /// b.
  public let bias: Value
  /// a.
  public let activation: Activation

  /// Creates a neuron from existing parameters.
  ///
  ///     let n = Neuron(weights: [Value(0.5), Value(-1.0)], bias: Value(0.1), activation: .tanh)
  ///
  /// - Parameters:
  ///   - weights: The weights, one per input.
  ///   - bias: The bias.
  ///   - activation: The activation; linear by default.
  public init(weights: [Value], bias: Value, activation: Activation = .linear) {
    self.weights = weights
    self.bias = bias
    self.activation = activation
  }

  /// Creates a neuron with weights drawn by `initialization` and a constant
  /// bias, recorded as leaves on the current tape.
  ///
  /// - Parameters:
  ///   - inputSize: The number of inputs.
  ///   - activation: The activation; linear by default.
  ///   - initialization: How weights are drawn; micrograd's uniform(−1, 1)
  ///     by default.
  ///   - bias: The initial bias; 0 by default.
  ///   - fanOut: The width of the layer the neuron belongs to (for Glorot).
  ///   - generator: The source of randomness.
  /// - Precondition: `inputSize >= 1`.
  public init(
    inputSize: Int, activation: Activation = .linear,
    initialization: WeightInitialization = .micrograd, bias: Double = 0, fanOut: Int = 1,
    using generator: inout SeededGenerator
  ) {
    require(inputSize >= 1, "Backprop: a neuron needs at least one input, not \(inputSize)")
    weights = (0..<inputSize).map { _ in
      Value(initialization.sample(fanIn: inputSize, fanOut: fanOut, using: &generator))
    }
    self.bias = Value(bias)
    self.activation = activation
  }

  /// Values from earlier computations; `[Double]` inputs work too.
  ///
  ///     let x: Neuron.Input = [Value(2.0), Value(4.0), Value(3.0)]
  public typealias Input = [Value]
  /// What the module returns.
  ///
  ///     let y: Neuron.Output = n([2, 4, 3])
  public typealias Output = Value

  /// The weights, then the bias.
  public var parameters: [Value] { weights + [bias] }

  /// The number of inputs.
  public var inputSize: Int { weights.count }

  /// a(w · x + b) for inputs that are values (a previous layer's outputs).
  ///
  ///     let x = [Value(2.0), Value(4.0), Value(3.0)]
  ///     let y = n(x)
  ///
  /// - Parameter x: One value per input.
  /// - Returns: a(w · x + b).
  /// - Precondition: `x.count == inputSize`.
  @_disfavoredOverload
  public func callAsFunction(_ x: [Value]) -> Value {
    require(
      x.count == weights.count,
      "Backprop: a neuron with \(weights.count) inputs was given \(x.count)")
    return activation(Value.dot(weights, x) + bias)
  }

  /// a(w · x + b) for inputs that are plain numbers (the data): the dot
  /// product keeps them as constants, recording no leaves.
  ///
  ///     let y = n([2, 4, 3])  // constants, no leaves
  ///
  /// - Parameter x: One number per input.
  /// - Returns: a(w · x + b).
  /// - Precondition: `x.count == inputSize`.
  public func callAsFunction(_ x: [Double]) -> Value {
    require(
      x.count == weights.count,
      "Backprop: a neuron with \(weights.count) inputs was given \(x.count)")
    return activation(Value.dot(weights, x) + bias)
  }
}
