// One neuron, a(w · x + b): its parameters, initialisers and call, its
// weighted sum recorded as one dot-product node.

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
  /// The weights as one run of consecutive nodes, when they are (as this
  /// type's initialiser draws them): the fast path of the calls.
  let run: ConsecutiveNodes?

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
    run = ConsecutiveNodes(weights)
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
  ///   - generator: The source of randomness: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Precondition: `inputSize >= 1`.
  public init(
    inputSize: Int, activation: Activation = .linear,
    initialization: WeightInitialization = .micrograd, bias: Double = 0, fanOut: Int = 1,
    using generator: inout some RandomNumberGenerator
  ) {
    require(inputSize >= 1, "Backprop: a neuron needs at least one input, not \(inputSize)")
    weights = (0..<inputSize).map { _ in
      Value(initialization.sample(fanIn: inputSize, fanOut: fanOut, using: &generator))
    }
    self.bias = Value(bias)
    self.activation = activation
    run = ConsecutiveNodes(weights)
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
  public var parameters: [Value] {
    var all: [Value] = []
    all.reserveCapacity(weights.count + 1)
    all.append(contentsOf: weights)
    all.append(bias)
    return all
  }

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
    let n = x.count
    if run != nil, n > 0 {
      let fast = withUnsafeTemporaryAllocation(of: UInt32.self, capacity: n) { indices in
        withUnsafeTemporaryAllocation(of: Double.self, capacity: n) { data -> Value? in
          guard let s = run?.last.storage, let i = indices.baseAddress, let d = data.baseAddress,
            Value.gatherInputs(x, of: s, indices: i, data: d)
          else { return nil }
          return apply(inputs: i, data: d, count: n, on: s)
        }
      }
      if let fast { return fast }
    }
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
    if let s = run?.last.storage, let run, fastPathApplies(on: s, count: x.count) {
      _ = Value.storage(run.last, bias)  // the handles' own check, as every op makes
      return x.withUnsafeBufferPointer { c in
        guard let base = c.baseAddress else { return activation(Value.dot(weights, x) + bias) }
        // The constants are this node's own (appended just before it), so a
        // step boundary at its record moves them with it.
        return activation(Value.dot(run, on: s, constantsAt: s.appendConstants(c), base) + bias)
      }
    }
    require(
      x.count == weights.count,
      "Backprop: a neuron with \(weights.count) inputs was given \(x.count)")
    return activation(Value.dot(weights, x) + bias)
  }

  // MARK: The fast path

  /// Whether the fast path applies on `s` to `count` inputs: the weights are
  /// one live run of `s`, as many as the inputs, and the bias is live on `s`.
  /// Checks that fail send the call to the general path, which stops with
  /// the general path's message.
  @inline(__always)
  func fastPathApplies(on s: UnsafeMutablePointer<TapeStorage>, count: Int) -> Bool {
    guard let run, run.count == count else { return false }
    let last = run.last
    return last.storage == s && s.isLive(last.index, last.stamp) && bias.storage == s
      && s.isLive(bias.index, bias.stamp)
  }

  /// a(w · x + b) for inputs whose indices and data were gathered and
  /// checked on `s`; nil when the fast path does not apply. The nodes are
  /// those of the general path (a dot product, an addition, the
  /// activation), with the same values.
  @inline(__always)
  func apply(
    inputs indices: UnsafePointer<UInt32>, data: UnsafePointer<Double>, count: Int,
    on s: UnsafeMutablePointer<TapeStorage>
  ) -> Value? {
    guard fastPathApplies(on: s, count: count), let run else { return nil }
    _ = Value.storage(run.last, bias)  // the handles' own check, as every op makes
    return activation(Value.dot(run, on: s, inputs: indices, data: data) + bias)
  }
}
