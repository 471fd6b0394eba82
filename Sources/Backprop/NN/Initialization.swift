// How a layer's initial weights are drawn: uniform (micrograd's), Glorot or
// He, from any random number generator (seeded for repeatable models).

/// How a layer's initial weights are drawn, from any random number generator
/// by the package's own algorithms, so the same ``SeededGenerator`` seed gives
/// the same model on every platform.
///
///     var rng = SeededGenerator(seed: 42)
///     let layer = Layer(inputSize: 2, outputSize: 16, activation: .relu,
///                       initialization: .he, using: &rng)
public enum WeightInitialization: Sendable, Hashable, Codable, CustomStringConvertible {
  /// Uniform on [lower, upper): micrograd's `random.uniform(-1, 1)` is
  /// `.uniform(lower: -1, upper: 1)`, the default.
  case uniform(lower: Double, upper: Double)
  /// Glorot (Xavier) uniform: U(−a, a) with a = √(6 / (fan-in + fan-out)),
  /// for tanh and sigmoid layers.
  case glorot
  /// He (Kaiming) normal: N(0, 2 / fan-in), for relu layers.
  case he

  /// micrograd's choice, uniform on [−1, 1).
  ///
  ///     var rng = SeededGenerator(seed: 0)
  ///     let layer = Layer(inputSize: 2, outputSize: 4, initialization: .micrograd, using: &rng)
  public static let micrograd = WeightInitialization.uniform(lower: -1, upper: 1)

  /// Draws one weight for a layer with the given fan-in and fan-out.
  ///
  ///     var rng = SeededGenerator(seed: 0)
  ///     let w = WeightInitialization.glorot.sample(fanIn: 2, fanOut: 16, using: &rng)
  ///
  /// - Parameters:
  ///   - fanIn: Inputs per neuron.
  ///   - fanOut: Neurons in the layer.
  ///   - generator: The source of randomness: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Returns: A weight.
  public func sample(
    fanIn: Int, fanOut: Int, using generator: inout some RandomNumberGenerator
  ) -> Double {
    switch self {
    case .uniform(let lower, let upper):
      return generator.uniform(in: lower, upper)
    case .glorot:
      let a = (6 / Double(Swift.max(1, fanIn + fanOut))).squareRoot()
      return generator.uniform(in: -a, a)
    case .he:
      return generator.gaussian() * (2 / Double(Swift.max(1, fanIn))).squareRoot()
    }
  }

  /// `uniform(-1.0, 1.0)`, `glorot` or `he`.
  public var description: String {
    switch self {
    case .uniform(let lower, let upper): "uniform(\(lower), \(upper))"
    case .glorot: "glorot"
    case .he: "he"
    }
  }
}
