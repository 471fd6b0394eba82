// The op table: every op the tape records, with its layout on the tape, its
// name, and what its local derivatives read. Its formulas are in `Formulas.swift`.
//
// Every switch over ops in the engine is exhaustive (none ends in
// `default:`), so adding a case here makes the compiler list each place that
// must say what the new op does: its layout and name below, its forward
// formula and local derivatives in `Formulas.swift`. Sweeps, replay, the step
// rule and graph export read the layout, never a list of ops.

/// What a node of the tape computes from its operands.
///
/// One byte per node. Where a node keeps its operands is its ``layout``.
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
  case sin, cos, erf, erfc, gelu, swish
  /// A user's elementwise function (``ElementwiseFunction``): `rhs` indexes
  /// the tape's function table.
  case custom
  // N-ary.
  case sum  // Σ xᵢ
  case dot  // Σ xᵢ yᵢ, operands interleaved x₀ y₀ x₁ y₁ …
  case dotConstant  // Σ xᵢ cᵢ; operand table: constant offset, then the xᵢ
  case logSumExp  // log Σ exp xᵢ
  case maxOf  // max xᵢ; the gradient goes to the first maximal xᵢ (the first NaN)

  /// Where a node keeps its operands, in the `lhs` and `rhs` columns and the
  /// tape's side tables.
  @usableFromInline
  enum Layout: Sendable {
    /// No operands.
    case leaf
    /// `lhs` is the operand; `rhs` is unused.
    case unary
    /// `lhs` is the operand; `rhs` indexes the constant table.
    case unaryConstant
    /// `lhs` is the operand; `rhs` indexes the tape's function table.
    case unaryFunction
    /// `lhs` and `rhs` are the operands.
    case binary
    /// `operands[lhs ..< lhs + rhs]` are the operands.
    case list
    /// `operands[lhs ..< lhs + 2·rhs]` are the operands, in pairs.
    case pairs
    /// `operands[lhs]` is an offset into the constant table, and
    /// `operands[lhs + 1 ... lhs + rhs]` are the operands, one constant each.
    case constantList
  }

  /// Where a node of this op keeps its operands.
  @inlinable
  var layout: Layout {
    switch self {
    case .leaf: .leaf
    case .add, .subtract, .multiply, .divide, .power, .maximum, .minimum: .binary
    case .addConstant, .multiplyConstant, .divideConstant, .constantMinus, .constantDivide,
      .powerConstant, .leakyReLU, .elu:
      .unaryConstant
    case .negate, .exp, .log, .sqrt, .abs, .tanh, .sigmoid, .relu, .softplus, .step, .sin, .cos,
      .erf, .erfc, .gelu, .swish:
      .unary
    case .custom: .unaryFunction
    case .sum, .logSumExp, .maxOf: .list
    case .dot: .pairs
    case .dotConstant: .constantList
    }
  }

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
    case .sin: "sin"
    case .cos: "cos"
    case .erf: "erf"
    case .erfc: "erfc"
    case .gelu: "gelu"
    case .swish: "swish"
    case .custom: "custom"
    case .sum: "sum"
    case .dot, .dotConstant: "dot"
    case .logSumExp: "logSumExp"
    case .maxOf: "max"
    }
  }

  /// Whether the local derivatives branch on the data (a kink, a limit at 0,
  /// the shift of a log-sum-exp), so that the recorded sweep, which records
  /// only one branch, makes a ``Recording`` record again at each replay.
  var derivativeBranchesOnData: Bool {
    switch self {
    case .power, .maximum, .minimum, .leakyReLU, .elu, .abs, .relu, .logSumExp, .maxOf: true
    case .leaf, .add, .subtract, .multiply, .divide, .addConstant, .multiplyConstant,
      .divideConstant, .constantMinus, .constantDivide, .powerConstant, .negate, .exp, .log, .sqrt,
      .tanh, .sigmoid, .softplus, .step, .sin, .cos, .erf, .erfc, .gelu, .swish, .custom, .sum,
      .dot,
      .dotConstant:
      false
    }
  }

  /// Whether `rhs` indexes the constant table.
  var hasConstant: Bool { layout == .unaryConstant }
}

extension OpCode.Layout {
  /// Calls `body` with the index of each operand of a node of this layout
  /// with fields `a` (`lhs`) and `b` (`rhs`), in the op's order (both
  /// operands of `x * y`, every term of a sum, x₀ y₀ x₁ y₁ … for a dot
  /// product), whatever the data: the structure of the graph.
  @inline(__always)
  func forEachOperand(
    _ a: UInt32, _ b: UInt32, operands: UnsafePointer<UInt32>, _ body: (Int) -> Void
  ) {
    let a = Int(a)
    let n = Int(b)
    switch self {
    case .leaf: break
    case .unary, .unaryConstant, .unaryFunction: body(a)
    case .binary:
      body(a)
      body(n)
    case .list: for k in a..<(a + n) { body(Int(operands[k])) }
    case .pairs: for k in a..<(a + 2 * n) { body(Int(operands[k])) }
    case .constantList: for k in (a + 1)..<(a + 1 + n) { body(Int(operands[k])) }
    }
  }

  /// How many operand-table and constant-table entries a node of this
  /// layout with `rhs` field `b` has.
  func sideEntries(_ b: UInt32) -> (operands: Int, constants: Int) {
    let n = Int(b)
    switch self {
    case .leaf, .unary, .unaryFunction, .binary: return (0, 0)
    case .unaryConstant: return (0, 1)
    case .list: return (n, 0)
    case .pairs: return (2 * n, 0)
    case .constantList: return (n + 1, n)
    }
  }
}

extension TapeStorage {
  /// Calls `body` with the index of each operand of node `i`, in the op's
  /// order: ``OpCode/Layout/forEachOperand(_:_:operands:_:)``.
  @inline(__always)
  func forEachOperand(of i: Int, _ body: (Int) -> Void) {
    op[i].layout.forEachOperand(lhs[i], rhs[i], operands: operands, body)
  }
}
