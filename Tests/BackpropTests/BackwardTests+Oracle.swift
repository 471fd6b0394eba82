// The randomized oracle of `backward()`: the engine's sparse sweep against a plain dense reverse
// loop on seeded random DAGs of up to half a million nodes.

import Backprop
import Foundation
import Testing

extension BackwardTests {
  // MARK: - Randomized oracle

  struct OracleCase: Sendable, CustomTestStringConvertible {
    let seed: UInt64
    let nodes: Int
    var testDescription: String { "seed \(seed), \(nodes) nodes" }
  }

  /// Sizes from a few words of the bitmap to more than two level-2 words
  /// (2¹⁸ nodes each).
  static let oracleCases = [
    OracleCase(seed: 1, nodes: 300),
    OracleCase(seed: 2, nodes: 700),
    OracleCase(seed: 3, nodes: 5_000),
    OracleCase(seed: 4, nodes: 30_000),
    OracleCase(seed: 5, nodes: 120_000),
    OracleCase(seed: 6, nodes: 560_000),
  ]

  /// Records seeded random DAGs, differentiates several outputs of one tape
  /// in a row (a dense one, a sparse one, one whose graph spans the whole
  /// tape, an interior node in the middle, a leaf), grows the tape and does
  /// it again, and after every sweep compares the gradient of EVERY node
  /// with a dense reference: leaves accumulate, reached interior nodes hold
  /// this sweep's gradient, and nothing else changes.
  @Test(arguments: oracleCases)
  func randomGraphsMatchADenseReference(_ c: OracleCase) throws {
    let tape = Tape()
    try tape.withCurrent {
      var graph = RandomGraph(seed: c.seed)
      var checker = ExpectedGradients()
      for (phase, size) in [(0, c.nodes / 3), (1, c.nodes)] {
        graph.extend(to: size)
        let outputs = graph.outputs(phase: phase)
        checker.grow(to: graph.count)
        #expect(tape.count == graph.count)
        let forward = graph.forwardMismatch()
        #expect(forward == nil, "forward value differs: \(forward ?? "")")
        for (k, (root, seed)) in outputs.enumerated() {
          let reference = graph.reference(from: root, seed: seed)
          try #require(reference.grad.allSatisfy { $0.isFinite })
          if k == 1 || k == 2 {
            // The thin outputs reach few nodes, spread over the whole tape.
            let reached = reference.reached.lazy.filter { $0 }.count
            #expect(reached * 10 < graph.count, "\(reached) nodes reached")
          }
          checker.apply(reference, kinds: graph.kind)
          graph.values[root].backward(gradient: seed)
          let mismatch = checker.firstMismatch(graph.values)
          #expect(
            mismatch == nil,
            "phase \(phase), backward from node \(root) (\(graph.kind[root])): \(mismatch ?? "")")
        }
      }
    }
  }

  /// A DAG recorded twice: on the current tape, and in plain arrays from
  /// which a dense reverse loop computes reference gradients.
  struct RandomGraph {
    enum Kind: UInt8 {
      case leaf, add, subtract, multiply, negate, tanh, sigmoid
      case addConstant, multiplyConstant, constantMinus, sum, dot
    }

    var kind: [Kind] = []
    var start: [Int] = []
    var arity: [Int] = []
    var constant: [Double] = []
    var operands: [Int] = []
    var data: [Double] = []
    var values: [Value] = []

    /// Nodes later nodes may use (nodes of dead blocks are not).
    var live: [Int] = []
    /// The leaves recorded first, used from anywhere above.
    var leaves: [Int] = []
    /// Interior nodes recorded right after the first leaves.
    var early: [Int] = []
    /// A thin chain of nodes spread over the tape, each using only earlier
    /// chain nodes and the first leaves: outputs with a sparse graph.
    var sparse: [Int] = []
    var deadRemaining = 0
    var rng: SeededGenerator

    init(seed: UInt64) {
      rng = SeededGenerator(seed: seed)
      for _ in 0..<32 {
        let leaf = record(.leaf, [], rng.nextUniform(in: -2, 2))
        leaves.append(leaf)
        live.append(leaf)
      }
      let e1 = record(.multiply, [leaves[0], leaves[1]])
      let e2 = record(.tanh, [e1])
      let e3 = record(.sum, [e2, leaves[2], e1])
      early = [e1, e2, e3]
    }

    var count: Int { kind.count }

    mutating func random(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    /// Records one node on the tape and in the arrays; returns its index.
    @discardableResult
    mutating func record(_ k: Kind, _ ops: [Int], _ c: Double = 0) -> Int {
      let v: Double
      let value: Value
      switch k {
      case .leaf:
        v = c
        value = Value(c)
      case .add:
        v = data[ops[0]] + data[ops[1]]
        value = values[ops[0]] + values[ops[1]]
      case .subtract:
        v = data[ops[0]] - data[ops[1]]
        value = values[ops[0]] - values[ops[1]]
      case .multiply:
        v = data[ops[0]] * data[ops[1]]
        value = values[ops[0]] * values[ops[1]]
      case .negate:
        v = -data[ops[0]]
        value = -values[ops[0]]
      case .tanh:
        v = Foundation.tanh(data[ops[0]])
        value = values[ops[0]].tanh()
      case .sigmoid:
        let x = data[ops[0]]
        v = x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
        value = values[ops[0]].sigmoid()
      case .addConstant:
        v = data[ops[0]] + c
        value = values[ops[0]] + c
      case .multiplyConstant:
        v = data[ops[0]] * c
        value = values[ops[0]] * c
      case .constantMinus:
        v = c - data[ops[0]]
        value = c - values[ops[0]]
      case .sum:
        var total = 0.0
        for o in ops { total += data[o] }
        v = total
        value = Value.sum(ops.map { values[$0] })
      case .dot:
        var total = 0.0
        var xs: [Value] = []
        var ys: [Value] = []
        for k in stride(from: 0, to: ops.count, by: 2) {
          total += data[ops[k]] * data[ops[k + 1]]
          xs.append(values[ops[k]])
          ys.append(values[ops[k + 1]])
        }
        v = total
        value = Value.dot(xs, ys)
      }
      kind.append(k)
      start.append(operands.count)
      arity.append(ops.count)
      operands.append(contentsOf: ops)
      constant.append(c)
      data.append(v)
      values.append(value)
      return kind.count - 1
    }

    /// An operand: mostly recent, sometimes anywhere, sometimes a first leaf.
    mutating func pick() -> Int {
      let r = rng.nextUniform()
      if r < 0.55 {
        return live[live.count - 1 - random(Swift.min(48, live.count))]
      } else if r < 0.85 {
        return live[random(live.count)]
      } else {
        return leaves[random(leaves.count)]
      }
    }

    /// Records `node`, then tanh of it when it is large, so that values and
    /// gradients stay moderate; returns the node to use from now on.
    mutating func moderate(_ node: Int) -> Int {
      Swift.abs(data[node]) > 4 ? record(.tanh, [node]) : node
    }

    mutating func pickSparse() -> Int {
      if !sparse.isEmpty && rng.nextUniform() < 0.7 {
        return sparse[sparse.count - 1 - random(Swift.min(4, sparse.count))]
      }
      return leaves[random(leaves.count)]
    }

    mutating func appendSparse() {
      let choice = random(5)
      var ops: [Int] = []
      for _ in 0..<[2, 2, 3, 1, 3][choice] { ops.append(pickSparse()) }
      let kinds: [Kind] = [.add, .multiply, .sum, .sigmoid, .dot]
      if choice == 4 { ops.append(early[2]) }
      sparse.append(moderate(record(kinds[choice], ops)))
    }

    /// Records random nodes until the tape holds `target`.
    mutating func extend(to target: Int) {
      while count < target {
        if deadRemaining == 0 && rng.nextUniform() < 0.002 {
          deadRemaining = 50 + random(6_000)
        }
        let dead = deadRemaining > 0
        if dead { deadRemaining -= 1 }
        if rng.nextUniform() < 0.003 {
          appendSparse()
          continue
        }
        let choice = random(14)
        var ops: [Int] = []
        let arity =
          switch choice {
          case 0: 0
          case 1, 2, 3, 4, 5: 2
          case 12: 2 + random(7)
          case 13: 2 * (1 + random(4))
          default: 1
          }
        for _ in 0..<arity { ops.append(pick()) }
        let kinds: [Kind] = [
          .leaf, .add, .add, .subtract, .multiply, .multiply, .tanh, .sigmoid, .negate,
          .addConstant, .multiplyConstant, .constantMinus, .sum, .dot,
        ]
        let c: Double =
          switch choice {
          case 0: rng.nextUniform(in: -2, 2)
          case 9, 11: rng.nextUniform(in: -1, 1)
          case 10: rng.nextUniform(in: -1.5, 1.5)
          default: 0
          }
        var node = record(kinds[choice], ops, c)
        node = moderate(node)
        if !dead { live.append(node) }
      }
    }

    /// The outputs to differentiate, in order, with their seeds. Each is
    /// recorded now (except the middle node and the leaf).
    mutating func outputs(phase: Int) -> [(Int, Double)] {
      var recent: [Int] = []
      for _ in 0..<4 { recent.append(live[live.count - 1 - random(8)]) }
      let top = record(.sum, recent)
      appendSparse()
      let thin = sparse.last!
      let far = record(.multiply, [early[1], thin])
      let farther = record(.add, [leaves[5], early[2]])
      var middle = live[live.count / 2]
      while kind[middle] == .leaf { middle -= 1 }
      let leaf = leaves[3 + phase]
      var result = [
        (top, 1.0), (thin, -0.75), (far, 2.5), (middle, 0.5), (leaf, 1.25), (farther, -1.0),
        (top, 1.0),
      ]
      if phase > 0 {
        // Outputs of the first phase, now far below the top of the tape.
        result += [(middle / 2, 1.5), (early[2], 1.0), (sparse[sparse.count / 3], 0.25)]
      }
      return result
    }

    /// The gradients of `root` seeded with `seed`, by a dense reverse loop
    /// over every node from `root` down; also which nodes the sweep reaches
    /// and, per node, the sum of the magnitudes of its contributions (a
    /// bound for rounding errors).
    func reference(from root: Int, seed: Double) -> Reference {
      var grad = [Double](repeating: 0, count: root + 1)
      var scale = [Double](repeating: 0, count: root + 1)
      var reached = [Bool](repeating: false, count: root + 1)
      grad[root] = seed
      scale[root] = Swift.abs(seed)
      reached[root] = true
      for i in stride(from: root, through: 0, by: -1) where reached[i] {
        let g = grad[i]
        let s = scale[i]
        func add(_ j: Int, _ local: Double) {
          grad[j] += g * local
          scale[j] += s * Swift.abs(local)
          reached[j] = true
        }
        let first = start[i]
        let a = arity[i] > 0 ? operands[first] : 0
        let b = arity[i] > 1 ? operands[first + 1] : 0
        switch kind[i] {
        case .leaf: break
        case .add:
          add(a, 1)
          add(b, 1)
        case .subtract:
          add(a, 1)
          add(b, -1)
        case .multiply:
          add(a, data[b])
          add(b, data[a])
        case .negate, .constantMinus: add(a, -1)
        case .tanh: add(a, 1 - data[i] * data[i])
        case .sigmoid: add(a, data[i] * (1 - data[i]))
        case .addConstant: add(a, 1)
        case .multiplyConstant: add(a, constant[i])
        case .sum:
          for k in first..<(first + arity[i]) { add(operands[k], 1) }
        case .dot:
          for k in stride(from: first, to: first + arity[i], by: 2) {
            let x = operands[k]
            let y = operands[k + 1]
            add(x, data[y])
            add(y, data[x])
          }
        }
      }
      return Reference(grad: grad, scale: scale, reached: reached)
    }

    /// The first node whose engine value differs from the reference's.
    func forwardMismatch() -> String? {
      for i in 0..<count {
        let engine = values[i].data
        if values[i].id != i {
          return "node \(i) has id \(values[i].id)"
        }
        if !(Swift.abs(engine - data[i]) <= 1e-13 * Swift.max(1, Swift.abs(data[i]))) {
          return "node \(i) (\(kind[i])): engine \(engine), reference \(data[i])"
        }
      }
      return nil
    }
  }

  struct Reference {
    var grad: [Double]
    var scale: [Double]
    var reached: [Bool]
  }

  /// What every node's gradient must be after the sweeps so far.
  struct ExpectedGradients {
    var grad: [Double] = []
    var scale: [Double] = []

    mutating func grow(to n: Int) {
      grad += repeatElement(0, count: n - grad.count)
      scale += repeatElement(0, count: n - scale.count)
    }

    /// Leaves accumulate; reached interior nodes take this sweep's gradient.
    mutating func apply(_ r: Reference, kinds: [RandomGraph.Kind]) {
      for j in r.grad.indices where r.reached[j] {
        if kinds[j] == .leaf {
          grad[j] += r.grad[j]
          scale[j] += r.scale[j]
        } else {
          grad[j] = r.grad[j]
          scale[j] = r.scale[j]
        }
      }
    }

    /// The number of nodes whose gradient is wrong, and the first of them.
    func firstMismatch(_ values: [Value]) -> String? {
      var wrong = 0
      var first: String?
      for j in grad.indices {
        let engine = values[j].grad
        let ok = engine == grad[j] || Swift.abs(engine - grad[j]) <= 1e-12 * scale[j]
        if !ok {
          wrong += 1
          if first == nil { first = "node \(j): engine \(engine), reference \(grad[j])" }
        }
      }
      return first.map { "\(wrong) wrong gradients; first at \($0)" }
    }
  }
}
