// A parsed program of the expression language: its statements, the names
// it needs values for, and its evaluation into engine values.

/// A small program of `let` lines and one output, parsed and checked, that
/// builds real ``Value``s when evaluated: the text a learner types to see
/// what the engine does with it (`backprop explain`, ``Explanation``).
///
///     let e = try Formula("let c = a * b + b^3\nc.relu()")
///     print(e.inputNames)
///     // Prints "["a", "b"]"
///     let result = try e.evaluate(at: ["a": -4, "b": 2])
///     result.output.backward()
///     print(result.output.data, result.inputs.map(\.grad))
///     // Prints "0.0 [0.0, 0.0]"
///
/// The grammar, in EBNF (`end` is a line break or `;`; `#` starts a comment
/// that runs to the end of the line):
///
///     program    = { [ statement ] end } ;
///     statement  = [ "let" ] name "=" expr
///                | name ( "+=" | "-=" | "*=" | "/=" ) expr
///                | expr ;                       (the output: last only)
///     expr       = term { ( "+" | "-" ) term } ;
///     term       = unary { ( "*" | "/" ) unary } ;
///     unary      = ( "-" | "+" ) unary | power ;
///     power      = postfix [ ( "^" | "**" ) unary ] ;
///     postfix    = primary { "." name "(" [ arguments ] ")" | "[" integer "]" } ;
///     primary    = number | name | name "(" [ arguments ] ")" | "(" expr ")" ;
///     arguments  = expr { "," expr } ;
///     number     = digits [ "." [ digits ] ] [ ( "e" | "E" ) [ "+" | "-" ] digits ]
///                | "." digits [ … ] ;
///     name       = ( letter | "_" ) { letter | digit | "_" | "'" } ;
///
/// So `^` (and its synonym `**`, as in Python) binds tighter than unary
/// minus and is right-associative: `-x^2` is `-(x^2)`, `2^3^2` is
/// `2^(3^2)`, `2^-1` is `2^(-1)`. `x.f(…)` is `f(x, …)`, so micrograd's
/// `(b + a).relu()` reads as written. `name += e` is `name = name + e`.
///
/// Functions (case and underscores ignored, so `leaky_relu` and `logSumExp`
/// work): `exp log sqrt abs tanh sigmoid softplus relu step sin cos erf
/// erfc gelu swish` (also `silu`), `leakyReLU(x)` or `leakyReLU(x, slope)`
/// (0.01 by default), `elu(x)` or `elu(x, alpha)` (1 by default), `pow(x, y)`
/// (the same as `x ^ y`), `max(x, y, …)` and `min(x, y, …)`, `sum(…)`,
/// `logsumexp(…)`, and `softmax(…)[i]`, the `i`-th probability, counted
/// from 0 as Swift arrays are. Each is the library's own method:
/// `max(x, y)` is ``Value/maximum(_:_:)`` (a tie splits the gradient),
/// `max` of three or more is ``Value/maximum(of:)`` (one node; the whole
/// gradient goes to the first maximum), `min` of three or more is
/// ``Value/minimum(_:_:)`` applied left to right.
///
/// Names: the first `let` of a name that is a plain number (`let a = -4.0`,
/// `let n = 2 * 3`) makes a labelled leaf, an input; so does a name that is
/// never defined, which then needs a value from ``evaluate(at:)``. A name
/// defined from values labels that node (`let c = a + b` labels the sum
/// `c`); defining it again, or `c += …`, labels the new node `c'`, then
/// `c''`, so that every label is one node. The output is the last line's
/// value. Arithmetic on plain numbers alone is done on numbers (`2 * 3` is
/// 6, not a node); a number beside a value is the op's constant (`c + 1`
/// is one node `+ 1.0`).
public struct Formula: Sendable, Hashable, CustomStringConvertible {
  /// The text, as given.
  public let source: String
  let statements: [Statement]
  /// The labels of the inputs, in order of appearance: names that are never
  /// defined (they need a value) and names whose first definition is a
  /// plain number (a value overrides it). These are the keys
  /// ``evaluate(at:)`` reads.
  public let inputNames: [String]
  /// The inputs that are never defined, so need a value.
  public let undefinedNames: [String]
  /// The output's label: the name the last line defines, or nil for a bare
  /// expression.
  public let outputName: String?

  /// Parses and checks `source`: its syntax, every function and its
  /// arguments, and that no name is used before the line that defines it.
  ///
  ///     let e = try Formula("a = -4.0\nb = 2.0\nc = a + b\nc += c + 1\nc")
  ///     print(e.inputNames, e.outputName ?? "-")
  ///     // Prints "["a", "b"] -"
  ///
  /// - Parameter source: The program: lines of `let` definitions and
  ///   updates, and optionally a bare expression last.
  /// - Throws: ``ExpressionError`` with the line and column of the first
  ///   mistake.
  public init(_ source: String) throws(ExpressionError) {
    self.source = source
    var parser = try ExpressionParser(source)
    statements = try parser.program()
    let analysis = try ExpressionAnalysis(statements, lexer: parser.lexer)
    inputNames = analysis.inputs
    undefinedNames = analysis.undefined
    outputName = analysis.outputLabel
  }

  /// The source.
  public var description: String { source }

  /// Evaluates the program on the current thread's tape: every operation
  /// is the library's own, recorded as it runs.
  ///
  ///     let e = try Formula("x * y + 1")
  ///     let r = try e.evaluate(at: ["x": 2, "y": 3])
  ///     print(r.output.data)
  ///     // Prints "7.0"
  ///
  /// - Parameter values: A value for each undefined name, and optionally
  ///   for an input defined by a plain number (it replaces that number);
  ///   keys that are not in ``inputNames`` are ignored.
  /// - Returns: The output, the inputs (labelled leaves) and every name's
  ///   last value.
  /// - Throws: ``ExpressionError`` of kind
  ///   ``ExpressionError/Kind/unknownName(_:)`` at the first use of an
  ///   undefined name with no value.
  public func evaluate(at values: [String: Double] = [:]) throws(ExpressionError) -> Evaluation {
    try evaluate(at: values, leaves: [:])
  }

  /// ``evaluate(at:)`` with the inputs labelled as `leaves`' keys taken
  /// from `leaves` instead of made anew.
  func evaluate(at values: [String: Double], leaves: [String: Value]) throws(ExpressionError) -> Evaluation {
    var evaluator = ExpressionEvaluator(values: values, lexer: ExpressionLexer(source))
    evaluator.leaves = leaves
    return try evaluator.run(statements)
  }
}

extension Formula {
  /// What ``Formula/evaluate(at:)`` built: engine values on the tape that
  /// was current.
  ///
  ///     let r = try Formula("let y = x * x\ny").evaluate(at: ["x": 3])
  ///     r.output.backward()
  ///     print(r.values["x"]?.grad ?? 0)
  ///     // Prints "6.0"
  public struct Evaluation {
    /// The program's output.
    public let output: Value
    /// The inputs, labelled leaves, in the order they were made.
    public let inputs: [Value]
    /// Each name's value after the last line.
    public let values: [String: Value]
  }
}
