import Backprop
import Foundation
import Testing

/// Explanations: micrograd's README expression, the ledger against
/// backwardWithTrace(), the central-difference check, the renderers.
@Suite("Explanation")
struct ExplanationTests {
  /// micrograd's README example, typed as its README writes it.
  static let micrograd = """
    a = -4.0
    b = 2.0
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    """

  @Test("micrograd's README expression gives micrograd's numbers")
  func microgradNumbers() throws {
    let explanation = try Explanation(Formula(Self.micrograd))
    #expect(String(format: "%.4f", explanation.value) == "24.7041")
    #expect(explanation.inputs.map(\.name) == ["a", "b"])
    #expect(String(format: "%.4f", explanation.inputs[0].gradient) == "138.8338")
    #expect(String(format: "%.4f", explanation.inputs[1].gradient) == "645.5773")
    #expect(explanation.outputName == "g'")
    #expect(explanation.passed)
  }

  @Test("micrograd's README expression agrees exactly with the same Swift")
  func microgradExact() throws {
    // As the language records it: a number beside a value is the op's
    // constant (a Double variable in Swift picks those overloads).
    let swift = Tape().withCurrent { () -> [UInt64] in
      let one = 1.0
      let two = 2.0
      let three = 3.0
      let ten = 10.0
      let a = Value(-4.0)
      let b = Value(2.0)
      var c = a + b
      var d = a * b + b.pow(3)
      c += c + one
      c += one + c + (-a)
      d += d * two + (b + a).relu()
      d += three * d + (b - a).relu()
      let e = c - d
      let f = e.pow(2)
      var g = f / two
      g += ten / f
      g.backward()
      return [g.data, a.grad, b.grad].map(\.bitPattern)
    }
    let formula = try Formula(Self.micrograd)
    let language = try Tape().withCurrent { () -> [UInt64] in
      let r = try formula.evaluate()
      r.output.backward()
      return [r.output.data, r.inputs[0].grad, r.inputs[1].grad].map(\.bitPattern)
    }
    #expect(language == swift)
    let explanation = try Explanation(formula)
    #expect([explanation.value, explanation.inputs[0].gradient, explanation.inputs[1].gradient].map(\.bitPattern) == swift)
  }

  @Test("the ledger is backwardWithTrace()'s steps, in its order", arguments: [0, 1, 2])
  func ledger(_ k: Int) throws {
    let sources = [
      Self.micrograd,
      "let h = tanh(x * w + b)\nlet y = sigmoid(h) * h\ny + max(x, w) - softmax(x, w, b)[1]",
      "logsumexp(x, x * 2, w) + sum(x, w, b) / (1 + b^2) + leakyReLU(x - w, 0.1) + elu(b, 0.5)",
    ]
    let values: [String: Double] = ["x": 0.3, "w": -1.2, "b": 0.8]
    let formula = try Formula(sources[k])
    let given = values.filter { formula.inputNames.contains($0.key) }
    let explanation = try Explanation(formula, at: given)
    let trace = try Tape().withCurrent { try formula.evaluate(at: given).output.backwardWithTrace() }
    #expect(explanation.steps == trace.steps)
    #expect(!explanation.steps.isEmpty)
    // Forward rows in creation order, ending with the output.
    #expect(explanation.nodes.map(\.id) == explanation.nodes.map(\.id).sorted())
    #expect(explanation.nodes.last?.name == explanation.outputName)
    #expect(explanation.nodes.last?.value == explanation.value)
  }

  @Test(
    "central differences agree with every input's gradient",
    arguments: [
      "x * y + x.pow(3) - y / x", "sigmoid(x * y) * tanh(y) + exp(-x^2)", "log(1 + x^2) * sqrt(y + 3) + sin(x) * cos(y)",
      "gelu(x) + swish(y) + softplus(x * y) + erf(x) - erfc(y)", "softmax(x, y, 0)[0] + logsumexp(x, y)",
      "let u = x * y\nu += u * u\nu /= 1 + y^2\nu",
    ])
  func centralDifferences(_ source: String) throws {
    var rng = SeededGenerator(seed: 14)
    for _ in 0..<3 {
      let at = ["x": rng.nextUniform(in: -1.5, 1.5), "y": rng.nextUniform(in: 0.2, 2)]
      let explanation = try Explanation(Formula(source), at: at)
      #expect(explanation.passed, "\(source) at \(at)")
      for input in explanation.inputs {
        #expect(input.step == 1e-6 * Swift.max(1, Swift.abs(input.value)))
        #expect(input.difference <= input.allowance)
        #expect(input.allowance == 1e-8 * Swift.max(1, Swift.abs(explanation.value)) + 1e-6 * Swift.abs(input.numeric))
      }
    }
  }

  @Test("a wrong gradient fails the check")
  func failing() throws {
    // step is flat to the engine (derivative 0) but jumps by 1 across 0:
    // the central difference at 0 sees the jump.
    let explanation = try Explanation(Formula("step(x)"), at: ["x": 0])
    #expect(!explanation.passed)
    #expect(explanation.inputs[0].gradient == 0)
    #expect(explanation.text().contains("FAILED for x"))
  }

  @Test("the JSON parses, with its keys in a stable order")
  func json() throws {
    let explanation = try Explanation(Formula(Self.micrograd))
    let text = explanation.json()
    let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    #expect(object["passed"] as? Bool == true)
    let output = try #require(object["output"] as? [String: Any])
    #expect(output["name"] as? String == "g'")
    #expect(output["value"] as? Double == explanation.value)
    let forward = try #require(object["forward"] as? [[String: Any]])
    #expect(forward.count == explanation.nodes.count)
    let ledger = try #require(object["chainRule"] as? [[String: Any]])
    #expect(ledger.count == explanation.steps.count)
    #expect(ledger.first?["contribution"] as? Double == explanation.steps.first?.contribution)
    let gradients = try #require(object["gradients"] as? [[String: Any]])
    #expect(gradients.map { $0["gradient"] as? Double } == explanation.inputs.map(\.gradient))
    let keys = ["expression", "output", "forward", "chainRule", "gradients", "tolerance", "passed"].map { "\n  \"\($0)\":" }
    let offsets = keys.compactMap { text.range(of: $0)?.lowerBound }
    #expect(offsets.count == keys.count)
    #expect(offsets == offsets.sorted())
    #expect(explanation.json() == text)
    // Non-finite numbers are strings, so the JSON stays valid.
    let infinite = try Explanation(Formula("log(x)"), at: ["x": 0]).json()
    #expect(throws: Never.self) { try JSONSerialization.jsonObject(with: Data(infinite.utf8)) }
    #expect(infinite.contains("\"-inf\""))
  }

  @Test("the text tables, exactly")
  func text() throws {
    let explanation = try Explanation(Formula("let y = x * x + 1\ny"), at: ["x": 3])
    #expect(
      explanation.text(digits: 2) == """
        y = 10.00

        forward, in creation order
        node  name  op     operands  value
        #0    x     input             3.00
        #1    #1    *      x, x       9.00
        #2    y     + 1.0  #1        10.00

        chain rule, in the order backward applies it
        node  op     input  ∂node/∂input  upstream  contribution
        y     + 1.0  #1             1.00      1.00          1.00
        #1    *      x              3.00      1.00          3.00
        #1    *      x              3.00      1.00          3.00

        gradients, checked by central differences
        input  value  gradient  numeric  difference  allowed  check
        x       3.00      6.00     6.00     0.0e+00  6.1e-06  pass
        every gradient agrees with its central difference (|gradient − numeric| ≤ 1e-08·max(1,|f|) + 1e-06·|numeric|, h = 1e-06·max(1,|x|))
        """)
  }

  @Test("Markdown: a table per part, numbers right-aligned")
  func markdown() throws {
    let md = try Explanation(Formula("x * x"), at: ["x": 3]).markdown(digits: 1)
    #expect(md.hasPrefix("**#1** = 9.0\n\n### Forward, in creation order\n\n| node | name | op | operands | value |\n| --- | --- | --- | --- | ---: |\n| `#0` | `x` | `input` |  | `3.0` |"))
    #expect(md.contains("### Chain rule, in the order backward applies it"))
    #expect(md.contains("| `x` | `3.0` | `6.0` | `6.0` |"))
  }

  @Test("an explanation leaves the caller's tape alone; a name with no value throws")
  func tapeAndErrors() throws {
    let tape = Tape()
    try tape.withCurrent {
      _ = try Explanation(Formula("x * y"), at: ["x": 1, "y": 2])
      #expect(tape.count == 0)
    }
    #expect(throws: ExpressionError.self) { try Explanation(Formula("x * y"), at: ["x": 1]) }
  }
}
