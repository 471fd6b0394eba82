// A copy of the graph below one value, node by node, for the code that walks
// a graph: the graph pictures and the backward trace.

/// A read-only copy of the graph below one value: its nodes in creation
/// (topological) order, each with its op, label, data, gradient, operands
/// and constants as the tape's columns held them when it was made.
///
/// The graph exports (`GraphExport.swift`) read the tape only through it.
/// The backward trace (`Engine/Sweeps/BackwardTrace.swift`) takes its nodes,
/// their order, operands and constants from it, but reads the root's op,
/// the operands' data and the labels from the columns, and writes the
/// gradients into them, as the sweep it mirrors does.
struct GraphSnapshot {
  struct Node {
    /// The node's index on the tape.
    var index: Int
    var op: OpCode
    /// The op's name: ``OpCode/name``, or a user-defined function's own.
    var name: String
    var label: String?
    var data: Double
    var grad: Double
    /// Operand indices, in the op's order (both operands of `x * y`, every
    /// term of a sum; for a dot product x₀ y₀ x₁ y₁ …).
    var operands: [Int]
    /// The op's constants: `c` of `x * c`, the slope of leakyReLU, the
    /// coefficients of a dot product with constants.
    var constants: [Double]
  }

  /// The nodes the root depends on, and the root, ascending by index.
  var nodes: [Node]

  /// Collects the nodes `root` depends on with an explicit stack (no
  /// recursion, so any depth is safe).
  init(root: Value) {
    let s = root.storage
    let rootIndex = root.node
    var visited = Set<Int>([rootIndex])
    var stack = [rootIndex]
    var collected: [Node] = []
    while let i = stack.popLast() {
      let node = Self.node(i, in: s)
      collected.append(node)
      for j in node.operands where visited.insert(j).inserted {
        stack.append(j)
      }
    }
    nodes = collected.sorted { $0.index < $1.index }
  }

  static func node(_ i: Int, in s: UnsafeMutablePointer<TapeStorage>) -> Node {
    let t = s.pointee
    let op = t.op[i]
    let a = Int(t.lhs[i])
    let b = Int(t.rhs[i])
    var operands: [Int] = []
    t.forEachOperand(of: i) { operands.append($0) }
    var constants: [Double] = []
    if op == .dotConstant {
      let c = Int(t.operands[a])
      constants = (c..<(c + b)).map { t.constants[$0] }
    } else if op.hasConstant {
      constants = [t.constants[b]]
    }
    let name = op == .custom ? t.functions[b].name : op.name
    return Node(
      index: i, op: op, name: name, label: t.labels[UInt32(i)], data: t.data[i], grad: t.grad[i],
      operands: operands, constants: constants)
  }
}

extension GraphSnapshot {
  /// The position in ``nodes`` of the node with tape index `index`, if it
  /// is one of them (a binary search: the nodes are sorted by index).
  func position(of index: Int) -> Int? {
    var low = 0
    var high = nodes.count
    while low < high {
      let mid = (low + high) / 2
      if nodes[mid].index < index { low = mid + 1 } else { high = mid }
    }
    return low < nodes.count && nodes[low].index == index ? low : nil
  }

  /// The label of the node with tape index `index`, if it is one of the
  /// snapshot's nodes and has one.
  func label(of index: Int) -> String? {
    position(of: index).flatMap { nodes[$0].label }
  }
}
