// The checks made once, at parse time: functions and their arguments,
// softmax's index, names used before their definition; and which names are
// inputs, and the label each definition gives its node.

struct ExpressionAnalysis {
  /// Input labels in order of appearance.
  var inputs: [String] = []
  /// Names never defined.
  var undefined: [String] = []
  var outputLabel: String?
  let lexer: ExpressionLexer

  /// The label of the `k`-th definition of `name` (from 0): `c`, `c'`, `c''`.
  static func label(_ name: String, version k: Int) -> String {
    name + String(repeating: "'", count: k)
  }

  init(_ statements: [Statement], lexer: ExpressionLexer) throws(ExpressionError) {
    self.lexer = lexer
    var firstDefinition: [String: Int] = [:]
    for s in statements where s.kind != .output && firstDefinition[s.name] == nil {
      firstDefinition[s.name] = s.namePosition.line
    }
    var versions: [String: Int] = [:]
    for s in statements {
      try check(s.body, indexed: false)
      var used: [(String, SourcePosition)] = []
      if case .update = s.kind { used.append((s.name, s.namePosition)) }
      s.body.names(into: &used)
      for (name, p) in used where versions[name] == nil {
        if let line = firstDefinition[name] {
          throw ExpressionError(
            kind: .noValueYet(name, definedOnLine: line), line: p.line, column: p.column, found: "\"\(name)\"",
            expected: "a name defined on an earlier line", sourceLine: lexer.line(p.line))
        }
        if !undefined.contains(name) {
          undefined.append(name)
          inputs.append(name)
        }
      }
      switch s.kind {
      case .output:
        outputLabel = nil
      case .define, .update:
        let k = versions[s.name].map { $0 + 1 } ?? 0
        versions[s.name] = k
        let label = Self.label(s.name, version: k)
        if s.kind == .define && s.body.isConstant && !inputs.contains(label) { inputs.append(label) }
        outputLabel = label
      }
    }
  }

  func error(_ kind: ExpressionError.Kind, at p: SourcePosition, found: String, expected: String) -> ExpressionError {
    ExpressionError(
      kind: kind, line: p.line, column: p.column, found: found, expected: expected, sourceLine: lexer.line(p.line))
  }

  /// Checks calls and indexes below `node`; `indexed` says whether `node`
  /// is the list of an index.
  func check(_ node: SyntaxNode, indexed: Bool) throws(ExpressionError) {
    switch node {
    case .number, .name: break
    case .negate(let x, _): try check(x, indexed: false)
    case .binary(_, let x, let y, _):
      try check(x, indexed: false)
      try check(y, indexed: false)
    case .index(let list, let i, let p):
      guard case .call(let name, let arguments, _) = list, case .softmax? = ExpressionFunction.named(name) else {
        throw error(.syntax, at: p, found: "\"[\"", expected: "an operator: only softmax(…) can be indexed")
      }
      try check(list, indexed: true)
      guard i < arguments.count else {
        throw error(
          .indexOutOfRange(i, count: arguments.count), at: p, found: "\(i)",
          expected: "an index from 0 to \(arguments.count - 1)")
      }
    case .call(let name, let arguments, let p):
      guard let f = ExpressionFunction.named(name) else {
        throw error(
          .unknownFunction(name), at: p, found: "\"\(name)\"",
          expected: "one of \(ExpressionFunction.names.joined(separator: ", "))")
      }
      guard f.accepts(arguments.count) else {
        throw error(
          .badArguments(name), at: p, found: "\(arguments.count) argument\(arguments.count == 1 ? "" : "s")",
          expected: f.signature(name))
      }
      if case .withParameter(let parameter, _, _) = f, arguments.count == 2, !arguments[1].isConstant {
        let q = arguments[1].position
        throw error(
          .badArguments(name), at: q, found: "a value that depends on an input",
          expected: "a plain number for the \(parameter)")
      }
      if case .softmax = f, !indexed {
        throw error(
          .badArguments(name), at: p, found: "softmax(…) without an index",
          expected: "one of its values, softmax(…)[i] with i counted from 0")
      }
      for a in arguments { try check(a, indexed: false) }
    }
  }
}
