// Tests of `backward()`: reuse, accumulation across calls, zeroing, the
// gradients of leaves and interior nodes, signs, and a randomized oracle that
// compares the engine's sparse sweep with a plain dense reverse loop on
// seeded random DAGs of up to half a million nodes.
//
// Every test records on a fresh tape made current with `withCurrent`.

import Backprop
import Foundation
import Testing

@Suite("Backward")
struct BackwardTests {
  // MARK: - Reuse

  @Test func valueAddedToItself() {
    Tape().withCurrent {
      let a = Value(3.0)
      let y = a + a
      y.backward()
      #expect(y.data == 6)
      #expect(a.grad == 2)
    }
  }

  @Test func valueMultipliedByItself() {
    Tape().withCurrent {
      let a = Value(3.0)
      let y = a * a
      y.backward()
      #expect(y.data == 9)
      #expect(a.grad == 6)
    }
  }

  /// h = a·b, y = h·(h + 1): ∂y/∂h = 2h + 1 = 13 at a = 2, b = 3, so
  /// ∂y/∂a = 13·b = 39 and ∂y/∂b = 13·a = 26.
  @Test func diamond() {
    Tape().withCurrent {
      let a = Value(2.0)
      let b = Value(3.0)
      let h = a * b
      let y = h * (h + 1)
      y.backward()
      #expect(y.data == 42)
      #expect(h.grad == 13)
      #expect(a.grad == 39)
      #expect(b.grad == 26)
    }
  }

  @Test func valueSharedByManyPaths() {
    Tape().withCurrent {
      let x = Value(0.5)
      // Σₖ k·x for k = 1…1000: ∂/∂x = 500,500.
      let y = Value.sum((1...1_000).map { x * Double($0) })
      y.backward()
      #expect(x.grad == 500_500)

      let z = Value(0.25)
      var chain = z
      for _ in 0..<1_000 { chain = chain + z }
      chain.backward()
      #expect(z.grad == 1_001)

      let u = Value(1.5)
      let v = Value(-2.0)
      let repeated = Value.sum([u, u, v, u])
      repeated.backward()
      #expect(u.grad == 3)
      #expect(v.grad == 1)

      // x·x + x·v with x appearing three times: ∂/∂x = 2x + v, ∂/∂v = x.
      let p = Value(1.25)
      let q = Value(-0.5)
      let d = Value.dot([p, p], [p, q])
      d.backward()
      #expect(p.grad == 2 * 1.25 - 0.5)
      #expect(q.grad == 1.25)
    }
  }

  /// A parameter shared by two "neurons" receives the sum of both paths.
  @Test func parameterSharedByTwoNeurons() {
    Tape().withCurrent {
      let w = Value(0.3)
      let x1 = Value(1.5)
      let x2 = Value(-2.0)
      let n1 = (w * x1).tanh()
      let n2 = (w * x2).tanh()
      let y = n1 + n2
      y.backward()
      let t1 = Foundation.tanh(0.3 * 1.5)
      let t2 = Foundation.tanh(0.3 * -2.0)
      let expected = (1 - t1 * t1) * 1.5 + (1 - t2 * t2) * -2.0
      #expect(Swift.abs(w.grad - expected) <= 1e-15)
    }
  }

  // MARK: - Accumulation across calls

  @Test func secondBackwardDoublesLeafGradientsExactly() {
    Tape().withCurrent {
      let a = Value(2.0)
      let b = Value(-3.0)
      let h = a * b
      let y = h * (h + a)
      y.backward()
      let once = (a.grad, b.grad)
      // ∂y/∂a = (2h + a)·b + h = 24 and ∂y/∂b = (2h + a)·a = −20 at h = −6.
      #expect(once == (24, -20))
      y.backward()
      #expect(a.grad == 2 * once.0)
      #expect(b.grad == 2 * once.1)
      y.backward()
      #expect(a.grad == 3 * once.0)
      #expect(b.grad == 3 * once.1)
    }
  }

  @Test(arguments: [1.0, 2.5, -0.75])
  func secondBackwardDoublesLeafGradients(seed: Double) {
    Tape().withCurrent {
      let xs = [0.3, -1.1, 0.7].map { Value($0) }
      let y = (xs[0] * xs[1] + xs[2].tanh()).sigmoid() * xs[0] + Value.dot(xs, xs)
      y.backward(gradient: seed)
      let once = xs.map(\.grad)
      y.backward(gradient: seed)
      for (x, g) in zip(xs, once) {
        #expect(g != 0)
        #expect(Swift.abs(x.grad - 2 * g) <= 1e-14 * Swift.max(1, Swift.abs(g)))
      }
    }
  }

  @Test func upstreamGradientScalesEveryGradient() {
    let expressions: [([Value]) -> Value] = [
      { x in (x[0] * x[1] + x[0].pow(2)).tanh() / 2 - 1 },
      { x in Value.sum(x.map { $0.sigmoid() }) * x[1] - x[2] },
    ]
    for f in expressions {
      let (unit, scaled) = Tape().withCurrent { () -> ([Double], [Double]) in
        let x = [2.0, -3.0, 0.5].map { Value($0) }
        let y = f(x)
        y.backward()
        let unit = x.map(\.grad)
        Tape.current.zeroGrad()
        y.backward(gradient: 2.0)
        return (unit, x.map(\.grad))
      }
      // Doubling is exact in binary floating point.
      #expect(scaled == unit.map { 2 * $0 })
    }
  }

  // MARK: - Zeroing

  /// The graph used by the zeroing tests: reuse, a diamond, n-ary nodes.
  static func zeroingGraph(_ x: [Value]) -> Value {
    let h = x[0] * x[1]
    let s = Value.sum([h, x[2], h.tanh()])
    return (s * s + Value.dot([x[0], x[1]], [x[2], x[0]])).sigmoid() + h / x[2]
  }

  static let zeroingPoint = [0.75, -1.25, 0.5]

  /// Gradients of `zeroingGraph` on a tape that has seen nothing else.
  static func freshGradients() -> [Double] {
    Tape().withCurrent {
      let x = zeroingPoint.map { Value($0) }
      zeroingGraph(x).backward()
      return x.map(\.grad)
    }
  }

  enum ZeroingMethod: String, CaseIterable, Sendable {
    case eachValue, tape, tapeWithValues
  }

  @Test(arguments: ZeroingMethod.allCases)
  func afterZeroingGradientsAreBitIdenticalToAFreshGraph(method: ZeroingMethod) {
    let fresh = Self.freshGradients()
    let tape = Tape()
    tape.withCurrent {
      let x = Self.zeroingPoint.map { Value($0) }
      let y = Self.zeroingGraph(x)
      y.backward()
      y.backward(gradient: 3)
      switch method {
      case .eachValue: x.forEach { $0.zeroGrad() }
      case .tape: tape.zeroGrad()
      case .tapeWithValues: tape.zeroGrad(x)
      }
      #expect(x.allSatisfy { $0.grad == 0 })
      y.backward()
      #expect(x.map(\.grad) == fresh)
    }
  }

  @Test func tapeZeroGradZeroesInteriorNodesToo() {
    Tape().withCurrent {
      let a = Value(2.0)
      let h = a * a
      let y = h.tanh()
      y.backward()
      #expect(h.grad != 0 && y.grad == 1)
      Tape.current.zeroGrad()
      #expect(a.grad == 0 && h.grad == 0 && y.grad == 0)
    }
  }

  // MARK: - Leaves and interior nodes

  @Test func backwardOnALeafAddsToItsGradientOnly() {
    let tape = Tape()
    tape.withCurrent {
      let a = Value(2.0)
      let b = Value(5.0)
      let y = a * b
      y.backward()
      #expect(a.grad == 5 && b.grad == 2 && y.grad == 1)
      let count = tape.count
      a.backward()
      #expect(a.grad == 6)
      #expect(b.grad == 2)
      #expect(y.grad == 1)
      a.backward(gradient: 2.5)
      #expect(a.grad == 8.5)
      #expect(b.grad == 2)
      #expect(y.grad == 1)
      #expect(tape.count == count)
      let lonely = Value(7.0)
      lonely.backward()
      #expect(lonely.grad == 1)
      #expect(a.grad == 8.5)
    }
  }

  @Test func interiorNodesHoldTheMostRecentSweep() {
    Tape().withCurrent {
      let a = Value(2.0)
      let h = a * a  // 4
      let y = h * 3.0  // 12
      let unrelated = h + 1.0  // never reached from y
      y.backward()
      #expect(y.grad == 1 && h.grad == 3 && a.grad == 12)
      y.backward()
      // The leaf accumulates; the interior nodes hold one sweep's gradient.
      #expect(y.grad == 1 && h.grad == 3 && a.grad == 24)
      y.backward(gradient: 2)
      #expect(y.grad == 2 && h.grad == 6 && a.grad == 48)
      // A sweep from h seeds it and does not touch y, above it.
      h.backward()
      #expect(h.grad == 1)
      #expect(y.grad == 2)
      #expect(a.grad == 52)
      h.backward(gradient: 5)
      #expect(h.grad == 5)
      #expect(a.grad == 72)
      #expect(unrelated.grad == 0)
      // A sweep that reaches h through another path restarts it from zero.
      unrelated.backward(gradient: 0.5)
      #expect(unrelated.grad == 0.5)
      #expect(h.grad == 0.5)
      #expect(y.grad == 2)
      #expect(a.grad == 72 + 0.5 * 4)
    }
  }

  @Test func emptySumAndDotHaveNoOperandsToReach() {
    Tape().withCurrent {
      let a = Value(1.0)
      let b = a * a
      let s = Value.sum([])
      #expect(s.data == 0)
      s.backward()
      #expect(s.grad == 1)
      let d = Value.dot([Value](), [Value]())
      #expect(d.data == 0)
      d.backward(gradient: 3)
      #expect(d.grad == 3)
      #expect(a.grad == 0 && b.grad == 0)
      let t = Tape()
      t.withCurrent {
        let first = Value.sum([])  // an interior node at index 0
        #expect(first.id == 0)
        first.backward()
        #expect(first.grad == 1)
      }
    }
  }

  // MARK: - Signs

  @Test func constantMinusAndConstantDivideHaveTheRightSign() {
    Tape().withCurrent {
      let a = Value(2.0)
      let three = 3.0
      let y1 = three - a
      let y2 = three / a
      let y3 = 3 - a  // a literal: a leaf and a Value − Value node
      let y4 = 3 / a
      let y5 = a - three
      let y6 = a / 4.0
      #expect([y1.data, y2.data, y3.data, y4.data, y5.data, y6.data] == [1, 1.5, 1, 1.5, -1, 0.5])
      let expected = [-1.0, -0.75, -1, -0.75, 1, 0.25]
      for (y, g) in zip([y1, y2, y3, y4, y5, y6], expected) {
        a.zeroGrad()
        y.backward()
        #expect(a.grad == g)
      }
      let minusA = -a
      a.zeroGrad()
      minusA.backward(gradient: 2)
      #expect(a.grad == -2)
    }
  }

  // MARK: - Control flow

  /// A branch the host code did not take records nothing, so a NaN it would
  /// have produced cannot leak into the gradients.
  @Test func aBranchNotTakenIsNotRecorded() {
    let tape = Tape()
    tape.withCurrent {
      let x = Value(-1.0)
      let before = tape.count
      let two = 2.0  // a Double, not a literal: one node
      let y = x.data > 0 ? x.log() : x * two
      #expect(tape.count == before + 1)
      let z = x.data >= 0 ? x.sqrt() : (-x).sqrt()
      #expect(tape.count == before + 3)
      let total = y + z
      total.backward()
      #expect(!x.grad.isNaN)
      #expect(x.grad == 2 - 0.5)
    }
  }

  // MARK: - Skipping what the output does not reach

  /// Parameters (and one node computed from them) recorded first, then
  /// 300,000 nodes of unrelated graphs that use them (some differentiated),
  /// then a loss: the sweep jumps from the top of the tape to its bottom,
  /// across level-2 words of the bitmap; the loss's gradients are exact and
  /// contain nothing from the unrelated graphs, whose nodes keep the
  /// gradients their own sweeps gave them.
  @Test func sweepSkipsUnrelatedGraphsBetweenParametersAndLoss() {
    let tape = Tape()
    tape.withCurrent {
      let inputs = [0.5, -1.5, 2.0, 0.25]
      let p = inputs.indices.map { Value(0.1 * Double($0 + 1)) }
      let product = p[0] * p[1]
      var probes: [(Value, Double)] = []
      var step = 0
      while tape.count < 300_000 {
        let h = Value.dot(p, (0..<4).map { Double(($0 + step) % 5) })
        let junk = (h * p[step % 4]).tanh() + (p[0] - h).sigmoid()
        if step % 1_000 == 0 {
          junk.backward()
          probes.append((h, h.grad))
        }
        step += 1
      }
      tape.zeroGrad(p)
      let z = Value.dot(p, inputs)
      let loss = z.tanh() + product
      loss.backward()
      #expect(product.grad == 1)
      var zByHand = 0.0
      for (param, x) in zip(p, inputs) { zByHand += param.data * x }
      let t = Foundation.tanh(zByHand)
      var expected = inputs.map { (1 - t * t) * $0 }
      expected[0] += p[1].data
      expected[1] += p[0].data
      for (param, e) in zip(p, expected) {
        #expect(Swift.abs(param.grad - e) <= 1e-15)
      }
      #expect(probes.count > 10)
      #expect(probes.allSatisfy { $0.0.grad == $0.1 })
    }
  }

  /// A micrograd-style training loop written without scopes: parameters
  /// first, then each of 50 steps records its own graph (plus some that is
  /// never differentiated). Each step's gradients match the hand-derived
  /// formula, so nothing leaks from the graphs of earlier steps.
  @Test func trainingLoopWithoutScopesKeepsGradientsRight() {
    let tape = Tape()
    tape.withCurrent {
      var rng = SeededGenerator(seed: 2024)
      let points = (0..<20).map { _ in (0..<3).map { _ in rng.nextUniform(in: -2, 2) } }
      let targets = points.map { Foundation.tanh(0.7 * $0[0] - 0.3 * $0[1] + 0.1 * $0[2] + 0.2) }
      let w = (0..<3).map { _ in Value(rng.nextUniform(in: -1, 1)) }
      let b = Value(0.0)
      var counts: [Int] = []
      var lastParameters: [Double] = []
      var lastGradients: [Double] = []
      for _ in 0..<50 {
        // Unrelated work that uses the parameters and is never differentiated.
        _ = Value.sum(w.map { ($0 * b).exp() })
        let losses = zip(points, targets).map { x, y -> Value in
          let prediction = (Value.dot(w, x) + b).tanh()
          return (prediction - y).pow(2)
        }
        let loss = Value.sum(losses) / Double(points.count)
        w.forEach { $0.zeroGrad() }
        b.zeroGrad()
        loss.backward()

        // By hand: ∂L/∂w = (2/n) Σ (ŷ − y)(1 − ŷ²) x, ∂L/∂b the same without x.
        var gw = [0.0, 0.0, 0.0]
        var gb = 0.0
        var scale = 0.0
        for (x, y) in zip(points, targets) {
          var z = b.data
          for k in 0..<3 { z += w[k].data * x[k] }
          let yHat = Foundation.tanh(z)
          let common = 2 * (yHat - y) * (1 - yHat * yHat) / Double(points.count)
          for k in 0..<3 { gw[k] += common * x[k] }
          gb += common
          scale += Swift.abs(common) * 2
        }
        for k in 0..<3 {
          #expect(Swift.abs(w[k].grad - gw[k]) <= 1e-13 * Swift.max(1, scale))
        }
        #expect(Swift.abs(b.grad - gb) <= 1e-13 * Swift.max(1, scale))
        lastParameters = (w + [b]).map(\.data)
        lastGradients = (w + [b]).map(\.grad)
        for p in w + [b] { p.data -= 0.5 * p.grad }
        counts.append(tape.count)
      }
      // The automatic step rule releases each step when the next one starts
      // recording (after backward() and the update): the first step's graph
      // stays, and from then on the count is flat.
      #expect(Set(counts.dropFirst()).count == 1, "\(counts)")
      // The last step's gradients equal those of the same graph on a fresh tape.
      let freshGradients = Tape().withCurrent { () -> [Double] in
        let w2 = lastParameters[0..<3].map { Value($0) }
        let b2 = Value(lastParameters[3])
        let losses = zip(points, targets).map { x, y -> Value in
          ((Value.dot(w2, x) + b2).tanh() - y).pow(2)
        }
        (Value.sum(losses) / Double(points.count)).backward()
        return (w2 + [b2]).map(\.grad)
      }
      for (g, f) in zip(lastGradients, freshGradients) {
        #expect(g == f)
      }
    }
  }

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
