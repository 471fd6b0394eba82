// A fully connected layer: its neurons over the same inputs with one
// activation, its initialisers, and its calls (by the fast path when it can).

/// A fully connected layer: `outputSize` neurons over the same inputs, with
/// one activation.
///
///     var rng = SeededGenerator(seed: 1)
///     let layer = Layer(inputSize: 2, outputSize: 16, activation: .relu, using: &rng)
///     let h = layer([0.5, -1.0])  // 16 values
///
/// In the notes' notation, neuron i holds row i of Wˡ and entry i of Bˡ.
/// A layer always returns an array, also when it has one neuron (micrograd
/// returns a bare value then, which breaks hidden layers of width 1).
public struct Layer: Model {
  /// The neurons, in output order.
  public let neurons: [Neuron]
  /// The parameters as one block, when they are (as this type's
  /// initialisers make them): the fast path of the calls.
  let plan: LayerPlan?

  /// Creates a layer from existing neurons.
  ///
  ///     var rng = SeededGenerator(seed: 1)
  ///     let neurons = (0..<4).map { _ in Neuron(inputSize: 2, activation: .tanh, using: &rng) }
  ///     let layer = Layer(neurons: neurons)
  ///
  /// - Parameter neurons: At least one neuron, all with the same input size
  ///   and activation.
  public init(neurons: [Neuron]) {
    require(!neurons.isEmpty, "Backprop: a layer needs at least one neuron")
    require(
      neurons.allSatisfy { $0.inputSize == neurons[0].inputSize },
      "Backprop: the neurons of a layer must have the same number of inputs")
    self.neurons = neurons
    plan = LayerPlan(neurons)
  }

  /// Creates a layer with weights drawn by `initialization`.
  ///
  ///     var rng = SeededGenerator(seed: 1)
  ///     let layer = Layer(inputSize: 3, outputSize: 4, activation: .tanh, using: &rng)
  ///
  /// - Parameters:
  ///   - inputSize: The number of inputs.
  ///   - outputSize: The number of neurons.
  ///   - activation: The activation; linear by default.
  ///   - initialization: How weights are drawn; uniform(−1, 1) by default.
  ///   - bias: Every neuron's initial bias; 0 by default.
  ///   - generator: The source of randomness: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Precondition: Both sizes are at least 1.
  public init(
    inputSize: Int, outputSize: Int, activation: Activation = .linear,
    initialization: WeightInitialization = .micrograd, bias: Double = 0,
    using generator: inout some RandomNumberGenerator
  ) {
    require(outputSize >= 1, "Backprop: a layer needs at least one neuron, not \(outputSize)")
    var neurons: [Neuron] = []
    neurons.reserveCapacity(outputSize)
    for _ in 0..<outputSize {
      neurons.append(
        Neuron(
          inputSize: inputSize, activation: activation, initialization: initialization,
          bias: bias, fanOut: outputSize, using: &generator))
    }
    self.init(neurons: neurons)
  }

  /// Values from earlier computations; `[Double]` inputs work too.
  ///
  ///     let x: Layer.Input = [Value(0.5), Value(-1.0)]
  /// Creates a layer with weights drawn from a ``SeededGenerator`` seeded
  /// with `seed`.
  ///
  ///     let layer = Layer(inputSize: 576, outputSize: 120, activation: .relu,
  ///                       initialization: .he, seed: 3)
  ///
  /// - Parameters:
  ///   - inputSize: The number of inputs.
  ///   - outputSize: The number of neurons.
  ///   - activation: The activation; linear by default.
  ///   - initialization: How weights are drawn; uniform(−1, 1) by default.
  ///   - bias: Every neuron's initial bias; 0 by default.
  ///   - seed: The seed of the weights; 0 by default.
  public init(
    inputSize: Int, outputSize: Int, activation: Activation = .linear,
    initialization: WeightInitialization = .micrograd, bias: Double = 0, seed: UInt64 = 0
  ) {
    var generator = SeededGenerator(seed: seed)
    self.init(
      inputSize: inputSize, outputSize: outputSize, activation: activation,
      initialization: initialization, bias: bias, using: &generator)
  }

  public typealias Input = [Value]
  /// What the module returns.
  ///
  ///     let h: Layer.Output = layer([0.5, -1.0])
  public typealias Output = [Value]

  /// Every neuron's parameters, neuron by neuron.
  public var parameters: [Value] {
    var all: [Value] = []
    all.reserveCapacity(neurons.reduce(0) { $0 + $1.weights.count + 1 })
    for n in neurons {
      all.append(contentsOf: n.weights)
      all.append(n.bias)
    }
    return all
  }

  /// The number of inputs.
  public var inputSize: Int { neurons[0].inputSize }
  /// The number of neurons.
  public var outputSize: Int { neurons.count }
  /// The neurons' activation.
  public var activation: Activation { neurons[0].activation }

  /// The layer's outputs for inputs that are values.
  ///
  ///     let x = [Value(0.5, label: "x₁"), Value(-1.0, label: "x₂")]
  ///     let h = layer(x)  // one value per neuron
  ///
  /// - Parameter x: One value per input.
  /// - Returns: One value per neuron.
  /// One group, `dense n → m`: each neuron's weights (role
  /// ``ParameterRole/weight``) then its bias (``ParameterRole/bias``).
  public var parameterGroups: [ParameterGroup] {
    let roles = Array(repeating: ParameterRole.weight, count: inputSize) + [.bias]
    return [
      ParameterGroup(
        name: "dense \(inputSize) → \(outputSize)", parameters: parameters,
        roles: Array((0..<outputSize).map { _ in roles }.joined()))
    ]
  }

  /// The same layer with its parameters as new leaves on the current tape,
  /// recorded neuron by neuron as the initialisers do (so the copy keeps the
  /// fast path).
  ///
  ///     let replica = Tape().withCurrent { layer.copy() }
  public func copy() -> Layer {
    Layer(
      neurons: neurons.map { n in
        Neuron(
          weights: n.weights.map { Value($0.data) }, bias: Value(n.bias.data),
          activation: n.activation)
      })
  }

  @_disfavoredOverload
  public func callAsFunction(_ x: [Value]) -> [Value] {
    let n = x.count
    if let plan, n == plan.inputs, plan.isLive {
      let s = plan.storage
      let outputs = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { indices in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { data -> [Value]? in
          guard let i = indices.baseAddress, let d = data.baseAddress,
            Value.gatherInputs(x, of: s, indices: i, data: d)
          else { return nil }
          return record(plan) { plan.record(inputs: i, data: d, into: $0) }
        }
      }
      if let outputs { return outputs }
    }
    return neurons.map { $0(x) }
  }

  /// The layer's outputs for inputs that are plain numbers.
  ///
  ///     let h = layer([0.5, -1.0])  // constants, no leaves
  ///
  /// The inputs are appended to the tape's constant table once, and every
  /// neuron's dot product reads them there.
  ///
  /// - Parameter x: One number per input.
  /// - Returns: One value per neuron.
  public func callAsFunction(_ x: [Double]) -> [Value] {
    if let plan, x.count == plan.inputs, plan.isLive {
      return x.withUnsafeBufferPointer { buffer in
        record(plan) { plan.record(constants: buffer, into: $0) }
      }
    }
    return neurons.map { $0(x) }
  }

  /// The outputs `body` records with `plan`, as an array.
  private func record(_ plan: LayerPlan, _ body: (LayerPlan.Outputs) -> Void) -> [Value] {
    let m = plan.outputs
    return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: m) { indices in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: m) { data in
        [Value](unsafeUninitializedCapacity: m) { values, count in
          if let v = values.baseAddress, let i = indices.baseAddress, let d = data.baseAddress {
            body(LayerPlan.Outputs(values: v, indices: i, data: d))
            count = m
          }
        }
      }
    }
  }
}
