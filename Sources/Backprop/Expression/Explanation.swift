// What the engine did with an expression, as data: the forward table, the
// chain-rule ledger of the backward sweep, each input's gradient and its
// check by central differences. The renderers are in Explanation+Rendering.

/// An expression explained: every node the forward pass recorded, every
/// application of the chain rule in the order the backward sweep made it,
/// and each input's gradient checked against a central difference.
///
///     let e = try Formula("let c = a * b\nc + a")
///     let explanation = try Explanation(e, at: ["a": 2, "b": -3])
///     print(explanation.value, explanation.inputs.map(\.gradient), explanation.passed)
///     // Prints "-4.0 [-2.0, 2.0] true"
///     print(explanation.text())   // the three tables, aligned
///
/// It is made on a tape of its own, so node numbers start at 0 and nothing
/// is left on the caller's tape.
public struct Explanation: Sendable {
  /// One row of the forward table: a node as the forward pass recorded it.
  ///
  ///     let row = explanation.nodes[2]
  ///     print(row.name, row.op, row.operands, row.value)  // c * ["a", "b"] -6.0
  public struct Node: Sendable, Equatable {
    /// Its ``Value/id`` on the explanation's tape.
    public let id: Int
    /// Its label, or `#id`.
    public let name: String
    /// Its op with any constant (`*`, `+ 1.0`, `pow 3.0`), `input` for a
    /// labelled leaf, `number` for an unlabelled one.
    public let op: String
    /// Its operands' names, in the op's order.
    public let operands: [String]
    /// Its value.
    public let value: Double
  }

  /// One input's gradient and its check.
  ///
  ///     let a = explanation.inputs[0]
  ///     print(a.name, a.gradient, a.numeric, a.passed)
  public struct Input: Sendable, Equatable {
    /// The input's label.
    public let name: String
    /// Its value.
    public let value: Double
    /// ∂output/∂input from the backward sweep.
    public let gradient: Double
    /// The central difference (f(x + h) − f(x − h)) / 2h, with the
    /// expression evaluated again by the engine at x ± h.
    public let numeric: Double
    /// The step h = step · max(1, |x|).
    public let step: Double
    /// |gradient − numeric|.
    public let difference: Double
    /// The largest difference accepted: absolute · max(1, |f|) + relative · |numeric|.
    public let allowance: Double
    /// Whether the difference is within the allowance (non-finite
    /// derivatives must be equal).
    public let passed: Bool
  }

  /// The expression's source.
  public let source: String
  /// The output's name: its label, or `#id`.
  public let outputName: String
  /// The output's value.
  public let value: Double
  /// The forward table: the nodes the output depends on, in creation
  /// (topological) order.
  public let nodes: [Node]
  /// The chain-rule ledger: ``Value/backwardWithTrace(gradient:)``'s steps,
  /// in the order the sweep applied them.
  public let steps: [BackwardTrace.Step]
  /// Each input (a labelled leaf the output depends on), in creation order.
  public let inputs: [Input]
  /// The comparison used for ``inputs``.
  public let tolerance: GradientCheckTolerance

  /// Whether every input's gradient passed its check.
  ///
  ///     print(explanation.passed)  // true
  public var passed: Bool { inputs.allSatisfy(\.passed) }

  /// Evaluates `expression` at `values` on a tape of its own, runs the
  /// backward sweep with its trace, and checks each input's gradient by a
  /// central difference.
  ///
  ///     let explanation = try Explanation(try Formula("x^2 + 1"), at: ["x": 3])
  ///     print(explanation.inputs[0].gradient)
  ///     // Prints "6.0"
  ///
  /// - Parameters:
  ///   - expression: The program to explain.
  ///   - values: A value for each undefined name, as ``Formula/evaluate(at:)`` reads them.
  ///   - tolerance: The finite-difference step and the comparison; the
  ///     project's policy, ``GradientCheckTolerance/default``, by default
  ///     (h = 1e-6 · max(1, |x|), pass if |analytic − numeric| ≤
  ///     1e-8 · max(1, |f|) + 1e-6 · |numeric|).
  /// - Throws: ``ExpressionError`` when a name has no value.
  /// - Complexity: 2n + 1 evaluations for n inputs, and one traced sweep.
  public init(
    _ expression: Formula, at values: [String: Double] = [:],
    tolerance: GradientCheckTolerance = .default
  ) throws(ExpressionError) {
    let tape = Tape()
    let made: Result<Explanation, ExpressionError> = tape.withCurrent {
      do throws(ExpressionError) {
        return .success(try Explanation(made: expression, values: values, tolerance: tolerance))
      } catch {
        return .failure(error)
      }
    }
    self = try made.get()
  }

  private init(made expression: Formula, values: [String: Double], tolerance: GradientCheckTolerance)
    throws(ExpressionError)
  {
    let result = try expression.evaluate(at: values)
    let output = result.output
    let graph = GraphSnapshot(root: output)
    func name(_ i: Int) -> String { graph.label(of: i) ?? "#\(i)" }
    let reached = Set(graph.nodes.map(\.index))
    nodes = graph.nodes.map { node in
      let op = node.op == .leaf ? (node.label == nil ? "number" : "input") : GraphText.opLabel(node)
      return Node(id: node.index, name: name(node.index), op: op, operands: node.operands.map(name), value: node.data)
    }
    steps = output.backwardWithTrace().steps
    source = expression.source
    outputName = name(output.id)
    value = output.data
    self.tolerance = tolerance
    // The inputs the output reaches, checked by `checkGradient` with the
    // program evaluated again on its leaves (the names were all found
    // above, so it evaluates again without an error).
    let f = output.data
    let checkedInputs = result.inputs.filter { reached.contains($0.id) && $0.label != nil }
    let labels = checkedInputs.compactMap(\.label)
    let report = checkGradient(
      of: { x in
        let leaves = Dictionary(zip(labels, x), uniquingKeysWith: { first, _ in first })
        return (try? expression.evaluate(at: values, leaves: leaves))?.output ?? Value(.nan)
      }, at: checkedInputs.map(\.data), tolerance: tolerance)
    var checked: [Input] = []
    for (k, input) in checkedInputs.enumerated() {
      let x = input.data
      let numeric = report.numeric[k]
      let gradient = input.grad
      checked.append(
        Input(
          name: labels[k], value: x, gradient: gradient, numeric: numeric,
          step: tolerance.step * Swift.max(1, Swift.abs(x)),
          difference: Swift.abs(gradient - numeric), allowance: tolerance.allowance(numeric: numeric, value: f),
          passed: tolerance.accepts(analytic: gradient, numeric: numeric, value: f)))
    }
    inputs = checked
  }
}
