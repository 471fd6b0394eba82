// The multi-layer perceptron: layers applied in turn, its initialisers, its
// calls (by the fast path when it can) and its predictions on numbers.

/// A multi-layer perceptron: layers applied in turn, the output layer linear
/// unless you say otherwise.
///
///     let model = MLP(inputSize: 3, layerSizes: [2, 3, 1], activation: .sigmoid)
///     print(model)
///     // Prints "MLP(3 → 2 sigmoid → 3 sigmoid → 1 linear)"
///     let outputs = model([2, 4, 3])
///
/// The weights are drawn from a ``SeededGenerator`` (seed 0 unless you pass
/// one), so the same call gives the same model on every platform.
/// ``parameters`` lists them layer by layer, neuron by neuron, each neuron's
/// weights in input order and then its bias: micrograd's order.
public struct MLP: Model, CustomStringConvertible {
  /// The layers, input side first.
  public let layers: [Layer]
  /// Every parameter in micrograd's order: layer by layer, neuron by neuron,
  /// each neuron's weights in input order and then its bias. Made once: a
  /// model's parameters never change, and loops ask for them at every step.
  public let parameters: [Value]
  /// Each layer's block of parameters, when it is one: the fast path.
  let plans: [LayerPlan?]
  /// The arrays of outputs the fast path hands out and reuses.
  let pool = OutputPool()

  /// Creates a network from existing layers.
  ///
  ///     var rng = SeededGenerator(seed: 0)
  ///     let model = MLP(layers: [Layer(inputSize: 2, outputSize: 8, activation: .relu, using: &rng),
  ///                              Layer(inputSize: 8, outputSize: 1, using: &rng)])
  ///
  /// - Parameter layers: The layers, input side first.
  /// - Precondition: At least one layer, each taking as many inputs as the
  ///   previous one has neurons.
  public init(layers: [Layer]) {
    require(!layers.isEmpty, "Backprop: an MLP needs at least one layer")
    for (a, b) in zip(layers, layers.dropFirst()) {
      require(
        a.outputSize == b.inputSize,
        "Backprop: a layer of \(a.outputSize) neurons feeds one expecting \(b.inputSize) inputs")
    }
    self.layers = layers
    parameters = layers.flatMap(\.parameters)
    plans = layers.map(\.plan)
  }

  /// Creates a network with one activation for every hidden layer.
  ///
  ///     let model = MLP(inputSize: 2, layerSizes: [16, 16, 1], activation: .relu, seed: 7)
  ///
  /// - Parameters:
  ///   - inputSize: The number of inputs.
  ///   - layerSizes: The width of each layer; the last is the output size.
  ///   - activation: The hidden layers' activation.
  ///   - outputActivation: The output layer's activation; linear by default.
  ///   - initialization: How weights are drawn; uniform(−1, 1) by default.
  ///   - bias: Every initial bias; 0 by default.
  ///   - seed: The seed of the weights; 0 by default.
  public init(
    inputSize: Int, layerSizes: [Int], activation: Activation,
    outputActivation: Activation = .linear,
    initialization: WeightInitialization = .micrograd, bias: Double = 0, seed: UInt64 = 0
  ) {
    var generator = SeededGenerator(seed: seed)
    self.init(
      inputSize: inputSize, layerSizes: layerSizes, activation: activation,
      outputActivation: outputActivation, initialization: initialization, bias: bias,
      using: &generator)
  }

  /// Creates a network with one activation for every hidden layer, drawing
  /// weights from `generator`.
  ///
  ///     var rng = SeededGenerator(seed: 7)
  ///     let model = MLP(inputSize: 2, layerSizes: [16, 1], activation: .tanh,
  ///                     outputActivation: .sigmoid, using: &rng)
  ///
  /// - Parameters:
  ///   - inputSize: The number of inputs.
  ///   - layerSizes: The width of each layer; the last is the output size.
  ///   - activation: The hidden layers' activation.
  ///   - outputActivation: The output layer's activation; linear by default.
  ///   - initialization: How weights are drawn; uniform(−1, 1) by default.
  ///   - bias: Every initial bias; 0 by default.
  ///   - generator: The source of randomness: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  public init(
    inputSize: Int, layerSizes: [Int], activation: Activation,
    outputActivation: Activation = .linear,
    initialization: WeightInitialization = .micrograd, bias: Double = 0,
    using generator: inout some RandomNumberGenerator
  ) {
    require(!layerSizes.isEmpty, "Backprop: an MLP needs at least one layer size")
    let activations =
      Array(repeating: activation, count: layerSizes.count - 1) + [outputActivation]
    self.init(
      inputSize: inputSize, layerSizes: layerSizes, activations: activations,
      initialization: initialization, bias: bias, using: &generator)
  }

  /// Creates a network with an activation per layer.
  ///
  ///     var rng = SeededGenerator(seed: 3)
  ///     let model = MLP(inputSize: 2, layerSizes: [8, 8, 1],
  ///                     activations: [.tanh, .relu, .sigmoid], using: &rng)
  ///
  /// - Parameters:
  ///   - inputSize: The number of inputs.
  ///   - layerSizes: The width of each layer.
  ///   - activations: One activation per layer, output layer last.
  ///   - initialization: How weights are drawn; uniform(−1, 1) by default.
  ///   - bias: Every initial bias; 0 by default.
  ///   - generator: The source of randomness: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Precondition: `activations.count == layerSizes.count`, sizes ≥ 1.
  public init(
    inputSize: Int, layerSizes: [Int], activations: [Activation],
    initialization: WeightInitialization = .micrograd, bias: Double = 0,
    using generator: inout some RandomNumberGenerator
  ) {
    require(
      activations.count == layerSizes.count,
      "Backprop: \(layerSizes.count) layer sizes but \(activations.count) activations")
    let inputs = [inputSize] + layerSizes.dropLast()
    var layers: [Layer] = []
    for (k, size) in layerSizes.enumerated() {
      layers.append(
        Layer(
          inputSize: inputs[k], outputSize: size, activation: activations[k],
          initialization: initialization, bias: bias, using: &generator))
    }
    self.init(layers: layers)
  }

  /// Values from earlier computations; `[Double]` inputs work too.
  ///
  ///     let x: MLP.Input = [Value(0.5), Value(-1.0)]
  public typealias Input = [Value]
  /// What the module returns.
  ///
  ///     let y: MLP.Output = model([0.5, -1.0])
  public typealias Output = [Value]

  /// The number of inputs.
  public var inputSize: Int { layers[0].inputSize }
  /// The number of outputs.
  public var outputSize: Int { layers[layers.count - 1].outputSize }
  /// The width of each layer.
  public var layerSizes: [Int] { layers.map(\.outputSize) }
  /// The activation of each layer.
  public var activations: [Activation] { layers.map(\.activation) }

  /// The network's outputs for inputs that are values. (An array literal,
  /// `model([2, 4, 3])`, is taken as `[Double]`: constants, no leaves.)
  ///
  ///     let x = [Value(0.5, label: "x₁"), Value(-1.0, label: "x₂")]
  ///     let y = model(x)
  ///
  /// - Parameter x: One value per input.
  /// - Returns: One value per output.
  @_disfavoredOverload
  public func callAsFunction(_ x: [Value]) -> [Value] {
    if let y = fastForward(x) { return y }
    var h = layers[0](x)
    for layer in layers.dropFirst() { h = layer(h) }
    return h
  }

  /// The network's outputs for inputs that are plain numbers.
  ///
  ///     let y = model([0.5, -1.0])  // constants, no leaves
  ///
  /// - Parameter x: One number per input.
  /// - Returns: One value per output.
  public func callAsFunction(_ x: [Double]) -> [Value] {
    if let y = fastForward(x) { return y }
    var h = layers[0](x)
    for layer in layers.dropFirst() { h = layer(h) }
    return h
  }

  /// The outputs as plain numbers, computed without recording anything (no
  /// tape is touched): for prediction and plotting.
  ///
  ///     let score = model.predict([0.5, -1.0])[0]
  ///
  /// - Precondition: `x.count == inputSize`.
  public func predict(_ x: [Double]) -> [Double] {
    require(
      x.count == inputSize, "Backprop: the model takes \(inputSize) inputs, not \(x.count)")
    var h = x
    for layer in layers {
      h = layer.neurons.map { n in
        var z = 0.0
        for (w, xi) in zip(n.weights, h) { z += w.data * xi }
        return n.activation(z + n.bias.data)
      }
    }
    return h
  }

  /// One group per layer, input side first (``Layer/parameterGroups``).
  public var parameterGroups: [ParameterGroup] { layers.flatMap(\.parameterGroups) }

  /// The same network with its parameters as new leaves on the current
  /// tape, layer after layer, with the same values.
  ///
  ///     let replica = Tape().withCurrent { model.copy() }
  public func copy() -> MLP { MLP(layers: layers.map { $0.copy() }) }

  /// The architecture: `MLP(2 → 16 relu → 16 relu → 1 linear)`.
  public var description: String {
    "MLP(\(inputSize)" + layers.map { " → \($0.outputSize) \($0.activation)" }.joined() + ")"
  }
}
