/// What a node of the tape computes from its operands.
///
/// One byte per node. Binary ops keep their operands in the tape's `lhs` and
/// `rhs` columns. Ops with a `Double` parameter (`addConstant`, `powConstant`,
/// `leakyReLU`, …) keep the operand in `lhs` and an index into the tape's
/// constant table in `rhs`. N-ary ops (`sum`, `dot`, `logSumExp`) keep an offset
/// into the operand table in `lhs` and their operand count in `rhs`.
@usableFromInline
enum OpCode: UInt8, Sendable, CaseIterable {
  /// An input: a parameter, a datum, a literal. Its data may be set.
  case leaf
  // Binary, both operands values.
  case add, subtract, multiply, divide
  case power  // x ** y, both values
  case maximum, minimum
  // Unary with a constant c.
  case addConstant  // x + c (also x - c, as x + (-c), which IEEE makes exact)
  case multiplyConstant  // x * c
  case divideConstant  // x / c
  case constantMinus  // c - x
  case constantDivide  // c / x
  case powerConstant  // x ** c
  case leakyReLU  // slope c
  case elu  // alpha c
  // Unary.
  case negate, exp, log, sqrt, abs, tanh, sigmoid, relu, softplus, step
  // N-ary.
  case sum  // Σ xᵢ
  case dot  // Σ xᵢ yᵢ, operands interleaved x₀ y₀ x₁ y₁ …
  case dotConstant  // Σ xᵢ cᵢ; operand table: constant offset, then the xᵢ
  case logSumExp  // log Σ exp xᵢ

  /// A short name, as shown in graph exports and traces.
  var name: String {
    switch self {
    case .leaf: "leaf"
    case .add, .addConstant: "+"
    case .subtract, .constantMinus: "-"
    case .multiply, .multiplyConstant: "*"
    case .divide, .divideConstant, .constantDivide: "/"
    case .power, .powerConstant: "pow"
    case .maximum: "max"
    case .minimum: "min"
    case .leakyReLU: "leakyReLU"
    case .elu: "elu"
    case .negate: "neg"
    case .exp: "exp"
    case .log: "log"
    case .sqrt: "sqrt"
    case .abs: "abs"
    case .tanh: "tanh"
    case .sigmoid: "sigmoid"
    case .relu: "relu"
    case .softplus: "softplus"
    case .step: "step"
    case .sum: "sum"
    case .dot, .dotConstant: "dot"
    case .logSumExp: "logSumExp"
    }
  }

  /// Whether `rhs` indexes the constant table.
  var hasConstant: Bool {
    switch self {
    case .addConstant, .multiplyConstant, .divideConstant, .constantMinus, .constantDivide,
      .powerConstant, .leakyReLU, .elu:
      true
    default: false
    }
  }

  /// Whether `lhs`/`rhs` are an offset and a count in the operand table.
  var isNary: Bool {
    switch self {
    case .sum, .dot, .dotConstant, .logSumExp: true
    default: false
    }
  }

  /// Whether `rhs` is a second value operand.
  var isBinary: Bool {
    switch self {
    case .add, .subtract, .multiply, .divide, .power, .maximum, .minimum: true
    default: false
    }
  }
}

extension TapeStorage {
  /// Calls `body` with the index of each operand of node `i`, in the op's
  /// order (both operands of `x * y`, every term of a sum, x₀ y₀ x₁ y₁ … for
  /// a dot product), whatever the data: the structure of the graph.
  @inline(__always)
  func forEachOperand(of i: Int, _ body: (Int) -> Void) {
    let code = op[i]
    let a = Int(lhs[i])
    let b = Int(rhs[i])
    switch code {
    case .leaf:
      break
    case .sum, .logSumExp:
      for k in a..<(a + b) { body(Int(operands[k])) }
    case .dot:
      for k in a..<(a + 2 * b) { body(Int(operands[k])) }
    case .dotConstant:
      for k in (a + 1)..<(a + 1 + b) { body(Int(operands[k])) }
    default:
      body(a)
      if code.isBinary { body(b) }
    }
  }
}
