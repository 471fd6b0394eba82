// Evaluation: the syntax tree walked once, every operation done by the
// library's own operators and methods on the current tape. Plain numbers
// stay numbers until they meet a value, where they become the op's
// constant (`x + 1` is one node); a function of numbers alone is computed
// by the engine on throwaway leaves and kept as a number.

/// What an operand evaluates to.
enum Operand {
  case number(Double)
  case value(Value)
  /// softmax's probabilities, before the index picks one.
  case list([Value], constant: Bool)

  /// The operand as a value; a number becomes an unlabelled leaf.
  var asValue: Value {
    switch self {
    case .number(let x): Value(x)
    case .value(let v): v
    case .list(let vs, _): vs[0]  // the analysis lets no list through unindexed
    }
  }

  var isNumber: Bool {
    if case .number = self { return true }
    return false
  }
}

struct ExpressionEvaluator {
  let values: [String: Double]
  /// Leaves to use for inputs, by label, instead of making new ones (for
  /// `checkGradient`, which hands the function its own leaves).
  var leaves: [String: Value] = [:]
  let lexer: ExpressionLexer
  var bindings: [String: Value] = [:]
  var versions: [String: Int] = [:]
  var inputs: [Value] = []

  init(values: [String: Double], lexer: ExpressionLexer) {
    self.values = values
    self.lexer = lexer
  }

  mutating func run(_ statements: [Statement]) throws(ExpressionError) -> Formula.Evaluation {
    // Undefined names first, in order of use, so that inputs lead the tape.
    var used: [(String, SourcePosition)] = []
    var defined = Set<String>()
    for s in statements {
      var here: [(String, SourcePosition)] = []
      s.body.names(into: &here)
      used += here.filter { !defined.contains($0.0) }
      if s.kind != .output { defined.insert(s.name) }
    }
    for (name, p) in used where bindings[name] == nil {
      guard let x = values[name] else {
        throw ExpressionError(
          kind: .unknownName(name), line: p.line, column: p.column, found: "\"\(name)\"",
          expected: "define it on an earlier line, let \(name) = …, or give it a value",
          sourceLine: lexer.line(p.line))
      }
      let leaf = input(name, x)
      bindings[name] = leaf
      inputs.append(leaf)
    }
    var output: Value?
    for s in statements {
      switch s.kind {
      case .output:
        output = try evaluate(s.body).asValue
      case .define:
        output = define(s.name, try evaluate(s.body))
      case .update(let op):
        let current = Operand.value(bindings[s.name] ?? Value(0))  // the analysis saw it defined
        output = define(s.name, binary(op, current, try evaluate(s.body)))
      }
    }
    return Formula.Evaluation(output: output ?? Value(0), inputs: inputs, values: bindings)
  }

  /// The input labelled `label`: the leaf given for it, or a new one of
  /// value `x`.
  func input(_ label: String, _ x: Double) -> Value {
    guard let leaf = leaves[label] else { return Value(x, label: label) }
    leaf.label = label
    return leaf
  }

  /// Binds `name` to `operand` and labels its node: a number becomes a
  /// labelled leaf (an input, whose value `values` may replace), a value
  /// without a label takes the name; a value with one (`let y = x`) is
  /// shared under both names.
  mutating func define(_ name: String, _ operand: Operand) -> Value {
    let k = versions[name].map { $0 + 1 } ?? 0
    versions[name] = k
    let label = ExpressionAnalysis.label(name, version: k)
    let value: Value
    switch operand {
    case .number(let x):
      value = input(label, values[label] ?? x)
      inputs.append(value)
    default:
      value = operand.asValue
      if value.label == nil { value.label = label }
    }
    bindings[name] = value
    return value
  }

  func evaluate(_ node: SyntaxNode) throws(ExpressionError) -> Operand {
    switch node {
    case .number(let x, _):
      return .number(x)
    case .name(let n, _):
      // The analysis and `run` leave every name bound before its use.
      return .value(bindings[n] ?? Value(0))
    case .negate(let x, _):
      switch try evaluate(x) {
      case .number(let a): return .number(-a)
      case let operand: return .value(-operand.asValue)
      }
    case .binary(let op, let x, let y, _):
      return binary(op, try evaluate(x), try evaluate(y))
    case .index(let list, let i, _):
      guard case .list(let vs, let constant) = try evaluate(list) else { return .number(.nan) }
      return constant ? .number(vs[i].data) : .value(vs[i])
    case .call(let name, let arguments, _):
      let operands = try arguments.map { (a) throws(ExpressionError) in try evaluate(a) }
      return call(name, operands)
    }
  }

  func binary(_ op: BinaryOperator, _ x: Operand, _ y: Operand) -> Operand {
    switch (x, y) {
    case (.number(let a), .number(let b)):
      switch op {
      case .add: return .number(a + b)
      case .subtract: return .number(a - b)
      case .multiply: return .number(a * b)
      case .divide: return .number(a / b)
      case .power: return .number(Value(a).pow(b).data)
      }
    case (_, .number(let b)):
      let a = x.asValue
      switch op {
      case .add: return .value(a + b)
      case .subtract: return .value(a - b)
      case .multiply: return .value(a * b)
      case .divide: return .value(a / b)
      case .power: return .value(a.pow(b))
      }
    case (.number(let a), _):
      let b = y.asValue
      switch op {
      case .add: return .value(a + b)
      case .subtract: return .value(a - b)
      case .multiply: return .value(a * b)
      case .divide: return .value(a / b)
      case .power: return .value(Value(a).pow(b))
      }
    default:
      let a = x.asValue
      let b = y.asValue
      switch op {
      case .add: return .value(a + b)
      case .subtract: return .value(a - b)
      case .multiply: return .value(a * b)
      case .divide: return .value(a / b)
      case .power: return .value(a.pow(b))
      }
    }
  }

  func call(_ name: String, _ arguments: [Operand]) -> Operand {
    let constant = arguments.allSatisfy(\.isNumber)
    func result(_ v: Value) -> Operand { constant ? .number(v.data) : .value(v) }
    guard let f = ExpressionFunction.named(name) else { return .number(.nan) }  // the analysis found it
    switch f {
    case .unary(let apply):
      return result(apply(arguments[0].asValue))
    case .withParameter(_, let defaultValue, let apply):
      var parameter = defaultValue
      if arguments.count == 2, case .number(let p) = arguments[1] { parameter = p }
      let x = arguments[0]
      return x.isNumber ? .number(apply(x.asValue, parameter).data) : .value(apply(x.asValue, parameter))
    case .pow:
      return binary(.power, arguments[0], arguments[1])
    case .maximum:
      let vs = arguments.map(\.asValue)
      return result(vs.count == 2 ? Value.maximum(vs[0], vs[1]) : Value.maximum(of: vs))
    case .minimum:
      let vs = arguments.map(\.asValue)
      return result(vs.dropFirst().reduce(vs[0]) { Value.minimum($0, $1) })
    case .reduction(let apply):
      return result(apply(arguments.map(\.asValue)))
    case .softmax:
      return .list(Value.softmax(arguments.map(\.asValue)), constant: constant)
    }
  }
}
