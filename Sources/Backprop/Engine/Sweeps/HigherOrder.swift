// Higher-order derivatives: a reverse sweep that records the gradients it
// computes as values on the tape (PyTorch's `create_graph=True`), so they can
// be differentiated again, any number of times.
//
// It is a separate sweep from `backward()` (which computes plain numbers in
// the tape's `grad` column and is left untouched): for each node the output
// reaches, from the output down, it records the node's local derivatives with
// ordinary `Value` operations, using the same formulas as `Backward.swift`,
// so the first derivatives it records equal `backward()`'s (see
// `Value.gradients(of:withRespectTo:seed:)` for the few exceptions).
//
// A formula changed in `Backward.swift` must be changed here too:
// HigherOrderTests compares the two bit for bit on random graphs of every
// op, and on every op at many points.

extension Value {
  /// The gradient of `output` with respect to each of `inputs`, as values
  /// recorded on the tape, so that it can be differentiated again: second
  /// and higher derivatives, Hessian-vector products, gradient penalties.
  ///
  /// `backward()` leaves plain numbers in `grad`; this records, for each
  /// node that `output` depends on, its local derivatives with ordinary
  /// `Value` operations, so every gradient it returns is itself a node of the
  /// graph (PyTorch's `torch.autograd.grad(…, create_graph=True)`):
  ///
  ///     let x = Value(3.0)
  ///     let y = x * x * x                                   // y = x³
  ///     let dy = Value.gradients(of: y, withRespectTo: [x])[0]   // 3x², a Value
  ///     let d2y = Value.gradients(of: dy, withRespectTo: [x])[0] // 6x
  ///     print(dy.data, d2y.data)
  ///     // Prints "27.0 18.0"
  ///
  /// A gradient penalty (the squared norm of a gradient as part of a loss)
  /// is trained with the ordinary ``backward(gradient:)``:
  ///
  ///     let w = [Value(0.5), Value(-1.0)]
  ///     Tape.scope {
  ///       let f = (w[0] * w[1]).tanh()
  ///       let g = Value.gradients(of: f, withRespectTo: w)
  ///       let loss = f + Value.dot(g, g)   // f + ‖∇f‖²
  ///       loss.backward()                 // w[0].grad, w[1].grad: ∂loss/∂w
  ///     }
  ///
  /// **What it returns.** Entry *k* is ∂output/∂inputs[*k*] at the recorded
  /// values, times `seed`. An input is usually a leaf, but may be any value
  /// recorded before `output` (the derivative with respect to an
  /// intermediate result, all else that depends on it following). An input
  /// that `output` does not depend on (including one recorded after it) gets
  /// a new leaf holding 0; a gradient that does not depend on any value (the
  /// gradient of a linear function) is a new leaf holding its constant. So
  /// a returned gradient is a leaf exactly when it is a constant, and is
  /// never one of the graph's existing leaves (∂(x·y)/∂x is a new node
  /// holding y); it may be an existing interior node (the derivative of
  /// `x.exp()` is that very node).
  ///
  /// **Agreement with `backward()`.** The data of each returned gradient
  /// equals, bit for bit, the `grad` that ``backward(gradient:)`` would
  /// leave in that input (zeroed first, with the same seed): the sweep
  /// visits the same nodes in the same order and records the same formulas,
  /// in the same order of operations. Only the sign of a zero may differ: a
  /// leaf's `grad` is 0 + Σ contributions, which turns −0 into +0; and
  /// `x.pow(y)` with a value exponent records `y·x^(y−1)` for every `y` (so
  /// that its derivative with respect to `y` is right), which at `y = 0` is
  /// ±0 where `backward()` writes +0 (at `y = 2` it is `2x` exactly, as in
  /// `backward()`).
  ///
  /// **Kinks.** The recorded derivatives follow the conventions of the first
  /// derivatives: `relu′(0) = 0` and `step′ = 0` are constants, so their
  /// second derivatives are 0; `abs′(0) = 0`; `maximum` and `minimum` split a
  /// tie ½ each; `leakyReLU` and `elu` take their left branch at 0; the
  /// limits of ``pow(_:)-(Double)`` at 0 carry on (`d²(x^0.5)/dx²` is −inf
  /// at 0). A local derivative that the engine takes as 0 at a point (the
  /// exponent's `0·log 0` at `x = 0`) is recorded as the constant 0.
  ///
  /// **Scopes.** Everything it records goes on `output`'s tape, so inside
  /// ``Tape/scope(_:)-method`` it is released when the scope ends, with the
  /// rest of the step's graph: record the loss, its gradient and the
  /// penalty in one scope, call `backward()`, and return plain `Double`s.
  /// Outside a scope, each call adds a few nodes per node of the graph.
  ///
  /// **Recordings.** Where the recorded formulas depend on the data (the
  /// kinks of `relu`, `abs`, `maximum`…, a `pow` at 0, the shift of a
  /// `logSumExp`), the sweep counts as reading the data, so a ``Recording``
  /// whose body calls it is recorded again at each replay instead of being
  /// replayed with a stale branch; on smooth graphs it replays.
  ///
  /// - Parameters:
  ///   - output: The value to differentiate.
  ///   - inputs: The values to differentiate with respect to, of
  ///     `output`'s tape; repeats are allowed.
  ///   - seed: The derivative of a final result with respect to `output`
  ///     (a vector-Jacobian product's vector entry); 1 by default.
  /// - Returns: One gradient per input, in order, recorded on `output`'s
  ///   tape.
  /// - Precondition: `output` and every input are live values of one tape.
  /// - Complexity: O(*n*) time for the *n* nodes `output` reaches, however
  ///   many other nodes the tape holds (plus a table of one pointer per
  ///   1024 nodes below `output`), and about one to five new nodes per node
  ///   on a path from an input to `output`; nodes that no input reaches get
  ///   none. Measured on a chain of 10⁶ nodes: 5 to 10 times the time of
  ///   ``backward(gradient:)``, most of it recording the new nodes. The
  ///   sweep is a loop: graphs of any depth are safe on any stack. It
  ///   neither reads nor changes any value's `grad`.
  public static func gradients(
    of output: Value, withRespectTo inputs: [Value], seed: Double = 1
  ) -> [Value] {
    let s = output.storage
    let root = output.node
    for input in inputs where !(input.storage == s) || !input.isValid {
      mixFailure(output, input)
    }
    var sweep = HigherOrderSweep(storage: s, root: root)
    return sweep.run(inputs: inputs.map { Int($0.index) }, seed: seed)
  }

  /// The derivative of `output` with respect to one input, as a value on
  /// the tape: ``gradients(of:withRespectTo:seed:)`` for a single input.
  ///
  ///     let x = Value(0.5)
  ///     let y = x.tanh()
  ///     let dy = Value.derivative(of: y, withRespectTo: x)     // 1 − tanh²x
  ///     let d2y = Value.derivative(of: dy, withRespectTo: x)   // −2 tanh x (1 − tanh²x)
  ///     let d3y = Value.derivative(of: d2y, withRespectTo: x)
  ///     print(d3y.data)
  ///     // Prints "-0.5652092882597705"
  ///
  /// - Parameters:
  ///   - output: The value to differentiate.
  ///   - input: The value to differentiate with respect to.
  /// - Returns: d output / d input, recorded on `output`'s tape (a leaf
  ///   holding 0 when `output` does not depend on `input`).
  /// - Precondition: Both are live values of one tape.
  /// - Complexity: That of ``gradients(of:withRespectTo:seed:)``.
  public static func derivative(of output: Value, withRespectTo input: Value) -> Value {
    gradients(of: output, withRespectTo: [input])[0]
  }
}

// MARK: - The sweep

/// An adjoint, or a contribution to one, during the sweep: a number that
/// depends on no value (the seed, and what only constants multiply it by),
/// or a recorded value. Keeping constants as numbers records no node for
/// them, so the gradient of a sum of squares records one node per square,
/// not three.
enum AdjointTerm {
  case constant(Double)
  case value(Value)
}

/// One run of the recording sweep: the nodes `root` reaches, which of them
/// lie on a path from an input (the only ones that need an adjoint), and
/// their adjoints, recorded on the tape.
///
/// Three passes, each a loop over the reached nodes: discovery, from the
/// root down (an operand always comes before the node that uses it, so a
/// descending scan finds every reached node before it is visited, as
/// `backward()` does); relevance, upward; and the adjoints, from the root
/// down again, in `backward()`'s order.
struct HigherOrderSweep {
  // Only raw pointers and integers, so that passing the sweep around, and
  // capturing it in the closures of its loops, costs no reference counting.
  let s: UnsafeMutablePointer<TapeStorage>
  let root: Int
  /// Each reached node's slot: its position in `nodes`.
  private let slots: NodeSlots
  /// The reached nodes (the root included), by decreasing index.
  private var nodes: UnsafeMutablePointer<UInt32>
  private var nodeCount = 0
  private var nodeCapacity = 0
  /// Whether a reached node (by slot) is an input or has an operand that
  /// is: the nodes whose adjoints matter.
  private var relevant: UnsafeMutablePointer<Bool>

  init(storage: UnsafeMutablePointer<TapeStorage>, root: Int) {
    self.s = storage
    self.root = root
    self.slots = NodeSlots(upTo: root)
    nodeCapacity = 64
    nodes = .allocate(capacity: nodeCapacity)
    relevant = .allocate(capacity: 1)
  }

  /// Frees the sweep's buffers (not what it recorded).
  private func deallocate() {
    slots.deallocate()
    nodes.deallocate()
    relevant.deallocate()
  }

  /// Calls `body` with each operand of node `i`, in operand order.
  @inline(__always)
  private func forEachOperand(of i: Int, _ body: (Int) -> Void) {
    // Field by field: copying `s.pointee` would copy the whole storage
    // struct, with its arrays and weak reference, at every node.
    let op = s.pointee.op[i]
    let a = Int(s.pointee.lhs[i])
    let b = Int(s.pointee.rhs[i])
    let operands = s.pointee.operands
    if op == .leaf { return }
    if op.isBinary {
      body(a)
      body(b)
    } else if op.isNary {
      switch op {
      case .dot:
        for k in a..<(a + 2 * b) { body(Int(operands[k])) }
      case .dotConstant:
        for k in (a + 1)..<(a + 1 + b) { body(Int(operands[k])) }
      default:
        for k in a..<(a + b) { body(Int(operands[k])) }
      }
    } else {
      body(a)
    }
  }

  /// Appends node `j` to `nodes`.
  private mutating func append(_ j: Int) {
    if nodeCount == nodeCapacity {
      let grown = UnsafeMutablePointer<UInt32>.allocate(capacity: 2 * nodeCapacity)
      grown.moveInitialize(from: nodes, count: nodeCount)
      nodes.deallocate()
      nodes = grown
      nodeCapacity *= 2
    }
    nodes[nodeCount] = UInt32(truncatingIfNeeded: j)
    nodeCount += 1
  }

  /// Finds the reached nodes and marks those on a path from an input.
  private mutating func discover(inputs: [Int]) {
    let slots = self.slots
    slots.mark(root)
    var page = root >> NodeSlots.pageBits
    while page >= 0 {
      if let entries = slots.page(page) {
        let base = page << NodeSlots.pageBits
        var offset = Swift.min(NodeSlots.pageSize - 1, root - base)
        while offset >= 0 {
          if entries[offset] == NodeSlots.reached {
            entries[offset] = Int32(truncatingIfNeeded: nodeCount)
            append(base + offset)
            forEachOperand(of: base + offset) { slots.mark($0) }
          }
          offset -= 1
        }
      }
      page -= 1
    }

    relevant.deallocate()
    relevant = .allocate(capacity: nodeCount)
    relevant.initialize(repeating: false, count: nodeCount)
    let relevant = self.relevant
    for input in inputs {
      let k = slots.slot(input)
      if k >= 0 { relevant[Int(k)] = true }
    }
    // Upward, so that every operand's mark is known before it is needed.
    for k in (0..<nodeCount).reversed() where !relevant[k] {
      var any = false
      forEachOperand(of: Int(nodes[k])) { j in
        if !any, relevant[Int(slots.slot(j))] { any = true }
      }
      relevant[k] = any
    }
  }

  /// Records the adjoints and returns the inputs' gradients.
  mutating func run(inputs: [Int], seed: Double) -> [Value] {
    defer { deallocate() }
    discover(inputs: inputs)
    let slots = self.slots
    let adjoint = UnsafeMutablePointer<AdjointTerm?>.allocate(capacity: nodeCount)
    adjoint.initialize(repeating: nil, count: nodeCount)
    defer { adjoint.deallocate() }
    if relevant[0] { adjoint[0] = .constant(seed) }

    var readData = false
    for k in 0..<nodeCount where relevant[k] {
      guard let g = adjoint[k] else { continue }
      let i = Int(nodes[k])
      if s.op[i] == .leaf { continue }
      let read = propagate(node: i, adjoint: g) { j, contribution in
        let m = Int(slots.slot(Int(j)))
        adjoint[m] = Self.add(adjoint[m], contribution)
      }
      if read { readData = true }
    }

    if readData { s.pointee.reads &+= 1 }
    return inputs.map { input in
      let k = Int(slots.slot(input))
      guard k >= 0, let g = adjoint[k] else { return s.record(.leaf, 0, 0, 0) }
      switch g {
      case .constant(let c):
        return s.record(.leaf, 0, 0, c)
      case .value(let v):
        // Never hand back an existing leaf (∂(x·y)/∂x is y itself): a
        // gradient is a leaf only when it is a constant.
        return s.op[Int(v.index)] == .leaf ? Self.scaledValue(v, 1) : v
      }
    }
  }

  // MARK: The local derivatives of every op

  /// A handle to node `i`.
  @inline(__always)
  private func value(_ i: UInt32) -> Value {
    Value(storage: s, index: i, stamp: s.pointee.stamp[Int(i)])
  }

  /// Whether operand `j` needs an adjoint.
  @inline(__always)
  private func needs(_ j: UInt32) -> Bool {
    relevant[Int(slots.slot(Int(j)))]
  }

  /// Passes node `i`'s adjoint `g` on to its operands: `accumulate(j, c)` for
  /// each operand `j` that needs it (the contribution `c` is recorded only
  /// then), in the
  /// order and with the formulas of `TapeStorage.backward(from:seed:)`.
  /// Returns whether the formulas it recorded depended on the data.
  private func propagate(
    node i: Int, adjoint g: AdjointTerm, accumulate: (UInt32, AdjointTerm) -> Void
  ) -> Bool {
    var readData = false
    let op = s.op[i]
    let a = s.pointee.lhs[i]
    let b = s.pointee.rhs[i]
    let data = s.data
    let constants = s.pointee.constants
    let operands = s.operands
    let node = value(UInt32(truncatingIfNeeded: i))
    @inline(__always) func give(_ j: UInt32, _ c: () -> AdjointTerm) {
      if needs(j) { accumulate(j, c()) }
    }

    switch op {
    case .leaf:
      break
    case .add:
      give(a) { g }
      give(b) { g }
    case .subtract:
      give(a) { g }
      give(b) { Self.negate(g) }
    case .multiply:
      give(a) { Self.times(g, value(b)) }
      give(b) { Self.times(g, value(a)) }
    case .divide:
      // ∂/∂x = g / y; ∂/∂y = −g · (x/y) / y.
      give(a) { Self.quotient(g, value(b)) }
      give(b) { Self.times(Self.negate(g), node / value(b)) }
    case .power:
      readData = true
      let x = data[Int(a)]
      let p = data[Int(b)]
      give(a) {
        // p·x^(p−1) for every p, so that it differentiates in p too; the
        // engine's d(x⁰)/dx = 0 where the formula would give 0·inf or NaN.
        if p == 0 && !(x.isFinite && x != 0) { return Self.scaled(g, by: 0) }
        let exponent = value(b)
        return Self.times(g, exponent * value(a).pow(Self.plus(exponent, -1)))
      }
      give(b) {
        if x == 0 && p >= 0 { return Self.scaled(g, by: 0) }
        return Self.times(g, node * value(a).log())
      }
    case .maximum, .minimum:
      readData = true
      let x = data[Int(a)]
      let y = data[Int(b)]
      if x == y {
        give(a) { Self.scaled(g, by: 0.5) }
        give(b) { Self.scaled(g, by: 0.5) }
      } else if x.isNaN || y.isNaN {
        give(a) { g }
        give(b) { g }
      } else if (x > y) == (op == .maximum) {
        give(a) { g }
      } else {
        give(b) { g }
      }
    case .addConstant:
      give(a) { g }
    case .multiplyConstant:
      give(a) { Self.scaled(g, by: constants[Int(b)]) }
    case .divideConstant:
      give(a) { Self.quotient(g, byConstant: constants[Int(b)]) }
    case .constantMinus:
      give(a) { Self.negate(g) }
    case .constantDivide:
      // d(c/x)/dx = −(c/x)/x.
      give(a) { Self.times(Self.negate(g), node / value(a)) }
    case .powerConstant:
      let c = constants[Int(b)]
      give(a) {
        switch c {
        case 2: return Self.times(g, Self.scaledValue(value(a), 2))
        case 0: return Self.scaled(g, by: 0)
        case 1: return Self.scaled(g, by: 1)  // c·x⁰ = 1 everywhere
        case 3:
          // backward() computes 3·pow(x, 2), and libm's pow(x, 2) is not
          // always x·x (which `x.pow(2)` records): a constant leaf exponent
          // records pow(x, 2) itself, whose derivative is 2x.
          let two = s.record(.leaf, 0, 0, 2)
          return Self.times(g, Self.scaledValue(value(a).pow(two), 3))
        default: return Self.times(g, Self.scaledValue(value(a).pow(c - 1), c))
        }
      }
    case .leakyReLU:
      readData = true
      let slope = constants[Int(b)]
      if data[Int(a)] > 0 {
        give(a) { g }
      } else {
        give(a) { Self.scaled(g, by: slope) }
      }
    case .elu:
      readData = true
      let alpha = constants[Int(b)]
      if data[Int(a)] > 0 {
        give(a) { g }
      } else {
        give(a) { Self.times(Self.scaled(g, by: alpha), value(a).exp()) }
      }
    case .negate:
      give(a) { Self.negate(g) }
    case .exp:
      give(a) { Self.times(g, node) }
    case .log:
      give(a) { Self.quotient(g, value(a)) }
    case .sqrt:
      give(a) { Self.quotient(g, Self.scaledValue(node, 2)) }
    case .abs:
      readData = true
      let sign = Derivatives.sign(data[Int(a)])
      give(a) { Self.scaled(g, by: sign) }
    case .tanh:
      give(a) { Self.times(g, Self.minus(1, node * node)) }
    case .sigmoid:
      give(a) { Self.times(g, node * Self.minus(1, node)) }
    case .relu:
      readData = true
      let x = data[Int(a)]
      if x > 0 {
        give(a) { g }
      } else if x.isNaN {
        give(a) { .constant(.nan) }
      }
    case .softplus:
      give(a) { Self.times(g, value(a).sigmoid()) }
    case .step:
      break
    case .sum:
      let start = Int(a)
      for k in start..<(start + Int(b)) { give(operands[k]) { g } }
    case .dot:
      let start = Int(a)
      for k in 0..<Int(b) {
        let x = operands[start + 2 * k]
        let y = operands[start + 2 * k + 1]
        give(x) { Self.times(g, value(y)) }
        give(y) { Self.times(g, value(x)) }
      }
    case .dotConstant:
      let start = Int(a)
      let c = constants + Int(operands[start])
      for k in 0..<Int(b) { give(operands[start + 1 + k]) { Self.scaled(g, by: c[k]) } }
    case .logSumExp:
      readData = true
      let start = Int(a)
      let n = Int(b)
      let y = data[i]
      if y.isFinite {
        // softmax(x)ⱼ = e^(xⱼ − m) / Σ e^(xᵢ − m), with the shift m = max x
        // a constant: softmax does not change when one is subtracted from
        // every logit, so neither do its derivatives.
        var m = -Double.infinity
        for k in start..<(start + n) { m = Swift.max(m, data[Int(operands[k])]) }
        let shifted = (start..<(start + n)).map { k in
          Self.plus(value(operands[k]), -m).exp()
        }
        let scale = Self.quotient(g, Value.sum(shifted))
        for k in 0..<n {
          give(operands[start + k]) { Self.times(scale, shifted[k]) }
        }
      } else if y.isNaN {
        for k in start..<(start + n) { give(operands[k]) { .constant(.nan) } }
      } else {
        var ties = 0
        for k in start..<(start + n) where data[Int(operands[k])] == y { ties += 1 }
        let count = Double(ties)
        for k in start..<(start + n) where data[Int(operands[k])] == y {
          give(operands[k]) { Self.quotient(g, byConstant: count) }
        }
      }
    }
    return readData
  }

  // MARK: Arithmetic on adjoints, in backward()'s order of operations

  /// `total + c`, as `grad[j] += c` computes it (the first contribution is
  /// taken as it is, not added to 0, which would turn −0 into +0).
  static func add(_ total: AdjointTerm?, _ c: AdjointTerm) -> AdjointTerm {
    guard let total else { return c }
    switch (total, c) {
    case (.constant(let x), .constant(let y)): return .constant(x + y)
    case (.value(let x), .constant(let y)): return .value(plus(x, y))
    case (.constant(let x), .value(let y)): return .value(plus(y, x))
    case (.value(let x), .value(let y)): return .value(x + y)
    }
  }

  /// `g · v` for a recorded local derivative `v`.
  static func times(_ g: AdjointTerm, _ v: Value) -> AdjointTerm {
    switch g {
    case .constant(let c): return .value(c == 1 ? v : scaledValue(v, c))
    case .value(let x): return .value(x * v)
    }
  }

  /// `g · d` for a constant local derivative `d`.
  static func scaled(_ g: AdjointTerm, by d: Double) -> AdjointTerm {
    switch g {
    case .constant(let c): return .constant(c * d)
    case .value(let x): return .value(d == 1 ? x : scaledValue(x, d))
    }
  }

  /// `g / v`.
  static func quotient(_ g: AdjointTerm, _ v: Value) -> AdjointTerm {
    switch g {
    case .constant(let c): return .value(v.record(.constantDivide, constant: c) { c / $0 })
    case .value(let x): return .value(x / v)
    }
  }

  /// `g / d` for a constant `d`.
  static func quotient(_ g: AdjointTerm, byConstant d: Double) -> AdjointTerm {
    switch g {
    case .constant(let c): return .constant(c / d)
    case .value(let x): return .value(x.record(.divideConstant, constant: d) { $0 / d })
    }
  }

  /// `−g`.
  static func negate(_ g: AdjointTerm) -> AdjointTerm {
    switch g {
    case .constant(let c): return .constant(-c)
    case .value(let x): return .value(-x)
    }
  }

  /// `v · c`, one node (the operator `Value * Double`, named so that no
  /// literal becomes a leaf).
  static func scaledValue(_ v: Value, _ c: Double) -> Value {
    v.record(.multiplyConstant, constant: c) { $0 * c }
  }

  /// `v + c`, one node.
  static func plus(_ v: Value, _ c: Double) -> Value {
    v.record(.addConstant, constant: c) { $0 + c }
  }

  /// `c − v`, one node.
  static func minus(_ c: Double, _ v: Value) -> Value {
    v.record(.constantMinus, constant: c) { c - $0 }
  }
}

// MARK: - Slots of the reached nodes

/// A table from node index to a small integer, for the nodes one sweep
/// reaches: pages of 1024 entries, allocated only where reached nodes are,
/// under a page table of one pointer per 1024 nodes of the tape. Lookups are
/// two loads and no hashing; the cost of a sweep stays proportional to the
/// nodes it reaches (plus the page table, 1/1024 of the tape below the
/// output), not to the nodes in between.
struct NodeSlots {
  static let pageBits = 10
  static let pageSize = 1 << pageBits
  /// The entry of a node not reached.
  static let unreached: Int32 = -1
  /// The entry of a node reached but not yet given a slot.
  static let reached: Int32 = -2

  private let table: UnsafeMutablePointer<UnsafeMutablePointer<Int32>?>
  private let pageCount: Int

  /// A table for nodes 0...root.
  init(upTo root: Int) {
    pageCount = (root >> Self.pageBits) + 1
    table = .allocate(capacity: pageCount)
    table.initialize(repeating: nil, count: pageCount)
  }

  /// Frees the table and its pages.
  func deallocate() {
    for k in 0..<pageCount { table[k]?.deallocate() }
    table.deallocate()
  }

  /// Page `k`, if any node in it was marked.
  @inline(__always)
  func page(_ k: Int) -> UnsafeMutablePointer<Int32>? { table[k] }

  /// Node `j`'s entry: its slot (≥ 0), ``reached``, or ``unreached`` (also
  /// for a node above the table).
  @inline(__always)
  func slot(_ j: Int) -> Int32 {
    let k = j >> Self.pageBits
    guard k < pageCount, let entries = table[k] else { return Self.unreached }
    return entries[j & (Self.pageSize - 1)]
  }

  /// Marks node `j` (at most the root) reached, if it was not already.
  @inline(__always)
  func mark(_ j: Int) {
    let k = j >> Self.pageBits
    let entries: UnsafeMutablePointer<Int32>
    if let existing = table[k] {
      entries = existing
    } else {
      entries = .allocate(capacity: Self.pageSize)
      entries.initialize(repeating: Self.unreached, count: Self.pageSize)
      table[k] = entries
    }
    let offset = j & (Self.pageSize - 1)
    if entries[offset] == Self.unreached { entries[offset] = Self.reached }
  }
}
