// A self-contained HTML page that steps through the forward and backward
// sweeps of a graph: the SVG picture, the chain-rule trace, and a script
// (GraphPageTemplate.swift) that reveals them step by step.

extension Value {
  /// One self-contained HTML page (no network, no external script or font;
  /// it works from `file://`) that steps through this value's graph:
  /// **Forward step** shows the values in creation order, **Backward step**
  /// the gradients in the order of the backward sweep, with each step's
  /// chain-rule line (upstream × local derivative = contribution) and its
  /// edge highlighted. Hovering or focusing a value shows its formula, in
  /// the notation of the lecture notes for a neuron (δ = D_Z ŷ, D_W ŷ, D_B ŷ).
  ///
  ///     let x = Value(3.0, label: "x")
  ///     let y = (x * x).tanh()
  ///     y.label = "y"
  ///     let page = y.stepThroughPage(title: "tanh(x²)")
  ///     try page.write(toFile: "steps.html", atomically: true, encoding: .utf8)
  ///
  /// Backward step 1 sets the output's gradient (BP1: D_y y = 1); step k + 1
  /// applies the trace's step k. The page reads a state from its URL
  /// fragment, so a test or a link can ask for one without clicking:
  /// `steps.html#forward=3` (the first three values), `steps.html#backward=5`
  /// (every value, and five backward steps); `#press=forward.backward`
  /// clicks those buttons in turn (`reset`, `previous`, `forward`,
  /// `backward`, `all`), for tests of the buttons; `#focus=ID` focuses the
  /// value whose ``Value/id`` is ID, which shows its formula. Its `<p id="status">` carries
  /// the state as data attributes once the script has run: `data-nodes`,
  /// `data-forward`, `data-backward`, and for the value the last step
  /// touched `data-node`, `data-node-name`, `data-node-data`,
  /// `data-node-grad`; each value's record has `data-shown-data` and
  /// `data-shown-grad` (empty until shown).
  ///
  /// This runs ``backwardWithTrace(gradient:)``, so gradients accumulate
  /// into the tape exactly as ``backward(gradient:)`` would (zero them first
  /// to get the same page twice). The page shows this one sweep's
  /// gradients, as if every gradient started at zero.
  ///
  /// - Parameter title: The page's title and heading.
  /// - Returns: HTML text.
  /// - Complexity: That of ``svg(_:)`` and of the trace.
  public func stepThroughPage(title: String) -> String {
    let trace = backwardWithTrace()
    let graph = GraphSnapshot(root: self)
    let picture = GraphSVG(graph, options: GraphPictureOptions(title: title), interactive: true)
    let data = GraphPageData(graph: graph, trace: trace, digits: picture.options.digits)
    return GraphPageTemplate.page(title: GraphSVG.escape(title), svg: picture.render(), data: data.json())
  }
}

/// What the page's script needs, as JSON: the values in creation order and
/// the backward steps in sweep order, with their display texts made here so
/// that the page shows the engine's numbers as `svg()` formats them.
struct GraphPageData {
  let graph: GraphSnapshot
  let trace: BackwardTrace
  let digits: Int
  let groups: NeuronGroups

  init(graph: GraphSnapshot, trace: BackwardTrace, digits: Int) {
    self.graph = graph
    self.trace = trace
    self.digits = digits
    groups = NeuronGroups(graph)
  }


  func name(_ index: Int) -> String {
    graph.label(of: index) ?? "#\(index)"
  }

  func json() -> String {
    guard let root = graph.nodes.last else { return "{\"nodes\":[],\"steps\":[]}" }
    let out = name(root.index)
    var nodes: [String] = []
    for (k, node) in graph.nodes.enumerated() {
      let fields = [
        "\"id\":\(node.index)", "\"name\":\(jsonStringLiteral(name(node.index)))",
        "\"data\":\(jsonStringLiteral("\(node.data)"))",
        "\"dataText\":\(jsonStringLiteral("data \(GraphText.fixed(node.data, digits))"))",
        "\"formula\":\(jsonStringLiteral(formula(k, output: out)))",
      ]
      nodes.append("{" + fields.joined(separator: ",") + "}")
    }
    // Step 0 is BP1; then the trace, each with the input's gradient so far.
    var accumulated: [Int: Double] = [:]
    let seed = 1.0
    var steps = [
      step(
        node: root.index, input: root.index, edge: "", after: seed,
        line: "BP1: D_\(out) \(out) = \(GraphText.fixed(seed, digits))")
    ]
    for s in trace.steps {
      let after = accumulated[s.input].map { $0 + s.contribution } ?? s.contribution
      accumulated[s.input] = after
      let line =
        "D_\(s.inputName) \(out) += D_\(s.nodeName) \(out) × ∂\(s.nodeName)/∂\(s.inputName) = "
        + "\(GraphText.fixed(s.upstream, digits)) × \(GraphText.fixed(s.localDerivative, digits)) = "
        + "\(GraphText.fixed(s.contribution, digits))  (op \(s.op); D_\(s.inputName) \(out) is now "
        + "\(GraphText.fixed(after, digits)))"
      steps.append(step(node: s.node, input: s.input, edge: "n\(s.input)-n\(s.node)op", after: after, line: line))
    }
    return "{\"root\":\(root.index),\"nodes\":[" + nodes.joined(separator: ",\n") + "],\n\"steps\":["
      + steps.joined(separator: ",\n") + "]}"
  }

  func step(node: Int, input: Int, edge: String, after: Double, line: String) -> String {
    let fields = [
      "\"node\":\(node)", "\"input\":\(input)", "\"edge\":\(jsonStringLiteral(edge))",
      "\"grad\":\(jsonStringLiteral("\(after)"))", "\"gradText\":\(jsonStringLiteral("grad \(GraphText.fixed(after, digits))"))",
      "\"line\":\(jsonStringLiteral(line))",
    ]
    return "{" + fields.joined(separator: ",") + "}"
  }

  /// The value's formula: what it computes from its operands, and what its
  /// gradient means (D_x ŷ), in the notes' notation for a neuron's parts.
  func formula(_ k: Int, output out: String) -> String {
    let node = graph.nodes[k]
    let me = name(node.index)
    let value = GraphText.fixed(node.data, digits)
    let operands = node.operands.map(name)
    let c = node.constants.map(GraphText.shortest)
    var text: String
    switch node.op.layout {
    case .leaf:
      text = "\(me) = \(value), a leaf (an input or a parameter)"
    case .binary:
      let infix = [OpCode.add: "+", .subtract: "−", .multiply: "×", .divide: "/"][node.op]
      text = infix.map { "\(me) = \(operands[0]) \($0) \(operands[1])" }
        ?? "\(me) = \(node.name)(\(operands.joined(separator: ", ")))"
    case .unary, .unaryFunction:
      text = "\(me) = \(node.name)(\(operands.joined(separator: ", ")))"
    case .unaryConstant:
      let (x, k) = (operands[0], c.first ?? "")
      let infix: [OpCode: String] = [
        .addConstant: "\(x) + \(k)", .multiplyConstant: "\(x) × \(k)", .divideConstant: "\(x) / \(k)",
        .constantMinus: "\(k) − \(x)", .constantDivide: "\(k) / \(x)",
      ]
      text = "\(me) = " + (infix[node.op] ?? "\(node.name)(\(x), \(k))")
    case .list:
      text = "\(me) = \(node.name)(\(Self.shortList(operands)))"
    case .pairs:
      let terms = stride(from: 0, to: operands.count - 1, by: 2).map { "\(operands[$0])·\(operands[$0 + 1])" }
      text = "\(me) = " + Self.shortList(terms, separator: " + ")
    case .constantList:
      let terms = zip(c, operands).map { "\($0)·\($1)" }
      text = "\(me) = " + Self.shortList(terms, separator: " + ")
    }
    if node.op != .leaf { text += " = \(value)" }
    text += ". Its gradient is D_\(me) \(out) = ∂\(out)/∂\(me)."
    return text + notation(k, output: out)
  }

  /// The notes' names for a neuron's parts (seed 000, BP2; seed 002's δ).
  func notation(_ k: Int, output out: String) -> String {
    let node = graph.nodes[k]
    if let group = groups.group(containing: k) {
      let z = name(graph.nodes[group.preActivation].index)
      if k == group.preActivation {
        return " It is a neuron's Z (weighted sum plus bias): δ = D_\(z) \(out), the neuron's error."
      }
      if k == group.activation {
        return " It is a neuron's activation A = a(\(z)); D_\(z) \(out) = D_\(name(node.index)) \(out) · a′(\(z))."
      }
      return ""
    }
    guard node.op == .leaf else { return "" }
    for group in groups.groups {
      let sum = graph.nodes[group.sum]
      let z = name(graph.nodes[group.preActivation].index)
      if graph.nodes[group.preActivation].operands.contains(node.index) {
        return " It is the bias of \(z): D_\(name(node.index)) \(out) = δ = D_\(z) \(out) (BP2: D_B = D_Z)."
      }
      if sum.op == .dot, let j = sum.operands.firstIndex(of: node.index), j % 2 == 0 {
        let input = name(sum.operands[j + 1])
        return " It is a weight of \(z): D_\(name(node.index)) \(out) = \(input) · δ = \(input) · D_\(z) \(out) "
          + "(BP2: D_W = A ⊙ D_Z)."
      }
    }
    return ""
  }

  static func shortList(_ items: [String], separator: String = ", ") -> String {
    items.count <= 6 ? items.joined(separator: separator)
      : (items.prefix(3) + ["…"] + items.suffix(2)).joined(separator: separator)
  }
}
