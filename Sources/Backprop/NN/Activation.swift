// The activation functions a layer applies elementwise: the cases, their
// values and derivatives on values and numbers, and their names.

/// The activation functions of seeds 000, 001 and 004, applied elementwise
/// by a ``Layer``.
///
///     let y = Activation.relu(Value(-2.0))  // 0
///
/// Each case calls the engine's method of the same name, so its derivative,
/// its choice at the kink and its behaviour at ±1000 are those documented on
/// ``Value``.
public enum Activation: Sendable, Hashable, CustomStringConvertible {
  /// The identity: the output layer of a regression or a score.
  case linear
  /// The Heaviside step, 1 for x ≥ 0 (its derivative is 0: not trainable by
  /// gradient descent).
  case step
  /// The logistic sigmoid σ(x) = 1/(1 + e⁻ˣ).
  case sigmoid
  /// The hyperbolic tangent.
  case tanh
  /// max(0, x).
  case relu
  /// x for x > 0, else slope·x.
  case leakyReLU(slope: Double)
  /// x for x > 0, else α(eˣ − 1).
  case elu(alpha: Double)
  /// log(1 + eˣ).
  case softplus
  /// x·Φ(x), with Φ the standard normal distribution function (PyTorch's
  /// exact GELU).
  case gelu
  /// x·σ(x) (also called SiLU).
  case swish
  /// A function of your own, with its derivative: see
  /// ``ElementwiseFunction``. It trains, replays and shards like the others;
  /// a ``Checkpoint`` cannot store it (the closures are code, not data), and
  /// says so with ``CheckpointError/customActivation(layer:name:)``.
  ///
  ///     let softsign = ElementwiseFunction(
  ///       "softsign", { x in x / (1 + Swift.abs(x)) },
  ///       derivative: { x in 1 / ((1 + Swift.abs(x)) * (1 + Swift.abs(x))) })
  ///     var rng = SeededGenerator(seed: 1)
  ///     let model = MLP(inputSize: 2, layerSizes: [4, 1],
  ///                     activation: .custom(softsign), using: &rng)
  case custom(ElementwiseFunction)

  /// Applies the activation to a value, recording one node (none for
  /// `.linear`).
  ///
  ///     let activation = Activation.relu
  ///     let y = activation(Value(-2.0))  // y.data == 0
  ///
  /// - Parameter x: The pre-activation z.
  /// - Returns: a(z).
  @inlinable @inline(__always)
  public func callAsFunction(_ x: Value) -> Value {
    switch self {
    case .linear: x
    case .step: x.step()
    case .sigmoid: x.sigmoid()
    case .tanh: x.tanh()
    case .relu: x.relu()
    case .leakyReLU(let slope): x.leakyReLU(slope: slope)
    case .elu(let alpha): x.elu(alpha: alpha)
    case .softplus: x.softplus()
    case .gelu: x.gelu()
    case .swish: x.swish()
    case .custom(let f): f(x)
    }
  }

  /// Applies the activation to a plain number, with the same formula as the
  /// engine (for inference without a tape, and for hand-written baselines).
  ///
  ///     print(Activation.sigmoid(0.0))
  ///     // Prints "0.5"
  ///
  /// - Parameter x: The pre-activation z.
  /// - Returns: a(z).
  @inlinable @inline(__always)
  public func callAsFunction(_ x: Double) -> Double {
    if case .custom(let f) = self { return f(x) }
    guard let (code, constant) = node else { return x }
    return code.forward(x, constant ?? 0)
  }

  /// The derivative a'(z) as a plain number, with the engine's choices at
  /// kinks (relu'(0) = 0, leakyReLU'(0) = slope, elu'(0) = α, step' = 0).
  ///
  ///     print(Activation.tanh.derivative(0))
  ///     // Prints "1.0"
  ///
  /// - Parameter x: The pre-activation z.
  /// - Returns: a'(z).
  public func derivative(_ x: Double) -> Double {
    switch self {
    case .linear: return 1
    case .step: return 0
    case .sigmoid:
      let s = OpCode.sigmoid(x)
      return s * (1 - s)
    case .tanh:
      let t = LibM.tanh(x)
      return 1 - t * t
    case .relu: return x > 0 ? 1 : (x.isNaN ? .nan : 0)
    case .leakyReLU(let slope): return x > 0 ? 1 : slope
    case .elu(let alpha): return x > 0 ? 1 : alpha * LibM.exp(x)
    case .softplus: return OpCode.sigmoid(x)
    case .gelu:
      // Φ(x) + x φ(x).
      let phi = 0.5 * LibM.erfc(-x * OpCode.inverseSquareRootOf2)
      return phi + x * OpCode.inverseSquareRootOf2π * LibM.exp(-0.5 * x * x)
    case .swish:
      let s = OpCode.sigmoid(x)
      return s + x * s * (1 - s)
    case .custom(let f): return f.definition.derivativeOrStop(x)
    }
  }

  /// The name as written in model descriptions: `relu`, `leakyReLU(0.01)`.
  public var description: String {
    switch self {
    case .linear: "linear"
    case .step: "step"
    case .sigmoid: "sigmoid"
    case .tanh: "tanh"
    case .relu: "relu"
    case .leakyReLU(let slope): "leakyReLU(\(slope))"
    case .elu(let alpha): "elu(\(alpha))"
    case .softplus: "softplus"
    case .gelu: "gelu"
    case .swish: "swish"
    case .custom(let f): "custom(\(f.name))"
    }
  }

  /// Parses a name as written by ``description`` or on the command line:
  /// `linear`, `step`, `sigmoid`, `tanh`, `relu`, `leakyReLU` (slope 0.01),
  /// `leakyReLU(0.2)`, `elu` (α 1), `elu(0.5)`, `softplus`, `gelu`, `swish`
  /// (or `silu`). A ``custom(_:)`` activation has no name to parse.
  ///
  ///     Activation(parsing: "relu")  // .relu
  ///
  /// - Parameter text: The name.
  public init?(parsing text: String) {
    let lowered = text.lowercased()
    func argument(_ prefix: String) -> Double? {
      guard lowered.hasPrefix(prefix + "("), lowered.hasSuffix(")") else { return nil }
      return Double(lowered.dropFirst(prefix.count + 1).dropLast())
    }
    switch lowered {
    case "linear", "identity": self = .linear
    case "step", "heaviside": self = .step
    case "sigmoid", "logistic": self = .sigmoid
    case "tanh": self = .tanh
    case "relu": self = .relu
    case "leakyrelu": self = .leakyReLU(slope: 0.01)
    case "elu": self = .elu(alpha: 1)
    case "softplus": self = .softplus
    case "gelu": self = .gelu
    case "swish", "silu": self = .swish
    default:
      if let slope = argument("leakyrelu"), slope.isFinite {
        self = .leakyReLU(slope: slope)
      } else if let alpha = argument("elu"), alpha.isFinite {
        self = .elu(alpha: alpha)
      } else {
        return nil
      }
    }
  }
}
