// A picture of the graph below a value as standalone SVG, laid out in Swift
// (GraphLayout.swift): nothing to install, same graph, same bytes.

/// How ``Value/svg(_:)`` draws a graph.
///
///     let picture = loss.svg(.init(digits: 2, collapsesNeurons: true, title: "The loss"))
public struct GraphPictureOptions: Sendable, Equatable {
  /// Digits after the point for data and grad; 4 by default, as micrograd.
  public var digits: Int
  /// Draw each neuron's weighted sum, bias addition and activation (what
  /// `Neuron` records) as one box, so an MLP's picture has a box per neuron
  /// instead of three nodes and three op circles. Off by default.
  public var collapsesNeurons: Bool
  /// The picture's title (its `<title>` and accessible name); by default
  /// "Graph of LABEL: N values".
  public var title: String?

  /// Options; the defaults draw every node with 4 digits.
  ///
  ///     let options = GraphPictureOptions(collapsesNeurons: true)
  public init(digits: Int = 4, collapsesNeurons: Bool = false, title: String? = nil) {
    self.digits = digits
    self.collapsesNeurons = collapsesNeurons
    self.title = title
  }
}

extension Value {
  /// The graph below this value as a standalone SVG picture, laid out by
  /// the package itself (no Graphviz needed): a record per value (label |
  /// data | grad) and a small circle per op, left to right, as micrograd's
  /// `draw_dot` draws it.
  ///
  ///     let a = Value(2.0, label: "a")
  ///     let b = Value(-3.0, label: "b")
  ///     let c = a * b
  ///     c.label = "c"
  ///     c.backward()
  ///     let picture = c.svg()
  ///     print(picture.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
  ///     // Prints "true"
  ///     try picture.write(toFile: "c.svg", atomically: true, encoding: .utf8)
  ///
  /// Each record has the id `nID` (``Value/id``), each op circle `nIDop`,
  /// each edge `FROM-TO` (`n0-n2op`). The picture has a `<title>`,
  /// `role="img"` and an `aria-label`; all text is escaped. It stays
  /// readable up to a few hundred nodes; for an MLP, pass
  /// `GraphPictureOptions(collapsesNeurons: true)`.
  ///
  /// - Parameter options: Digits, collapsing of neurons, title.
  /// - Returns: SVG text, the same bytes for the same graph.
  /// - Complexity: O(n + e²) for n nodes and e edges between adjacent
  ///   columns (the crossing counts); an MLP 2-16-16-1's squared error at
  ///   one point (438 nodes) takes about 0.16 s in a debug build.
  public func svg(_ options: GraphPictureOptions = .init()) -> String {
    GraphSVG(GraphSnapshot(root: self), options: options).render()
  }
}

/// Draws a laid-out graph; `interactive` adds what the step-through page
/// needs (focusable records with data attributes).
struct GraphSVG {
  let graph: GraphSnapshot
  let options: GraphPictureOptions
  let groups: NeuronGroups?
  let layout: GraphLayout
  var interactive = false

  init(_ graph: GraphSnapshot, options: GraphPictureOptions, interactive: Bool = false) {
    self.graph = graph
    self.options = options
    self.interactive = interactive
    let groups = options.collapsesNeurons ? NeuronGroups(graph) : nil
    self.groups = groups
    let digits = options.digits
    layout = GraphLayout(
      graph, groups: groups, cells: { Self.cells(graph, groups, $0, digits: digits) },
      opText: { GraphText.opLabel(graph.nodes[$0]) })
  }

  /// A record's cells: label (if any), the neuron's ops (collapsed), data, grad.
  static func cells(_ graph: GraphSnapshot, _ groups: NeuronGroups?, _ k: Int, digits: Int) -> [String] {
    var fields = GraphText.fields(graph.nodes[k], digits: digits)
    if let group = groups?.output(k) {
      fields.insert(NeuronGroups.summary(group, in: graph), at: fields.count - 2)
    }
    return fields
  }

  func name(_ k: Int) -> String {
    let node = graph.nodes[k]
    return node.label ?? "#\(node.index)"
  }

  var title: String {
    if let title = options.title { return title }
    guard let root = graph.nodes.last else { return "Empty graph" }
    let count = graph.nodes.count
    return "Graph of \(root.label ?? "#\(root.index)"): \(count) value\(count == 1 ? "" : "s")"
  }

  func id(_ item: Int) -> String {
    let it = layout.items[item]
    return "n\(graph.nodes[it.node].index)\(it.kind == .op ? "op" : "")"
  }

  func render() -> String {
    let w = Self.number(layout.width)
    let h = Self.number(layout.height)
    let t = Self.escape(title)
    var out = [
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(w)\" height=\"\(h)\" viewBox=\"0 0 \(w) \(h)\" "
        + "role=\"img\" aria-label=\"\(t)\">",
      "<title>\(t)</title>",
      "<defs><marker id=\"arrow\" viewBox=\"0 0 8 8\" refX=\"8\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" "
        + "orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555555\"/></marker></defs>",
      "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>",
      "<g class=\"edges\" fill=\"none\" stroke=\"#555555\" stroke-width=\"1.2\">",
    ]
    for edge in layout.edges { out.append(path(edge)) }
    out.append("</g>")
    out.append(
      "<g class=\"nodes\" font-family=\"DejaVu Sans Mono, Menlo, Consolas, monospace\" font-size=\"12\" "
        + "fill=\"#111111\">")
    for i in layout.items.indices {
      switch layout.items[i].kind {
      case .value: out.append(record(i))
      case .op: out.append(op(i))
      case .dummy: break
      }
    }
    out.append("</g>")
    out.append("</svg>")
    return out.joined(separator: "\n") + "\n"
  }

  func path(_ edge: GraphLayout.Edge) -> String {
    let items = layout.items
    let chain = [edge.from] + edge.via + [edge.to]
    var points = chain.map { (items[$0].x, items[$0].y) }
    points[0].0 += items[edge.from].width / 2
    points[points.count - 1].0 -= items[edge.to].width / 2
    var d = "M\(Self.number(points[0].0)),\(Self.number(points[0].1))"
    for (p, q) in zip(points, points.dropFirst()) {
      let dx = (q.0 - p.0) / 2
      d += " C\(Self.number(p.0 + dx)),\(Self.number(p.1)) \(Self.number(q.0 - dx)),\(Self.number(q.1))"
        + " \(Self.number(q.0)),\(Self.number(q.1))"
    }
    return "<path id=\"\(id(edge.from))-\(id(edge.to))\" d=\"\(d)\" marker-end=\"url(#arrow)\"/>"
  }

  func record(_ i: Int) -> String {
    let item = layout.items[i]
    let k = item.node
    let node = graph.nodes[k]
    let cells = Self.cells(graph, groups, k, digits: options.digits)
    let left = item.x - item.width / 2
    let top = item.y - item.height / 2
    let total = Double(cells.reduce(0) { $0 + $1.count + 2 })
    let fill = node.op == .leaf ? "#eef3fb" : "#ffffff"
    let rid = "n\(node.index)"
    var attributes = "id=\"\(rid)\" class=\"value\""
    if interactive {
      let fields = GraphText.fields(node, digits: options.digits).joined(separator: ", ")
      attributes += " tabindex=\"0\" data-index=\"\(node.index)\" data-name=\"\(Self.escape(name(k)))\""
        + " aria-label=\"\(Self.escape(fields))\""
    }
    var out = ["<g \(attributes)>"]
    out.append(
      "<rect x=\"\(Self.number(left))\" y=\"\(Self.number(top))\" width=\"\(Self.number(item.width))\" "
        + "height=\"\(Self.number(item.height))\" rx=\"3\" fill=\"\(fill)\" stroke=\"#333333\"/>")
    var x = left + 4
    let cellCount = cells.count
    for (c, text) in cells.enumerated() {
      let cellWidth = (item.width - 8) * Double(text.count + 2) / total
      if c > 0 {
        out.append(
          "<line x1=\"\(Self.number(x))\" y1=\"\(Self.number(top))\" x2=\"\(Self.number(x))\" "
            + "y2=\"\(Self.number(top + item.height))\" stroke=\"#333333\"/>")
      }
      // The last two cells are data and grad, which the page rewrites.
      let role = c == cellCount - 1 ? " id=\"\(rid)-grad\"" : c == cellCount - 2 ? " id=\"\(rid)-data\"" : ""
      out.append(
        "<text\(role) x=\"\(Self.number(x + cellWidth / 2))\" y=\"\(Self.number(item.y + 4))\" "
          + "text-anchor=\"middle\">\(Self.escape(text))</text>")
      x += cellWidth
    }
    out.append("</g>")
    return out.joined(separator: "\n")
  }

  func op(_ i: Int) -> String {
    let item = layout.items[i]
    let text = GraphText.opLabel(graph.nodes[item.node])
    return "<g id=\"\(id(i))\" class=\"op\"><ellipse cx=\"\(Self.number(item.x))\" cy=\"\(Self.number(item.y))\" "
      + "rx=\"\(Self.number(item.width / 2))\" ry=\"\(Self.number(item.height / 2))\" fill=\"#fff8e6\" "
      + "stroke=\"#333333\"/><text x=\"\(Self.number(item.x))\" y=\"\(Self.number(item.y + 4))\" "
      + "text-anchor=\"middle\">\(Self.escape(text))</text></g>"
  }

  /// One decimal, no "-0.0".
  static func number(_ x: Double) -> String {
    let s = GraphText.fixed((x * 10).rounded() / 10, 1)
    let trimmed = s.hasSuffix(".0") ? String(s.dropLast(2)) : s
    return trimmed == "-0" ? "0" : trimmed
  }

  /// Escapes text for XML content and attribute values.
  static func escape(_ s: String) -> String {
    var out = ""
    for ch in s {
      switch ch {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      default: out.append(ch)
      }
    }
    return out
  }
}
