import Backprop
import Testing

/// The expression language: precedence, associativity, every function, and
/// its errors with their exact place and caret.
@Suite("Expression parser")
struct ExpressionParserTests {
  /// The output's value of `source` at `values`, on a tape of its own.
  static func value(_ source: String, _ values: [String: Double] = [:]) throws -> Double {
    try Tape().withCurrent { try Formula(source).evaluate(at: values).output.data }
  }

  /// The error `source` raises when parsed (or, with `values`, evaluated).
  static func error(_ source: String, _ values: [String: Double]? = nil) -> ExpressionError? {
    do {
      let formula = try Formula(source)
      if let values { _ = try Tape().withCurrent { try formula.evaluate(at: values) } }
      return nil
    } catch let error as ExpressionError {
      return error
    } catch {
      return nil
    }
  }

  @Test(
    "precedence and associativity",
    arguments: [
      ("1 + 2 * 3", 7.0), ("(1 + 2) * 3", 9), ("1 - 2 - 3", -4), ("8 / 4 / 2", 1), ("2 ^ 3 ^ 2", 512),
      ("2 ** 3 ** 2", 512), ("-2 ^ 2", -4), ("(-2) ^ 2", 4), ("2 ^ -1", 0.5), ("-x ^ 2", -9), ("-x ** 2", -9),
      ("2 * -x", -6), ("- -x", 3), ("+x", 3), ("x ^ 2 * 2", 18), ("2 * x ^ 2", 18), ("x - -1", 4), ("1e-3", 0.001),
      ("2.5E+2", 250), (".5 + x", 3.5), ("x.exp().log()", 3), ("(x + 1).relu() * 2", 8), ("-x.abs()", -3),
      ("let y = x + 1; y * y", 16), ("y = x\ny += 1\ny *= 2\ny -= 1\ny /= 7", 1), ("# a comment\nx # more", 3),
    ])
  func precedence(_ source: String, _ expected: Double) throws {
    #expect(try Self.value(source, ["x": 3]) == expected)
  }

  /// The library's method for each unary function name.
  static func unaryReference(_ name: String) -> (Value) -> Value {
    switch name {
    case "exp": { $0.exp() }
    case "log": { $0.log() }
    case "sqrt": { $0.sqrt() }
    case "abs": { $0.abs() }
    case "tanh": { $0.tanh() }
    case "sigmoid", "SIGMOID": { $0.sigmoid() }
    case "softplus": { $0.softplus() }
    case "relu": { $0.relu() }
    case "step": { $0.step() }
    case "sin": { $0.sin() }
    case "cos": { $0.cos() }
    case "erf": { $0.erf() }
    case "erfc": { $0.erfc() }
    case "gelu": { $0.gelu() }
    case "swish", "silu": { $0.swish() }
    case "leakyReLU", "leaky_relu": { $0.leakyReLU() }
    default: { $0.elu() }
    }
  }

  /// The unary functions, each the library's own method, value and
  /// gradient bit for bit, called and as a method.
  @Test(
    "every unary function",
    arguments: [
      "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "softplus", "relu", "step", "sin", "cos", "erf", "erfc",
      "gelu", "swish", "silu", "leakyReLU", "leaky_relu", "elu", "SIGMOID",
    ])
  func unary(_ name: String) throws {
    let f = Self.unaryReference(name)
    for x0 in [0.7, -1.3] {
      let expected = Tape().withCurrent { () -> [UInt64] in
        let x = Value(x0)
        let y = f(x) * 1.5
        y.backward()
        return [y.data.bitPattern, x.grad.bitPattern]
      }
      for source in ["\(name)(x) * 1.5", "x.\(name)() * 1.5"] {
        let actual = try Tape().withCurrent { () -> [UInt64] in
          let r = try Formula(source).evaluate(at: ["x": x0])
          r.output.backward()
          return [r.output.data.bitPattern, r.inputs[0].grad.bitPattern]
        }
        #expect(actual == expected, "\(source) at \(x0)")
      }
    }
  }

  /// The library's call for each expression of two inputs.
  static func binaryReference(_ source: String) -> (Value, Value) -> Value {
    switch source {
    case "leakyReLU(x, 0.2)": { x, _ in x.leakyReLU(slope: 0.2) }
    case "elu(x, 0.5)": { x, _ in x.elu(alpha: 0.5) }
    case "pow(x, 3)", "x ^ 3": { x, _ in x.pow(3) }
    case "pow(x, y)", "x ** y": { x, y in x.pow(y) }
    case "2 ^ y": { _, y in Value(2).pow(y) }
    case "max(x, y)": { x, y in Value.maximum(x, y) }
    case "min(x, y)": { x, y in Value.minimum(x, y) }
    case "max(x, y, 1)": { x, y in Value.maximum(of: [x, y, Value(1)]) }
    case "min(x, y, 1)": { x, y in Value.minimum(Value.minimum(x, y), Value(1)) }
    case "sum(x, y, x)": { x, y in Value.sum([x, y, x]) }
    case "logsumexp(x, y)", "logSumExp(x, y)": { x, y in Value.logSumExp([x, y]) }
    case "softmax(x, y)[0]": { x, y in Value.softmax([x, y])[0] }
    default: { x, y in Value.softmax([x, y, Value(0)])[2] }
    }
  }

  @Test(
    "functions of several arguments",
    arguments: [
      "leakyReLU(x, 0.2)", "elu(x, 0.5)", "pow(x, 3)", "x ^ 3", "pow(x, y)", "x ** y", "2 ^ y", "max(x, y)",
      "min(x, y)", "max(x, y, 1)", "min(x, y, 1)", "sum(x, y, x)", "logsumexp(x, y)", "logSumExp(x, y)",
      "softmax(x, y)[0]", "softmax(x, y, 0)[2]",
    ])
  func several(_ source: String) throws {
    let f = Self.binaryReference(source)
    let expected = Tape().withCurrent { () -> [UInt64] in
      let x = Value(0.7)
      let y = Value(1.9)
      let z = f(x, y)
      z.backward()
      return [z.data.bitPattern, x.grad.bitPattern, y.grad.bitPattern]
    }
    let actual = try Tape().withCurrent { () -> [UInt64] in
      let r = try Formula(source).evaluate(at: ["x": 0.7, "y": 1.9])
      r.output.backward()
      let grads = ["x", "y"].map { name in r.inputs.first { $0.label == name }?.grad ?? 0 }
      return [r.output.data.bitPattern] + grads.map(\.bitPattern)
    }
    #expect(actual == expected)
  }

  @Test("numbers alone are computed as numbers, through the engine for functions")
  func constants() throws {
    #expect(try Self.value("exp(0) + 2 * 3") == 7)
    #expect(try Self.value("softmax(0, 0)[1]") == 0.5)
    let formula = try Formula("let k = 2 * 3\nk * x")
    #expect(formula.inputNames == ["k", "x"])  // in order of appearance
    #expect(formula.undefinedNames == ["x"])
  }

  @Test("names: a definition labels its node; defining again adds a prime; a number is an input")
  func labels() throws {
    let formula = try Formula("a = -4.0\nb = 2.0\nc = a + b\nc += c + 1\nc = c * 2\nlet alias = a\nc")
    #expect(formula.inputNames == ["a", "b"])
    #expect(formula.outputName == nil)
    try Tape().withCurrent {
      let r = try formula.evaluate()
      #expect(r.inputs.map(\.label) == ["a", "b"])
      #expect(r.output.label == "c''")
      #expect(r.values["alias"]?.label == "a")
      #expect(r.output.data == -6)  // c = -2, c' = c + (c + 1) = -3, c'' = 2c' = -6
    }
    // A value replaces the number of an input's first definition.
    #expect(try Self.value("a = -4.0\na * 2", ["a": 1.5]) == 3)
    #expect(try Formula("x = 1\ny = x\nx += y").outputName == "x'")
  }

  @Test("an error shows the line with a caret under the column")
  func caret() {
    let e = Self.error("a + * b")
    #expect(e?.kind == .syntax)
    #expect(e?.line == 1)
    #expect(e?.column == 5)
    #expect(e?.found == "\"*\"")
    #expect(
      e?.description == """
        line 1, column 5: expected an operand (a number, a name, a call or "("), found "*"
          a + * b
              ^
        """)
    let multiline = Self.error("a = 1\nb = a +")
    #expect(multiline?.line == 2)
    #expect(multiline?.column == 8)
    #expect(multiline?.found == "end of line")
    #expect(multiline?.caret == "  b = a +\n         ^")
    let tab = Self.error("\tx $ 1")
    #expect(tab?.column == 4)
    #expect(tab?.caret == "  \tx $ 1\n  \t  ^")
  }

  @Test(
    "syntax errors name the place, what was found and what was expected",
    arguments: [
      ("(a + b", 1, 7, "end of line", "\")\""), ("a b", 1, 3, "\"b\"", "an operator or the end of the line"),
      ("let = 3", 1, 5, "\"=\"", "a name after let"), ("let x", 1, 6, "end of line", "\"=\" after let x"),
      ("let a += 1", 1, 7, "\"+=\"", "\"=\" after let a"), ("f(a,", 1, 5, "end of line", "an operand (a number, a name, a call or \"(\")"),
      ("x[0]", 1, 2, "\"[\"", "an operator: only softmax(…) can be indexed"),
      ("softmax(x)[1.5]", 1, 12, "the number 1.5", "a whole number from 0 (an index counted from 0)"),
      ("1e999", 1, 1, "\"1e999\"", "a finite number"), ("", 1, 1, "end of input", "an expression"),
      ("x\ny = 1", 1, 1, "another line after it", "the bare expression (the output) to be the last line"),
    ])
  func syntax(_ source: String, _ line: Int, _ column: Int, _ found: String, _ expected: String) {
    let e = Self.error(source)
    #expect(e?.kind == .syntax)
    #expect(e?.line == line)
    #expect(e?.column == column)
    #expect(e?.found == found)
    #expect(e?.expected == expected)
  }

  @Test("an unknown function, an unknown name and a name with no value yet are named")
  func names() {
    let f = Self.error("2 * foo(x)")
    #expect(f?.kind == .unknownFunction("foo"))
    #expect(f?.column == 5)
    #expect(f?.message.hasPrefix("unknown function \"foo\"; expected one of exp, log,") == true)
    let z = Self.error("a * z", ["a": 1])
    #expect(z?.kind == .unknownName("z"))
    #expect(z?.column == 5)
    #expect(z?.message == "unknown name \"z\": it has no value (define it on an earlier line, let z = …, or give it a value)")
    let early = Self.error("c = a + 1\na = 2")
    #expect(early?.kind == .noValueYet("a", definedOnLine: 2))
    #expect(early?.column == 5)
    #expect(early?.message == "\"a\" has no value yet: it is first defined on line 2")
  }

  @Test(
    "arguments a function does not take",
    arguments: [
      ("exp(x, x)", "exp", 1, "2 arguments"), ("pow(x)", "pow", 1, "1 argument"), ("max(x)", "max", 1, "1 argument"),
      ("leakyReLU(x, x)", "leakyReLU", 14, "a value that depends on an input"), ("sum()", "sum", 1, "0 arguments"),
      ("softmax(x, x)", "softmax", 1, "softmax(…) without an index"),
    ])
  func arguments(_ source: String, _ name: String, _ column: Int, _ found: String) {
    let e = Self.error(source)
    #expect(e?.kind == .badArguments(name))
    #expect(e?.column == column)
    #expect(e?.found == found)
  }

  @Test("softmax's index is counted from 0 and checked")
  func softmaxIndex() {
    let e = Self.error("softmax(x, x)[2]")
    #expect(e?.kind == .indexOutOfRange(2, count: 2))
    #expect(e?.column == 14)
    #expect(e?.message == "index 2 is outside the 2 values of softmax (counted from 0)")
  }
}
