// Which nodes of a graph make up one neuron, for pictures that draw a neuron
// as one box and for the step-through page's formulas in the notes' notation.

/// The neurons of a graph: a weighted sum (`dot`, `dot c` or `sum`) used
/// only by an addition (the bias, a value or a constant), optionally
/// followed by the one unary function (the activation) that alone uses it. This is
/// what `Neuron` records: `activation(Value.dot(weights, x) + bias)`.
///
/// Positions are indices into ``GraphSnapshot/nodes``.
struct NeuronGroups {
  struct Group {
    /// The weighted sum.
    var sum: Int
    /// The bias addition: z of the notes (Z = W·A + B).
    var preActivation: Int
    /// The activation, if any: a of the notes (A = a(Z)).
    var activation: Int?
    /// The group's output: the activation, or z for a linear neuron.
    var output: Int { activation ?? preActivation }
  }

  var groups: [Group] = []
  /// Positions drawn inside their group's output (the sum, and z when an
  /// activation follows).
  var hidden = Set<Int>()
  private var groupOfOutput: [Int: Int] = [:]
  private var groupOfMember: [Int: Int] = [:]

  init(_ graph: GraphSnapshot) {
    let nodes = graph.nodes
    var users = Array(repeating: [Int](), count: nodes.count)
    for (k, node) in nodes.enumerated() {
      for o in node.operands { if let p = graph.position(of: o) { users[p].append(k) } }
    }
    for (k, node) in nodes.enumerated() where [.dot, .dotConstant, .sum].contains(node.op) {
      guard users[k].count == 1, let z = users[k].first else { continue }
      let zNode = nodes[z]
      guard zNode.op == .add || zNode.op == .addConstant, Set(zNode.operands).count == zNode.operands.count
      else { continue }
      var group = Group(sum: k, preActivation: z, activation: nil)
      if users[z].count == 1, let a = users[z].first {
        let op = nodes[a].op
        // An activation: a unary function (relu, sigmoid, a custom one), not arithmetic with a constant.
        if op.layout == .unary || op.layout == .unaryFunction || op == .leakyReLU || op == .elu, op != .negate {
          group.activation = a
        }
      }
      let g = groups.count
      groups.append(group)
      for member in [group.sum, group.preActivation] + (group.activation.map { [$0] } ?? []) {
        groupOfMember[member] = g
      }
      groupOfOutput[group.output] = g
      hidden.insert(group.sum)
      if group.activation != nil { hidden.insert(group.preActivation) }
    }
  }

  /// The group whose output is at `position`, if any.
  func output(_ position: Int) -> Group? {
    groupOfOutput[position].map { groups[$0] }
  }

  /// The group `position` belongs to (as its sum, z or activation).
  func group(containing position: Int) -> Group? {
    groupOfMember[position].map { groups[$0] }
  }

  /// What a picture draws as the inputs of `position`: for a neuron's
  /// output, the sum's operands and the bias; otherwise the node's operands.
  func operands(of position: Int, in graph: GraphSnapshot) -> [Int] {
    let nodes = graph.nodes
    guard let group = output(position) else { return nodes[position].operands.compactMap(graph.position(of:)) }
    let sumIndex = nodes[group.sum].index
    let bias = nodes[group.preActivation].operands.filter { $0 != sumIndex }
    return (nodes[group.sum].operands + bias).compactMap(graph.position(of:))
  }

  /// The op summary of a collapsed neuron: `Σ+b`, `Σ+b sigmoid`.
  static func summary(_ group: Group, in graph: GraphSnapshot) -> String {
    let sum = graph.nodes[group.sum].op == .sum ? "Σ" : "w·x"
    guard let a = group.activation else { return "\(sum)+b" }
    return "\(sum)+b \(GraphText.opLabel(graph.nodes[a]))"
  }
}
