// The expression language's syntax tree: what the parser builds and the
// evaluator walks. Plain data, no values: a parsed expression can be kept,
// compared and evaluated again at other inputs.

/// An operator between two operands.
enum BinaryOperator: String, Sendable, Hashable {
  case add = "+", subtract = "-", multiply = "*", divide = "/", power = "^"
}

/// A node of the syntax tree; each keeps the place of its operator, name or
/// call for error messages.
indirect enum SyntaxNode: Sendable, Hashable {
  case number(Double, SourcePosition)
  case name(String, SourcePosition)
  case negate(SyntaxNode, SourcePosition)
  case binary(BinaryOperator, SyntaxNode, SyntaxNode, SourcePosition)
  /// A call `f(x, …)`, or a method call `x.f(…)` with `x` as the first
  /// argument.
  case call(String, [SyntaxNode], SourcePosition)
  /// `list[i]`: only `softmax(…)[i]` gives a list.
  case index(SyntaxNode, Int, SourcePosition)

  var position: SourcePosition {
    switch self {
    case .number(_, let p), .name(_, let p), .negate(_, let p), .binary(_, _, _, let p),
      .call(_, _, let p), .index(_, _, let p):
      p
    }
  }

  /// Whether the node reads no name: its value is a number known before
  /// any input is given.
  var isConstant: Bool {
    switch self {
    case .number: true
    case .name: false
    case .negate(let x, _): x.isConstant
    case .binary(_, let x, let y, _): x.isConstant && y.isConstant
    case .call(_, let arguments, _): arguments.allSatisfy(\.isConstant)
    case .index(let x, _, _): x.isConstant
    }
  }

  /// The names it reads, each with the place of its first use, in order.
  func names(into result: inout [(String, SourcePosition)]) {
    switch self {
    case .number: break
    case .name(let n, let p): result.append((n, p))
    case .negate(let x, _), .index(let x, _, _): x.names(into: &result)
    case .binary(_, let x, let y, _):
      x.names(into: &result)
      y.names(into: &result)
    case .call(_, let arguments, _):
      for a in arguments { a.names(into: &result) }
    }
  }
}

/// One line (or `;`-separated part) of a program.
struct Statement: Sendable, Hashable {
  enum Kind: Sendable, Hashable {
    /// `let name = e` or `name = e`.
    case define
    /// `name += e` and the like: `name = name op e`.
    case update(BinaryOperator)
    /// A bare expression: the output (only last).
    case output
  }
  var kind: Kind
  /// The name defined or updated; empty for an output.
  var name: String
  var namePosition: SourcePosition
  var body: SyntaxNode
}
