// An explanation as text for a terminal (aligned tables), as Markdown, and
// as JSON with a stable key order.

import Foundation

extension Explanation {
  /// The three tables for a terminal, columns aligned: the forward pass,
  /// the chain rule in the sweep's order, and the gradients with their
  /// check.
  ///
  ///     let e = try Explanation(try Formula("let y = x * x\ny"), at: ["x": 3])
  ///     print(e.text(digits: 2))
  ///     // y = 9.00
  ///     //
  ///     // forward, in creation order
  ///     // node  name  op     operands  value
  ///     // #0    x     input                3.00
  ///     // ...
  ///
  /// - Parameter digits: Digits after the point; 6 by default.
  /// - Returns: The tables, separated by blank lines, with a line saying
  ///   whether every check passed.
  public func text(digits: Int = 6) -> String {
    [
      "\(outputName) = \(GraphText.fixed(value, digits))",
      "forward, in creation order\n" + forwardTable(digits: digits),
      "chain rule, in the order backward applies it\n" + ledgerTable(digits: digits),
      "gradients, checked by central differences\n" + gradientTable(digits: digits),
    ].joined(separator: "\n\n")
  }

  /// The forward table alone: node, name, op, operands, value.
  ///
  ///     print(explanation.forwardTable(digits: 2))
  ///     // node  name  op     operands  value
  ///     // #0    x     input             3.00
  ///
  /// - Parameter digits: Digits after the point; 6 by default.
  /// - Returns: A header line and a line per node.
  public func forwardTable(digits: Int = 6) -> String {
    TextTable.aligned(forwardRows(digits), numeric: [4])
  }

  /// The chain-rule ledger alone, as ``BackwardTrace/table(digits:)``
  /// prints it.
  ///
  ///     print(explanation.ledgerTable(digits: 2))
  ///     // node  op     input  ∂node/∂input  upstream  contribution
  ///
  /// - Parameter digits: Digits after the point; 6 by default.
  /// - Returns: A header line and a line per step.
  public func ledgerTable(digits: Int = 6) -> String {
    TextTable.aligned(ledgerRows(digits), numeric: [3, 4, 5])
  }

  /// The gradients alone, each with its central difference and check, and
  /// a last line with the verdict and the rule.
  ///
  ///     print(explanation.gradientTable(digits: 2))
  ///     // input  value  gradient  numeric  difference  allowed  check
  ///     // x       3.00      6.00     6.00     0.0e+00  6.1e-06  pass
  ///     // every gradient agrees with its central difference (…)
  ///
  /// - Parameter digits: Digits after the point; 6 by default.
  /// - Returns: A header line, a line per input and the verdict.
  public func gradientTable(digits: Int = 6) -> String {
    TextTable.aligned(gradientRows(digits), numeric: [1, 2, 3, 4, 5]) + "\n" + verdict
  }

  /// The tables as Markdown: a heading per table and pipe tables, numbers
  /// right-aligned.
  ///
  ///     print(explanation.markdown())
  ///     // **y** = 9.000000
  ///     //
  ///     // ### Forward, in creation order
  ///     // ...
  ///
  /// - Parameter digits: Digits after the point; 6 by default.
  /// - Returns: Markdown text.
  public func markdown(digits: Int = 6) -> String {
    func table(_ rows: [[String]], numeric: Set<Int>) -> String {
      let header = rows[0].map(Self.escapeMarkdown)
      let rule = rows[0].indices.map { numeric.contains($0) ? "---:" : "---" }
      let body = rows.dropFirst().map { row in row.map { $0.isEmpty ? "" : "`\(Self.escapeMarkdown($0))`" } }
      return ([header, rule] + body).map { "| " + $0.joined(separator: " | ") + " |" }.joined(separator: "\n")
    }
    return [
      "**\(Self.escapeMarkdown(outputName))** = \(GraphText.fixed(value, digits))",
      "### Forward, in creation order\n\n" + table(forwardRows(digits), numeric: [4]),
      "### Chain rule, in the order backward applies it\n\n" + table(ledgerRows(digits), numeric: [3, 4, 5]),
      "### Gradients, checked by central differences\n\n" + table(gradientRows(digits), numeric: [1, 2, 3, 4, 5])
        + "\n\n" + verdict,
    ].joined(separator: "\n\n")
  }

  /// The explanation as JSON, keys in a fixed order, numbers as Swift
  /// prints them (shortest round-trip form), non-finite numbers as the
  /// strings `"inf"`, `"-inf"` and `"nan"`.
  ///
  ///     let json = explanation.json()
  ///     // {"expression":"…","output":{"name":"y","value":9.0},"forward":[…],
  ///     //  "chainRule":[…],"gradients":[…],"tolerance":{…},"passed":true}
  ///
  /// - Returns: One JSON object, with a line per table row.
  public func json() -> String {
    func s(_ text: String) -> String { jsonStringLiteral(text) }
    func n(_ x: Double) -> String { Self.jsonNumber(x) }
    let forward = nodes.map { node in
      "{\"node\":\(node.id),\"name\":\(s(node.name)),\"op\":\(s(node.op)),\"operands\":["
        + node.operands.map(s).joined(separator: ",") + "],\"value\":\(n(node.value))}"
    }
    let ledger = steps.map { step in
      "{\"node\":\(step.node),\"nodeName\":\(s(step.nodeName)),\"op\":\(s(step.op)),\"input\":\(step.input),"
        + "\"inputName\":\(s(step.inputName)),\"localDerivative\":\(n(step.localDerivative)),"
        + "\"upstream\":\(n(step.upstream)),\"contribution\":\(n(step.contribution))}"
    }
    let gradients = inputs.map { input in
      "{\"name\":\(s(input.name)),\"value\":\(n(input.value)),\"gradient\":\(n(input.gradient)),"
        + "\"numeric\":\(n(input.numeric)),\"step\":\(n(input.step)),\"difference\":\(n(input.difference)),"
        + "\"allowance\":\(n(input.allowance)),\"passed\":\(input.passed)}"
    }
    func list(_ items: [String]) -> String {
      items.isEmpty ? "[]" : "[\n    " + items.joined(separator: ",\n    ") + "\n  ]"
    }
    return """
      {
        "expression": \(s(source)),
        "output": {"name":\(s(outputName)),"value":\(n(value))},
        "forward": \(list(forward)),
        "chainRule": \(list(ledger)),
        "gradients": \(list(gradients)),
        "tolerance": {"absolute":\(n(tolerance.absolute)),"relative":\(n(tolerance.relative)),"step":\(n(tolerance.step))},
        "passed": \(passed)
      }
      """
  }

  // MARK: Rows shared by the renderers

  private var verdict: String {
    let failed = inputs.filter { !$0.passed }.map(\.name)
    let rule =
      "|gradient − numeric| ≤ \(GraphText.shortest(tolerance.absolute))·max(1,|f|) + "
      + "\(GraphText.shortest(tolerance.relative))·|numeric|, h = \(GraphText.shortest(tolerance.step))·max(1,|x|)"
    if inputs.isEmpty { return "no inputs to check" }
    return failed.isEmpty
      ? "every gradient agrees with its central difference (\(rule))"
      : "FAILED for \(failed.joined(separator: ", ")) (\(rule))"
  }

  private func forwardRows(_ digits: Int) -> [[String]] {
    [["node", "name", "op", "operands", "value"]]
      + nodes.map { node in
        ["#\(node.id)", node.name, node.op, node.operands.joined(separator: ", "), GraphText.fixed(node.value, digits)]
      }
  }

  private func ledgerRows(_ digits: Int) -> [[String]] {
    BackwardTrace.rows(of: steps, digits: digits)
  }

  private func gradientRows(_ digits: Int) -> [[String]] {
    [["input", "value", "gradient", "numeric", "difference", "allowed", "check"]]
      + inputs.map { i in
        [
          i.name, GraphText.fixed(i.value, digits), GraphText.fixed(i.gradient, digits),
          GraphText.fixed(i.numeric, digits), Self.scientific(i.difference), Self.scientific(i.allowance),
          i.passed ? "pass" : "FAIL",
        ]
      }
  }

  static func scientific(_ x: Double) -> String {
    x.isFinite ? String(format: "%.1e", x) : "\(x)"
  }

  static func escapeMarkdown(_ s: String) -> String {
    s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "`", with: "'")
  }

  static func jsonNumber(_ x: Double) -> String {
    if x.isNaN { return "\"nan\"" }
    if x.isInfinite { return x > 0 ? "\"inf\"" : "\"-inf\"" }
    return "\(x)"
  }
}
