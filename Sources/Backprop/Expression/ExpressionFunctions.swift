// The functions an expression can call, each mapped to the library's own
// method: the language has no formulas of its own.

/// What a call computes, and from which arguments.
enum ExpressionFunction {
  /// One value: `exp(x)`, `x.relu()`.
  case unary((Value) -> Value)
  /// One value and an optional plain number: `leakyReLU(x, 0.1)`, `elu(x)`.
  case withParameter(parameter: String, default: Double, (Value, Double) -> Value)
  /// `pow(x, y)`, the same as `x ^ y`.
  case pow
  /// `max(x, y, …)`, `min(x, y, …)`: two or more values.
  case maximum, minimum
  /// One or more values to one: `sum`, `logsumexp`.
  case reduction(([Value]) -> Value)
  /// `softmax(x, y, …)`: a list, to be indexed.
  case softmax

  /// The canonical spellings, as the error for an unknown function lists them.
  static let names = [
    "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "softplus", "relu", "leakyReLU", "elu", "step",
    "sin", "cos", "erf", "erfc", "gelu", "swish", "pow", "max", "min", "sum", "logsumexp", "softmax",
  ]

  /// The function called `name`: case is ignored, and so are underscores
  /// (`leakyrelu`, `leaky_relu`, `logSumExp`); `silu` is `swish`.
  static func named(_ name: String) -> ExpressionFunction? {
    switch name.lowercased().replacingOccurrences(of: "_", with: "") {
    case "exp": .unary { $0.exp() }
    case "log": .unary { $0.log() }
    case "sqrt": .unary { $0.sqrt() }
    case "abs": .unary { $0.abs() }
    case "tanh": .unary { $0.tanh() }
    case "sigmoid": .unary { $0.sigmoid() }
    case "softplus": .unary { $0.softplus() }
    case "relu": .unary { $0.relu() }
    case "step": .unary { $0.step() }
    case "sin": .unary { $0.sin() }
    case "cos": .unary { $0.cos() }
    case "erf": .unary { $0.erf() }
    case "erfc": .unary { $0.erfc() }
    case "gelu": .unary { $0.gelu() }
    case "swish", "silu": .unary { $0.swish() }
    case "leakyrelu": .withParameter(parameter: "slope", default: 0.01) { $0.leakyReLU(slope: $1) }
    case "elu": .withParameter(parameter: "alpha", default: 1) { $0.elu(alpha: $1) }
    case "pow": .pow
    case "max": .maximum
    case "min": .minimum
    case "sum": .reduction { Value.sum($0) }
    case "logsumexp": .reduction { Value.logSumExp($0) }
    case "softmax": .softmax
    default: nil
    }
  }

  /// The arguments it takes, in words, for error messages.
  func signature(_ name: String) -> String {
    switch self {
    case .unary: "one argument, \(name)(x)"
    case .withParameter(let p, let d, _): "\(name)(x) or \(name)(x, \(p)) with a number \(p) (\(GraphText.shortest(d)) by default)"
    case .pow: "two arguments, pow(x, y)"
    case .maximum, .minimum: "two or more arguments, \(name)(x, y, …)"
    case .reduction: "one or more arguments, \(name)(x, y, …)"
    case .softmax: "one or more arguments, softmax(x, y, …)[i]"
    }
  }

  /// Whether `count` arguments are allowed.
  func accepts(_ count: Int) -> Bool {
    switch self {
    case .unary: count == 1
    case .withParameter: count == 1 || count == 2
    case .pow: count == 2
    case .maximum, .minimum: count >= 2
    case .reduction, .softmax: count >= 1
    }
  }
}
