// The parser: tokens to statements by recursive descent, one function per
// precedence level (the grammar is in the doc comment of `Formula`).

struct ExpressionParser {
  let lexer: ExpressionLexer
  var tokens: [Token]
  var i = 0

  init(_ source: String) throws(ExpressionError) {
    lexer = ExpressionLexer(source)
    tokens = try lexer.tokens()
  }

  var current: Token { tokens[i] }

  func peek(_ k: Int) -> Token { tokens[Swift.min(i + k, tokens.count - 1)] }

  mutating func advance() -> Token {
    let t = tokens[i]
    if i < tokens.count - 1 { i += 1 }
    return t
  }

  func isSymbol(_ s: String, _ t: Token? = nil) -> Bool { (t ?? current).kind == .symbol(s) }

  func fail(_ expected: String, at t: Token? = nil) -> ExpressionError {
    let t = t ?? current
    return lexer.error(t.described, expected: expected, at: t.position)
  }

  mutating func expect(_ s: String, _ expected: String) throws(ExpressionError) {
    guard isSymbol(s) else { throw fail(expected) }
    _ = advance()
  }

  /// program = { [ statement ] end } ;
  mutating func program() throws(ExpressionError) -> [Statement] {
    var statements: [Statement] = []
    while current.kind != .endOfInput {
      if current.kind == .end {
        _ = advance()
        continue
      }
      if let last = statements.last, last.kind == .output {
        let t = Token(kind: .name(""), text: "", position: last.body.position)
        throw lexer.error(
          "another line after it", expected: "the bare expression (the output) to be the last line", at: t.position)
      }
      statements.append(try statement())
      guard current.kind == .end || current.kind == .endOfInput else {
        throw fail("an operator or the end of the line")
      }
    }
    guard !statements.isEmpty else { throw fail("an expression") }
    return statements
  }

  /// statement = "let" name "=" expr | name ( "=" | "+=" | "-=" | "*=" | "/=" ) expr | expr ;
  mutating func statement() throws(ExpressionError) -> Statement {
    var isLet = false
    if case .name("let") = current.kind {
      isLet = true
      _ = advance()
      guard case .name = current.kind else { throw fail("a name after let") }
    }
    if case .name(let n) = current.kind, case .symbol(let s) = peek(1).kind,
      ["=", "+=", "-=", "*=", "/="].contains(s)
    {
      let nameToken = advance()
      if isLet && s != "=" { throw fail("\"=\" after let \(n)") }
      _ = advance()
      let body = try expression()
      let kind: Statement.Kind =
        switch s {
        case "+=": .update(.add)
        case "-=": .update(.subtract)
        case "*=": .update(.multiply)
        case "/=": .update(.divide)
        default: .define
        }
      return Statement(kind: kind, name: n, namePosition: nameToken.position, body: body)
    }
    if isLet {
      let name = advance()
      throw fail("\"=\" after let \(name.text)")
    }
    let body = try expression()
    return Statement(kind: .output, name: "", namePosition: body.position, body: body)
  }

  /// expr = term { ( "+" | "-" ) term } ;
  mutating func expression() throws(ExpressionError) -> SyntaxNode {
    var left = try term()
    while isSymbol("+") || isSymbol("-") {
      let op = advance()
      let right = try term()
      left = .binary(op.text == "+" ? .add : .subtract, left, right, op.position)
    }
    return left
  }

  /// term = unary { ( "*" | "/" ) unary } ;
  mutating func term() throws(ExpressionError) -> SyntaxNode {
    var left = try unary()
    while isSymbol("*") || isSymbol("/") {
      let op = advance()
      let right = try unary()
      left = .binary(op.text == "*" ? .multiply : .divide, left, right, op.position)
    }
    return left
  }

  /// unary = ( "-" | "+" ) unary | power ;
  mutating func unary() throws(ExpressionError) -> SyntaxNode {
    if isSymbol("-") {
      let op = advance()
      let operand = try unary()
      if case .number(let x, _) = operand { return .number(-x, op.position) }
      return .negate(operand, op.position)
    }
    if isSymbol("+") {
      _ = advance()
      return try unary()
    }
    return try power()
  }

  /// power = postfix [ ( "^" | "**" ) unary ] ;  (right-associative: the
  /// exponent is a unary, so 2^3^2 = 2^(3^2) and 2^-1 = 2^(-1))
  mutating func power() throws(ExpressionError) -> SyntaxNode {
    let base = try postfix()
    guard isSymbol("^") || isSymbol("**") else { return base }
    let op = advance()
    let exponent = try unary()
    return .binary(.power, base, exponent, op.position)
  }

  /// postfix = primary { "." name "(" [ arguments ] ")" | "[" integer "]" } ;
  mutating func postfix() throws(ExpressionError) -> SyntaxNode {
    var node = try primary()
    while true {
      if isSymbol(".") {
        _ = advance()
        guard case .name(let f) = current.kind else { throw fail("a function name after \".\"") }
        let nameToken = advance()
        try expect("(", "\"(\" after .\(f)")
        let rest = try arguments()
        node = .call(f, [node] + rest, nameToken.position)
      } else if isSymbol("[") {
        let open = advance()
        guard case .number(let x) = current.kind, x >= 0, x == x.rounded(), x < 1e9 else {
          throw fail("a whole number from 0 (an index counted from 0)")
        }
        _ = advance()
        try expect("]", "\"]\"")
        node = .index(node, Int(x), open.position)
      } else {
        return node
      }
    }
  }

  /// arguments = expr { "," expr } ; the "(" is read, this reads the ")".
  mutating func arguments() throws(ExpressionError) -> [SyntaxNode] {
    var result: [SyntaxNode] = []
    if isSymbol(")") {
      _ = advance()
      return result
    }
    while true {
      result.append(try expression())
      if isSymbol(",") {
        _ = advance()
      } else {
        try expect(")", "\",\" or \")\"")
        return result
      }
    }
  }

  /// primary = number | name | name "(" [ arguments ] ")" | "(" expr ")" ;
  mutating func primary() throws(ExpressionError) -> SyntaxNode {
    let t = current
    switch t.kind {
    case .number(let x):
      _ = advance()
      return .number(x, t.position)
    case .name(let n):
      _ = advance()
      if isSymbol("(") {
        _ = advance()
        return .call(n, try arguments(), t.position)
      }
      return .name(n, t.position)
    case .symbol("("):
      _ = advance()
      let inner = try expression()
      try expect(")", "\")\"")
      return inner
    default:
      throw fail("an operand (a number, a name, a call or \"(\")")
    }
  }
}
