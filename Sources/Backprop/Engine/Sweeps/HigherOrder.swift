// Higher-order derivatives: a reverse sweep that records the gradients it
// computes as values on the tape (PyTorch's `create_graph=True`), so that they
// can be differentiated again, any number of times.
//
// It applies the op table's local derivatives (`Formulas.swift`) in recorded
// values, where `backward()` applies the same expressions in numbers: the
// first derivatives it records equal `backward()`'s bit for bit by
// construction (HigherOrderTests checks it on every op and random graphs).

extension Value {
  /// The gradient of `output` with respect to each of `inputs`, as values
  /// recorded on the tape, so that it can be differentiated again: second
  /// and higher derivatives, Hessian-vector products, gradient penalties
  /// (PyTorch's `torch.autograd.grad(…, create_graph=True)`).
  ///
  ///     let x = Value(3.0)
  ///     let y = x * x * x                                   // y = x³
  ///     let dy = Value.gradients(of: y, withRespectTo: [x])[0]   // 3x², a Value
  ///     let d2y = Value.gradients(of: dy, withRespectTo: [x])[0] // 6x
  ///     print(dy.data, d2y.data)
  ///     // Prints "27.0 18.0"
  ///
  /// A gradient penalty is then trained with the ordinary ``backward(gradient:)``:
  ///
  ///     let w = [Value(0.5), Value(-1.0)]
  ///     Tape.scope {
  ///       let f = (w[0] * w[1]).tanh()
  ///       let g = Value.gradients(of: f, withRespectTo: w)
  ///       let loss = f + Value.dot(g, g)   // f + ‖∇f‖²
  ///       loss.backward()                 // w[0].grad, w[1].grad: ∂loss/∂w
  ///     }
  ///
  /// Entry *k* is ∂output/∂inputs[*k*] · `gradient`. An input may be any
  /// value recorded before `output`; one that `output` does not depend on
  /// gets a new leaf holding 0, and a gradient that depends on no value (of
  /// a linear function) is a new leaf holding its constant, never one of the
  /// graph's own leaves.
  ///
  /// Edge cases: each returned gradient's data equals the `grad` that
  /// ``backward(gradient:)`` leaves in that input (zeroed first), bit for bit
  /// but for the sign of a zero (a leaf's `grad` is 0 + Σ contributions,
  /// which turns −0 into +0): both sweeps apply the op table's one formula
  /// per op, in one order. At kinks the recorded derivatives follow
  /// `backward()`'s conventions (`relu′(0) = 0`, `step′ = 0`, a tie of
  /// `maximum` split ½ each), so second derivatives there are 0. Where a
  /// formula branches on the data (a kink, `pow` at 0, the shift of a
  /// `logSumExp`), a ``Recording`` whose body calls this is recorded again at
  /// each replay rather than replayed with a stale branch.
  ///
  /// Everything it records goes on `output`'s tape: inside a scope it is
  /// released with the rest of the step. It neither reads nor changes any
  /// value's `grad`.
  ///
  /// - Parameters:
  ///   - output: The value to differentiate.
  ///   - inputs: The values to differentiate with respect to, of
  ///     `output`'s tape; repeats are allowed.
  ///   - gradient: The derivative of a final result with respect to
  ///     `output` (a vector-Jacobian product's vector entry), as in
  ///     ``backward(gradient:)``; 1 by default.
  /// - Returns: One gradient per input, in order, recorded on `output`'s tape.
  /// - Precondition: `output` and every input are live values of one tape.
  /// - Complexity: O(*n*) time for the *n* nodes `output` reaches (plus a
  ///   table of one pointer per 1024 nodes below it), and one to five new
  ///   nodes per node on a path from an input; 5 to 10 times the time of
  ///   ``backward(gradient:)`` on a chain of 10⁶ nodes. A loop: any depth is
  ///   safe on any stack.
  public static func gradients(
    of output: Value, withRespectTo inputs: [Value], gradient: Double = 1
  ) -> [Value] {
    let s = output.storage
    let root = output.node
    for input in inputs where !(input.storage == s) || !input.isValid {
      mixFailure(output, input)
    }
    var sweep = HigherOrderSweep(storage: s, root: root)
    return sweep.run(inputs: inputs.map { Int($0.index) }, gradient: gradient)
  }

  /// The former spelling of ``gradients(of:withRespectTo:gradient:)``: the
  /// upstream gradient is called `gradient:` everywhere, as in
  /// ``backward(gradient:)``.
  @available(*, deprecated, renamed: "gradients(of:withRespectTo:gradient:)")
  public static func gradients(
    of output: Value, withRespectTo inputs: [Value], seed: Double
  ) -> [Value] {
    gradients(of: output, withRespectTo: inputs, gradient: seed)
  }

  /// The derivative of `output` with respect to one input, as a value on
  /// the tape: ``gradients(of:withRespectTo:gradient:)`` for a single input.
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
  /// - Complexity: That of ``gradients(of:withRespectTo:gradient:)``.
  public static func derivative(of output: Value, withRespectTo input: Value) -> Value {
    gradients(of: output, withRespectTo: [input])[0]
  }
}

// MARK: - The sweep

/// An adjoint, or a contribution to one, during the sweep: a number that
/// depends on no value (the upstream gradient, and what only constants multiply it by),
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
    s.pointee.forEachOperand(of: i, body)
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
  mutating func run(inputs: [Int], gradient: Double) -> [Value] {
    defer { deallocate() }
    discover(inputs: inputs)
    let slots = self.slots
    let adjoint = UnsafeMutablePointer<AdjointTerm?>.allocate(capacity: nodeCount)
    adjoint.initialize(repeating: nil, count: nodeCount)
    defer { adjoint.deallocate() }
    if relevant[0] { adjoint[0] = .constant(gradient) }

    var readData = false
    let relevance = relevant
    let columns = TapeColumns(s)
    let values = RecordedChainRule(storage: s)
    for k in 0..<nodeCount where relevant[k] {
      guard let g = adjoint[k] else { continue }
      let i = Int(nodes[k])
      let code = s.op[i]
      if code == .leaf { continue }
      if code.derivativeBranchesOnData { readData = true }
      ChainRule.propagate(
        node: i, upstream: g, in: columns, values, weightRuns: false,
        give: { j, contribution in
          let m = Int(slots.slot(Int(j)))
          if relevance[m] { adjoint[m] = Self.add(adjoint[m], contribution()) }
        }, giveWeight: { _, _ in })
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
    case .constant(let c): return .value(v.record(.constantDivide, constant: c))
    case .value(let x): return .value(x / v)
    }
  }

  /// `g / d` for a constant `d`.
  static func quotient(_ g: AdjointTerm, byConstant d: Double) -> AdjointTerm {
    switch g {
    case .constant(let c): return .constant(c / d)
    case .value(let x): return .value(x.record(.divideConstant, constant: d))
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
    v.record(.multiplyConstant, constant: c)
  }

  /// `v + c`, one node.
  static func plus(_ v: Value, _ c: Double) -> Value {
    v.record(.addConstant, constant: c)
  }
}

/// The chain rule in recorded values: each local derivative and each
/// contribution is a node, so the gradients can be differentiated again.
/// Constants stay numbers (``AdjointTerm``) until a value multiplies them.
struct RecordedChainRule: ChainRuleArithmetic {
  let storage: UnsafeMutablePointer<TapeStorage>

  func value(_ j: UInt32) -> Value {
    Value(storage: storage, index: j, stamp: storage.pointee.stamp[Int(j)])
  }
  func constant(_ c: Double) -> Value { storage.record(.leaf, 0, 0, c) }
  func unary(_ code: OpCode, _ x: Value, _ c: Double) -> Value {
    code.layout == .unaryConstant ? x.record(code, constant: c) : x.record(code)
  }
  func binary(_ code: OpCode, _ x: Value, _ y: Value) -> Value {
    let data = storage.data
    return storage.record(
      code, x.index, y.index, code.forward(data[Int(x.index)], data[Int(y.index)]))
  }
  func derivative(ofFunction k: Int, at x: Value) -> Value {
    ElementwiseFunction(storage.pointee.functions[k].derivedOrStop())(x)
  }
  func sum(_ xs: UnsafeMutableBufferPointer<Value>) -> Value { Value.sum(Array(xs)) }
  func times(_ g: AdjointTerm, _ d: Value) -> AdjointTerm { HigherOrderSweep.times(g, d) }
  func scaled(_ g: AdjointTerm, by c: Double) -> AdjointTerm { HigherOrderSweep.scaled(g, by: c) }
  func quotient(_ g: AdjointTerm, _ d: Value) -> AdjointTerm { HigherOrderSweep.quotient(g, d) }
  func quotient(_ g: AdjointTerm, byConstant c: Double) -> AdjointTerm {
    HigherOrderSweep.quotient(g, byConstant: c)
  }
  func negated(_ g: AdjointTerm) -> AdjointTerm { HigherOrderSweep.negate(g) }
  func fixed(_ c: Double) -> AdjointTerm { .constant(c) }
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
