// Where each box, op circle and edge of a graph picture goes: a layered
// (Sugiyama-style) layout computed in Swift, so pictures need nothing
// installed.

/// A left-to-right layered layout of the graph below one value.
///
/// 1. Items: a record per value, and a small op item between a computed
///    value and its operands (micrograd's `draw_dot` picture); with
///    `collapse`, a neuron's weighted sum, bias add and activation become
///    one record (see ``NeuronGroups``).
/// 2. Layers: creation order is topological, so one forward pass gives each
///    item its longest path from a leaf; a leaf is then moved next to its
///    nearest user (one layer before it), so parameters sit beside the
///    neuron that uses them.
/// 3. Edges spanning several layers get one dummy point per layer crossed.
/// 4. Order within a layer: creation order first, then barycenter sweeps
///    (down, then up, a few passes); the order with the fewest crossings is
///    kept, so the result never has more crossings than creation order.
/// 5. Coordinates: each layer is a column as wide as its widest item; items
///    keep their order and move towards their neighbours' mean height.
///
/// Everything is a function of the snapshot, so the same graph gives the
/// same layout, byte for byte.
struct GraphLayout {
  enum Kind: Equatable {
    /// A value's record: label | data | grad.
    case value
    /// The op circle of a computed value.
    case op
    /// A point on a long edge.
    case dummy
  }

  struct Item {
    var kind: Kind
    /// The snapshot node it shows (for a collapsed neuron: its output).
    var node: Int
    var layer = 0
    /// Centre of the item.
    var x = 0.0
    var y = 0.0
    var width = 0.0
    var height = 0.0
  }

  /// An edge from `from` (an operand's record) to `to` (an op item or a
  /// collapsed neuron), through `points` (dummy items), in picture order.
  struct Edge {
    var from: Int
    var to: Int
    var via: [Int]
  }

  var items: [Item] = []
  var edges: [Edge] = []
  /// Item indices per layer, in their final order.
  var layers: [[Int]] = []
  var width = 0.0
  var height = 0.0
  /// Crossings between adjacent layers in creation order and after the sweeps.
  var initialCrossings = 0
  var crossings = 0

  static let charWidth = 7.2  // monospace at 12 px
  static let recordHeight = 30.0
  static let opHeight = 26.0
  static let rowGap = 14.0
  static let columnGap = 36.0
  static let margin = 12.0

  /// Lays out `graph`; `text(node)` gives a record's cells, `opText(node)`
  /// an op item's text (their lengths size the items).
  init(
    _ graph: GraphSnapshot, groups: NeuronGroups?, cells: (Int) -> [String], opText: (Int) -> String,
    sweeps: Int = 4
  ) {
    var itemOfValue: [Int: Int] = [:]  // snapshot position -> record item
    var itemOfOp: [Int: Int] = [:]  // snapshot position -> op item
    var preds: [[Int]] = []  // item -> items feeding it (before dummies)
    func add(_ kind: Kind, _ node: Int, _ p: [Int]) -> Int {
      items.append(Item(kind: kind, node: node))
      preds.append(p)
      return items.count - 1
    }
    for (k, node) in graph.nodes.enumerated() {
      if let groups, groups.hidden.contains(k) { continue }
      let operands = groups?.operands(of: k, in: graph) ?? graph.nodes[k].operands.compactMap(graph.position(of:))
      if node.op == .leaf {
        itemOfValue[k] = add(.value, k, [])
        continue
      }
      var inputs: [Int] = []
      for o in operands {
        if let item = itemOfValue[o], !inputs.contains(item) { inputs.append(item) }
      }
      if groups?.output(k) != nil {
        itemOfValue[k] = add(.value, k, inputs)  // the neuron record takes its inputs directly
      } else {
        let op = add(.op, k, inputs)
        itemOfOp[k] = op
        itemOfValue[k] = add(.value, k, [op])
      }
    }
    // Layers: longest path from a leaf, then leaves pulled next to their users.
    var users = Array(repeating: [Int](), count: items.count)
    for (i, p) in preds.enumerated() {
      items[i].layer = (p.map { items[$0].layer }.max() ?? -1) + 1
      for j in p { users[j].append(i) }
    }
    for i in items.indices where preds[i].isEmpty {
      if let nearest = users[i].map({ items[$0].layer }).min() { items[i].layer = nearest - 1 }
    }
    // Sizes.
    for i in items.indices {
      switch items[i].kind {
      case .value:
        let chars = cells(items[i].node).reduce(0) { $0 + $1.count + 2 }
        items[i].width = Double(chars) * Self.charWidth + 8
        items[i].height = Self.recordHeight
      case .op:
        items[i].width = max(Self.opHeight, Double(opText(items[i].node).count) * Self.charWidth + 12)
        items[i].height = Self.opHeight
      case .dummy: break
      }
    }
    // Edges, with a dummy per layer crossed.
    for (to, p) in preds.enumerated() {
      for from in p {
        var via: [Int] = []
        var layer = items[from].layer + 1
        while layer < items[to].layer {
          var d = Item(kind: .dummy, node: items[to].node)
          d.layer = layer
          d.height = 2
          items.append(d)
          via.append(items.count - 1)
          layer += 1
        }
        edges.append(Edge(from: from, to: to, via: via))
      }
    }
    let layerCount = (items.map(\.layer).max() ?? -1) + 1
    layers = Array(repeating: [], count: layerCount)
    for i in items.indices { layers[items[i].layer].append(i) }
    order(sweeps: sweeps)
    place()
  }

  /// Pairs (upper item, lower item) joining layer l to layer l + 1, once per
  /// segment of every edge.
  func segments() -> [[(Int, Int)]] {
    var result = Array(repeating: [(Int, Int)](), count: max(0, layers.count - 1))
    for e in edges {
      let chain = [e.from] + e.via + [e.to]
      for (a, b) in zip(chain, chain.dropFirst()) { result[items[a].layer].append((a, b)) }
    }
    return result
  }

  /// Crossings of the segments between adjacent layers for an ordering.
  static func crossings(_ segments: [[(Int, Int)]], rank: [Int]) -> Int {
    var total = 0
    for between in segments {
      let s = between.map { (rank[$0.0], rank[$0.1]) }.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
      // Inversions of the lower ends: a simple O(s²) count (s is small per layer pair).
      for i in s.indices {
        for j in (i + 1)..<s.count where s[j].0 > s[i].0 && s[j].1 < s[i].1 { total += 1 }
      }
    }
    return total
  }

  func ranks() -> [Int] {
    var rank = Array(repeating: 0, count: items.count)
    for layer in layers { for (r, i) in layer.enumerated() { rank[i] = r } }
    return rank
  }

  /// Barycenter sweeps; keeps the best ordering seen.
  mutating func order(sweeps: Int) {
    let segs = segments()
    var up = Array(repeating: [Int](), count: items.count)
    var down = Array(repeating: [Int](), count: items.count)
    for between in segs {
      for (a, b) in between {
        down[a].append(b)
        up[b].append(a)
      }
    }
    var best = layers
    var bestCount = Self.crossings(segs, rank: ranks())
    initialCrossings = bestCount
    for pass in 0..<(2 * sweeps) where bestCount > 0 {
      let downward = pass % 2 == 0
      let sequence = downward ? Array(layers.indices.dropFirst()) : Array(layers.indices.dropLast().reversed())
      for l in sequence {
        let rank = ranks()
        let neighbours = downward ? up : down
        let keyed = layers[l].enumerated().map { r, i -> (Double, Int, Int) in
          let n = neighbours[i]
          let b = n.isEmpty ? Double(r) : Double(n.reduce(0) { $0 + rank[$1] }) / Double(n.count)
          return (b, r, i)
        }
        layers[l] = keyed.sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }.map(\.2)
      }
      let count = Self.crossings(segs, rank: ranks())
      if count < bestCount {
        bestCount = count
        best = layers
      }
    }
    layers = best
    crossings = bestCount
  }

  /// Columns left to right; in each column the items keep their order, each
  /// as close as the gaps allow to the mean height of its neighbours in the
  /// next column (a few sweeps each way, starting from centred columns).
  mutating func place(sweeps: Int = 4) {
    var x = Self.margin
    for layer in layers {
      let columnWidth = layer.map { items[$0].width }.max() ?? 0
      for i in layer { items[i].x = x + columnWidth / 2 }
      x += columnWidth + Self.columnGap
    }
    width = x - Self.columnGap + Self.margin
    let columnHeights = layers.map { layer in
      layer.reduce(0.0) { $0 + items[$1].height } + Double(max(0, layer.count - 1)) * Self.rowGap
    }
    let tallest = columnHeights.max() ?? 0
    for (l, layer) in layers.enumerated() {
      var y = (tallest - columnHeights[l]) / 2
      for i in layer {
        items[i].y = y + items[i].height / 2
        y += items[i].height + Self.rowGap
      }
    }
    var up = Array(repeating: [Int](), count: items.count)
    var down = Array(repeating: [Int](), count: items.count)
    for between in segments() {
      for (a, b) in between {
        down[a].append(b)
        up[b].append(a)
      }
    }
    for pass in 0..<(2 * sweeps) {
      let downward = pass % 2 == 0
      let sequence = downward ? Array(layers.indices.dropFirst()) : Array(layers.indices.dropLast().reversed())
      for l in sequence { align(layers[l], to: downward ? up : down) }
    }
    let top = items.map { $0.y - $0.height / 2 }.min() ?? 0
    let bottom = items.map { $0.y + $0.height / 2 }.max() ?? 0
    for i in items.indices { items[i].y += Self.margin - top }
    height = bottom - top + 2 * Self.margin
  }

  /// Moves a column's items towards their neighbours' mean height, keeping
  /// their order and gaps: each is pushed below the one above it, then the
  /// column is shifted by the mean distance that pushing added.
  mutating func align(_ layer: [Int], to neighbours: [[Int]]) {
    guard !layer.isEmpty else { return }
    let desired = layer.map { i -> Double in
      let n = neighbours[i]
      return n.isEmpty ? items[i].y : n.reduce(0.0) { $0 + items[$1].y } / Double(n.count)
    }
    var placed: [Double] = []
    var floor = -Double.infinity
    for (k, i) in layer.enumerated() {
      let y = max(desired[k], floor + items[i].height / 2)
      placed.append(y)
      floor = y + items[i].height / 2 + Self.rowGap
    }
    let shift = zip(placed, desired).reduce(0.0) { $0 + ($1.0 - $1.1) } / Double(layer.count)
    for (k, i) in layer.enumerated() { items[i].y = placed[k] - shift }
  }
}
