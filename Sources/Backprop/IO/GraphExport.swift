// Pictures of what the tape recorded, as micrograd's `draw_dot` gives them:
// Graphviz DOT and Mermaid text with each value's label, op, data and grad;
// the number and table formatting the trace and the explanation share.

import Foundation

extension Value {
  /// The graph below this value in Graphviz DOT: a record per value (label,
  /// data, grad) and a small node per op, left to right, as micrograd's
  /// `draw_dot` draws it.
  ///
  ///     let a = Value(2.0, label: "a")
  ///     let b = Value(-3.0, label: "b")
  ///     let c = a * b
  ///     c.label = "c"
  ///     c.backward()
  ///     print(c.graphviz())
  ///     // digraph {
  ///     //   rankdir=LR;
  ///     //   node [shape=record];
  ///     //   n0 [label="{ a | data 2.0000 | grad -3.0000 }"];
  ///     //   ...
  ///
  /// Render it with `dot -Tsvg graph.dot > graph.svg`, or paste it into any
  /// Graphviz viewer.
  ///
  /// - Parameter digits: Digits after the point for data and grad; 4 by
  ///   default, as micrograd.
  /// - Returns: DOT source.
  /// - Complexity: O(n log n) for the n values this one depends on.
  public func graphviz(digits: Int = 4) -> String {
    let graph = GraphSnapshot(root: self)
    var lines = ["digraph {", "  rankdir=LR;", "  node [shape=record];"]
    for node in graph.nodes {
      let name = "n\(node.index)"
      let fields = GraphText.fields(node, digits: digits).map(GraphText.escapeDOTRecord)
      lines.append("  \(name) [label=\"{ \(fields.joined(separator: " | ")) }\"];")
      if node.op != .leaf {
        let opText = GraphText.escapeDOT(GraphText.opLabel(node))
        lines.append("  \(name)op [label=\"\(opText)\", shape=circle];")
        lines.append("  \(name)op -> \(name);")
        for operand in node.operands { lines.append("  n\(operand) -> \(name)op;") }
      }
    }
    lines.append("}")
    return lines.joined(separator: "\n") + "\n"
  }

  /// The graph below this value as a Mermaid flowchart, which GitHub,
  /// GitLab and many Markdown viewers draw from a `mermaid` code block.
  ///
  ///     print(c.mermaid())
  ///     // flowchart LR
  ///     //   n0["a | data 2.0000 | grad -3.0000"]
  ///     //   ...
  ///
  /// - Parameter digits: Digits after the point for data and grad; 4 by
  ///   default.
  /// - Returns: Mermaid source.
  /// - Complexity: O(n log n) for the n values this one depends on.
  public func mermaid(digits: Int = 4) -> String {
    let graph = GraphSnapshot(root: self)
    var lines = ["flowchart LR"]
    for node in graph.nodes {
      let name = "n\(node.index)"
      let text = GraphText.fields(node, digits: digits).joined(separator: " | ")
      lines.append("  \(name)[\"\(GraphText.escapeMermaid(text))\"]")
      if node.op != .leaf {
        lines.append("  \(name)op((\"\(GraphText.escapeMermaid(GraphText.opLabel(node)))\"))")
        lines.append("  \(name)op --> \(name)")
        for operand in node.operands { lines.append("  n\(operand) --> \(name)op") }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}

/// Text shared by the exporters.
enum GraphText {
  /// `["a", "data 2.0000", "grad -3.0000"]`; the label is left out when
  /// there is none.
  static func fields(_ node: GraphSnapshot.Node, digits: Int) -> [String] {
    var parts: [String] = []
    if let label = node.label { parts.append(label) }
    parts.append("data \(fixed(node.data, digits))")
    parts.append("grad \(fixed(node.grad, digits))")
    return parts
  }

  /// The op with its constants: `*`, `+ 1.0`, `pow 2.0`, `leakyReLU 0.01`.
  static func opLabel(_ node: GraphSnapshot.Node) -> String {
    if node.op.layout == .constantList { return "dot c" }
    guard let c = node.constants.first else { return node.name }
    // c − x and c / x put the constant first.
    let constantFirst = node.op == .constantMinus || node.op == .constantDivide
    return constantFirst ? "\(shortest(c)) \(node.name)" : "\(node.name) \(shortest(c))"
  }

  static func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "\(x)" }
    return String(format: "%.\(max(0, digits))f", x)
  }

  static func shortest(_ x: Double) -> String { "\(x)" }

  static func escapeDOT(_ s: String) -> String {
    var out = ""
    for ch in s {
      switch ch {
      case "\"", "\\", "<", ">": out += "\\\(ch)"
      case "\n": out += "\\n"
      default: out.append(ch)
      }
    }
    return out
  }

  /// Escapes a field of a DOT record label, where `{ } |` are structure
  /// as well.
  static func escapeDOTRecord(_ s: String) -> String {
    var out = ""
    for ch in escapeDOT(s) {
      switch ch {
      case "{", "}", "|": out += "\\\(ch)"
      default: out.append(ch)
      }
    }
    return out
  }

  static func escapeMermaid(_ s: String) -> String {
    s.replacingOccurrences(of: "\"", with: "#quot;")
  }
}

/// Plain-text tables: the backward trace's and the explanation's.
enum TextTable {
  /// Rows as fixed-width columns two spaces apart: text left, the `numeric`
  /// columns right; no trailing spaces.
  static func aligned(_ rows: [[String]], numeric: Set<Int>) -> String {
    guard let first = rows.first else { return "" }
    let widths = first.indices.map { k in rows.map { $0[k].count }.max() ?? 0 }
    return rows.map { row in
      var line = row.enumerated().map { k, cell in
        let pad = String(repeating: " ", count: widths[k] - cell.count)
        return numeric.contains(k) ? pad + cell : cell + pad
      }.joined(separator: "  ")
      while line.last == " " { line.removeLast() }
      return line
    }.joined(separator: "\n")
  }
}
