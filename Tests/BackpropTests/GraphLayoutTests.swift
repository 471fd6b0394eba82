@testable import Backprop
import Testing

/// Graphs for the layout tests, each recorded on the current tape.
enum LayoutGraphs {
  /// micrograd's neuron: o = tanh(x1·w1 + x2·w2 + b).
  static func neuron() -> Value {
    let x1 = Value(2.0, label: "x1")
    let x2 = Value(0.0, label: "x2")
    let w1 = Value(-3.0, label: "w1")
    let w2 = Value(1.0, label: "w2")
    let b = Value(6.8813735870195432, label: "b")
    return (x1 * w1 + x2 * w2 + b).tanh()
  }

  /// An MLP 2-16-16-1's squared error at one point (about 440 nodes).
  static func mlpLoss(layerSizes: [Int] = [16, 16, 1]) -> Value {
    let model = MLP(inputSize: 2, layerSizes: layerSizes, activation: .relu, seed: 14)
    return (model([0.5, -1.5])[0] - 1).pow(2)
  }

  /// A random graph: leaves, then ops on random earlier values, summed.
  static func random(seed: UInt64, leaves: Int = 6, ops: Int = 40) -> Value {
    var rng = SeededGenerator(seed: seed)
    var values = (0..<leaves).map { Value(Double($0) / 3 - 1, label: "x\($0)") }
    for _ in 0..<ops {
      let a = values[Int.random(in: 0..<values.count, using: &rng)]
      let b = values[Int.random(in: 0..<values.count, using: &rng)]
      switch Int.random(in: 0..<5, using: &rng) {
      case 0: values.append(a + b)
      case 1: values.append(a * b)
      case 2: values.append(a.tanh())
      case 3: values.append(a * 0.5)
      default: values.append(Value.dot([a, b], [values[0], values[1]]))
      }
    }
    return Value.sum(Array(values.suffix(5)))
  }

  static func layout(_ root: Value, collapse: Bool = false) -> GraphLayout {
    GraphSVG(GraphSnapshot(root: root), options: GraphPictureOptions(collapsesNeurons: collapse)).layout
  }
}

@Suite("GraphPicture: layered layout")
struct GraphPictureLayoutTests {
  static let seeds: [UInt64] = [1, 2, 3, 4, 5]

  @Test func sameGraphSameLayoutAndBytes() {
    let first = Tape().withCurrent { LayoutGraphs.mlpLoss(layerSizes: [4, 3, 1]).svg() }
    let second = Tape().withCurrent { LayoutGraphs.mlpLoss(layerSizes: [4, 3, 1]).svg() }
    #expect(first == second)
    let third = Tape().withCurrent { LayoutGraphs.random(seed: 9).svg(.init(collapsesNeurons: true)) }
    let fourth = Tape().withCurrent { LayoutGraphs.random(seed: 9).svg(.init(collapsesNeurons: true)) }
    #expect(third == fourth)
  }

  @Test(arguments: seeds) func everyNodeAppearsOnce(seed: UInt64) {
    Tape().withCurrent {
      let root = LayoutGraphs.random(seed: seed)
      let graph = GraphSnapshot(root: root)
      let layout = LayoutGraphs.layout(root)
      let records = layout.items.filter { $0.kind == .value }.map(\.node)
      #expect(records.sorted() == Array(graph.nodes.indices))
      let ops = layout.items.filter { $0.kind == .op }.map(\.node)
      #expect(ops.sorted() == graph.nodes.indices.filter { graph.nodes[$0].op != .leaf })
      let placed = layout.layers.flatMap { $0 }
      #expect(placed.sorted() == Array(layout.items.indices))
    }
  }

  @Test(arguments: seeds) func layersRespectEdges(seed: UInt64) {
    Tape().withCurrent {
      let layout = LayoutGraphs.layout(LayoutGraphs.random(seed: seed))
      for edge in layout.edges {
        let chain = [edge.from] + edge.via + [edge.to]
        for (a, b) in zip(chain, chain.dropFirst()) {
          #expect(layout.items[a].layer + 1 == layout.items[b].layer)
        }
        #expect(layout.items[edge.from].layer < layout.items[edge.to].layer)
      }
      // An operand's record is left of its user's record.
      let graph = GraphSnapshot(root: LayoutGraphs.random(seed: seed))
      let recordLayer = Dictionary(
        uniqueKeysWithValues: layout.items.filter { $0.kind == .value }.map { (graph.nodes[$0.node].index, $0.layer) })
      for node in graph.nodes {
        for operand in node.operands {
          #expect((recordLayer[operand] ?? .max) < (recordLayer[node.index] ?? .min))
        }
      }
    }
  }

  @Test(arguments: seeds) func crossingReductionNeverAddsCrossings(seed: UInt64) {
    Tape().withCurrent {
      let layout = LayoutGraphs.layout(LayoutGraphs.random(seed: seed, leaves: 8, ops: 60))
      #expect(layout.crossings <= layout.initialCrossings)
      #expect(layout.crossings == GraphLayout.crossings(layout.segments(), rank: layout.ranks()))
    }
  }

  @Test func crossingReductionOnAnMLP() {
    Tape().withCurrent {
      let layout = LayoutGraphs.layout(LayoutGraphs.mlpLoss(layerSizes: [4, 4, 1]))
      #expect(layout.crossings <= layout.initialCrossings)
      let collapsed = LayoutGraphs.layout(LayoutGraphs.mlpLoss(layerSizes: [4, 4, 1]), collapse: true)
      #expect(collapsed.crossings <= collapsed.initialCrossings)
    }
  }

  @Test func itemsDoNotOverlapWithinALayer() {
    Tape().withCurrent {
      let layout = LayoutGraphs.layout(LayoutGraphs.neuron())
      for layer in layout.layers {
        for (a, b) in zip(layer, layer.dropFirst()) {
          let upper = layout.items[a]
          let lower = layout.items[b]
          #expect(upper.y + upper.height / 2 < lower.y - lower.height / 2)
        }
      }
      #expect(layout.items.allSatisfy { $0.x > 0 && $0.x < layout.width && $0.y > 0 && $0.y < layout.height })
    }
  }

  @Test func collapseGivesOneRecordPerNeuron() {
    Tape().withCurrent {
      let root = LayoutGraphs.mlpLoss()
      let graph = GraphSnapshot(root: root)
      let groups = NeuronGroups(graph)
      #expect(groups.groups.count == 16 + 16 + 1)
      #expect(groups.groups.filter { $0.activation != nil }.count == 32)
      let layout = LayoutGraphs.layout(root, collapse: true)
      let records = layout.items.filter { $0.kind == .value }.map(\.node)
      #expect(Set(records).count == records.count)
      for group in groups.groups {
        #expect(records.filter { $0 == group.output }.count == 1)
        #expect(!records.contains(group.sum))
        if group.activation != nil { #expect(!records.contains(group.preActivation)) }
      }
      // Parameters (2·16+16 + 16·16+16 + 16+1; the inputs are constants of
      // the first layer's dot products), the loss's 1 (a leaf), 33 neurons,
      // and the loss's − and pow 2.
      #expect(records.count == 337 + 1 + 33 + 2)
      let ops = layout.items.filter { $0.kind == .op }
      #expect(ops.count == 2)
    }
  }
}
