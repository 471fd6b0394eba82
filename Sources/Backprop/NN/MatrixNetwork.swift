// Back-propagation written by hand on plain matrices, as seed 000 §5.1 writes
// it: the independent oracle and the baseline of the engine's MLP gradients.

/// Back-propagation written by hand, as seed 000 §5.1 writes it (BP1, BP2),
/// on plain `Double` matrices: no engine, no tape.
///
/// It exists as an independent oracle and as a baseline: the tests check
/// that the engine's gradients of an ``MLP`` equal this type's to 1e-12, and
/// `backprop bench mlp` times both on the same workload.
///
///     let model = MLP(inputSize: 3, layerSizes: [2, 3, 1], activation: .sigmoid)
///     let net = MatrixNetwork(model)
///     let cache = net.forward([2, 4, 3])
///     let gradient = net.backward(cache, outputGradient: [1])  // D ŷ, model.parameters order
///
/// In the notes' notation, with A⁰ = x and a the activation of each layer:
///
///     forward:  Zˡ⁺¹ = Wˡ Aˡ + Bˡ,  Aˡ⁺¹ = a(Zˡ⁺¹)
///     BP1:      D_{Z^L} = the gradient of the loss with respect to the output (⊙ a'(Z^L))
///     BP2:      D_{Wˡ} = D_{Zˡ⁺¹}ᵀ Aˡᵀ,  D_{Bˡ} = D_{Zˡ⁺¹},
///               D_{Zˡ} = (D_{Zˡ⁺¹} Wˡ) ⊙ a'(Zˡ)
public struct MatrixNetwork: Sendable {
  /// Layer widths, input first: `[inputSize] + layerSizes`.
  public let sizes: [Int]
  /// The activation of each layer.
  public let activations: [Activation]
  /// Wˡ for each layer, row-major (`sizes[l+1]` rows of `sizes[l]`).
  public var weights: [[Double]]
  /// Bˡ for each layer.
  public var biases: [[Double]]

  /// Copies the architecture and current parameters of `model`.
  ///
  ///     let model = MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh)
  ///     let net = MatrixNetwork(model)
  ///
  /// - Parameter model: The network to copy.
  public init(_ model: MLP) {
    sizes = [model.inputSize] + model.layerSizes
    activations = model.activations
    weights = model.layers.map { $0.neurons.flatMap { $0.weights.map(\.data) } }
    biases = model.layers.map { $0.neurons.map(\.bias.data) }
  }

  /// Creates a network from parameters in ``MLP/parameters`` order (layer by
  /// layer, neuron by neuron, weights then bias).
  ///
  ///     let net = MatrixNetwork(sizes: [2, 1], activations: [.linear],
  ///                             parameters: [0.5, -1.0, 0.25])  // w₁, w₂, b
  ///
  /// - Parameters:
  ///   - sizes: The layer widths, input first.
  ///   - activations: One activation per layer.
  ///   - parameters: Every weight and bias, in ``MLP/parameters`` order.
  /// - Precondition: `parameters.count` matches the sizes.
  public init(sizes: [Int], activations: [Activation], parameters: [Double]) {
    require(activations.count == sizes.count - 1, "Backprop: one activation per layer")
    self.sizes = sizes
    self.activations = activations
    var weights: [[Double]] = []
    var biases: [[Double]] = []
    var k = 0
    for l in 0..<(sizes.count - 1) {
      var w: [Double] = []
      var b: [Double] = []
      for _ in 0..<sizes[l + 1] {
        w.append(contentsOf: parameters[k..<(k + sizes[l])])
        k += sizes[l]
        b.append(parameters[k])
        k += 1
      }
      weights.append(w)
      biases.append(b)
    }
    require(k == parameters.count, "Backprop: \(parameters.count) parameters for \(k)")
    self.weights = weights
    self.biases = biases
  }

  /// The number of parameters.
  public var parameterCount: Int {
    (0..<(sizes.count - 1)).reduce(0) { $0 + sizes[$1 + 1] * (sizes[$1] + 1) }
  }

  /// The forward pass's Zˡ and Aˡ, kept for the backward pass.
  ///
  ///     let cache = net.forward([2, 4, 3])
  ///     let z1 = cache.z[0]  // Z¹: the first layer's pre-activations
  public struct Cache: Sendable {
    /// A⁰ = x, A¹, …, A^L (A^L is the output).
    public var a: [[Double]]
    /// Z¹, …, Z^L.
    public var z: [[Double]]
  }

  /// Forward-propagation: every Zˡ and Aˡ.
  ///
  ///     let output = net.forward([2, 4, 3]).a.last!
  ///
  /// - Parameter x: The input, `sizes[0]` numbers.
  /// - Returns: The cache; `cache.a.last` is the output.
  public func forward(_ x: [Double]) -> Cache {
    var cache = Cache(a: [x], z: [])
    for l in 0..<(sizes.count - 1) {
      let n = sizes[l]
      let input = cache.a[l]
      var z = [Double](repeating: 0, count: sizes[l + 1])
      var a = z
      weights[l].withUnsafeBufferPointer { w in
        for i in 0..<z.count {
          var sum = 0.0
          for j in 0..<n { sum += w[i * n + j] * input[j] }
          z[i] = sum + biases[l][i]
          a[i] = activations[l](z[i])
        }
      }
      cache.z.append(z)
      cache.a.append(a)
    }
    return cache
  }

  /// Back-propagation (BP1, BP2): the gradient of a loss with respect to
  /// every parameter, given the loss's gradient with respect to the output
  /// A^L.
  ///
  ///     let cache = net.forward([2, 4, 3])
  ///     let gradient = net.backward(cache, outputGradient: [1])
  ///
  /// - Parameters:
  ///   - cache: The forward pass of the same input.
  ///   - outputGradient: ∂loss/∂A^L.
  /// - Returns: The gradient, in ``MLP/parameters`` order.
  public func backward(_ cache: Cache, outputGradient: [Double]) -> [Double] {
    var gradient = [Double](repeating: 0, count: parameterCount)
    accumulateGradient(cache, outputGradient: outputGradient, into: &gradient)
    return gradient
  }

  /// ``backward(_:outputGradient:)`` added into `gradient` (for sums over a
  /// batch).
  ///
  ///     var gradient = [Double](repeating: 0, count: net.parameterCount)
  ///     net.accumulateGradient(net.forward([2, 4, 3]), outputGradient: [1], into: &gradient)
  ///     net.accumulateGradient(net.forward([1, 0, -1]), outputGradient: [1], into: &gradient)
  ///
  /// - Parameters:
  ///   - cache: The forward pass of the same input.
  ///   - outputGradient: ∂loss/∂A^L.
  ///   - gradient: The sum so far, in ``MLP/parameters`` order.
  public func accumulateGradient(
    _ cache: Cache, outputGradient: [Double], into gradient: inout [Double]
  ) {
    let layerCount = sizes.count - 1
    // Offsets of each layer's parameters in the flat gradient.
    var offsets = [Int](repeating: 0, count: layerCount)
    for l in 1..<layerCount {
      offsets[l] = offsets[l - 1] + sizes[l] * (sizes[l - 1] + 1)
    }
    // BP1: D_{Z^L} = ∂loss/∂A^L ⊙ a'(Z^L).
    var dz = zip(outputGradient, cache.z[layerCount - 1]).map {
      $0 * activations[layerCount - 1].derivative($1)
    }
    gradient.withUnsafeMutableBufferPointer { g in
      for l in stride(from: layerCount - 1, through: 0, by: -1) {
        let n = sizes[l]
        let input = cache.a[l]
        // D_{Wˡ} (row i = neuron i: dzᵢ · Aˡ) and D_{Bˡ} = D_{Zˡ⁺¹}.
        var k = offsets[l]
        for i in 0..<dz.count {
          for j in 0..<n { g[k + j] += dz[i] * input[j] }
          g[k + n] += dz[i]
          k += n + 1
        }
        guard l > 0 else { break }
        // D_{Zˡ} = (D_{Zˡ⁺¹} Wˡ) ⊙ a'(Zˡ).
        var da = [Double](repeating: 0, count: n)
        weights[l].withUnsafeBufferPointer { w in
          for i in 0..<dz.count {
            for j in 0..<n { da[j] += dz[i] * w[i * n + j] }
          }
        }
        dz = (0..<n).map { da[$0] * activations[l - 1].derivative(cache.z[l - 1][$0]) }
      }
    }
  }

  /// The parameters in ``MLP/parameters`` order.
  public var parameters: [Double] {
    var out: [Double] = []
    for l in 0..<(sizes.count - 1) {
      let n = sizes[l]
      for i in 0..<sizes[l + 1] {
        out.append(contentsOf: weights[l][(i * n)..<((i + 1) * n)])
        out.append(biases[l][i])
      }
    }
    return out
  }
}
