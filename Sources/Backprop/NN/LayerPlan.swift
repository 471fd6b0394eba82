// The recording fast path of layers and MLPs. A layer made by `Layer`'s or
// `MLP`'s initialisers has its parameters as one block of consecutive leaves
// (neuron after neuron, each neuron's weights and then its bias), so one
// check of the block's last leaf vouches for all of them, and a neuron's
// weights are read at consecutive indices with no operand index. The inputs
// of a layer are gathered and checked once for all its neurons, and between
// the layers of an MLP they stay in small buffers: no array of handles per
// layer, no handle copied per neuron.
//
// The nodes recorded are exactly those of the general path (`Neuron`'s
// `activation(Value.dot(weights, x) + bias)`): per neuron a dot product, an
// addition and the activation (none for `.linear`), with the same operands
// in the same order and the same arithmetic, so values and gradients are
// bit for bit the same. Only the constant table differs: a layer over plain
// numbers appends them once for all its neurons instead of once per neuron.

/// A layer whose parameters are one block of consecutive leaves of one tape,
/// neuron after neuron, with one activation: what the fast path records
/// from.
struct LayerPlan {
  /// The last parameter: while it is live, so is every parameter before it
  /// (a scope, a reset or the step rule releases a suffix of the tape).
  let last: Value
  /// The index of the first neuron's first weight.
  let first: UInt32
  /// Inputs per neuron.
  let inputs: Int
  /// Neurons.
  let outputs: Int
  /// The neurons' activation.
  let activation: Activation

  /// The plan of `neurons`, or nil unless their parameters are such a block
  /// (every handle live when the layer is made) with one activation.
  init?(_ neurons: [Neuron]) {
    guard let head = neurons.first, !head.weights.isEmpty else { return nil }
    let n = head.weights.count
    guard neurons.allSatisfy({ $0.weights.count == n && $0.activation == head.activation }),
      let block = ConsecutiveNodes(neurons.flatMap { $0.weights + [$0.bias] })
    else { return nil }
    last = block.last
    first = block.first
    inputs = n
    outputs = neurons.count
    activation = head.activation
  }

  var storage: UnsafeMutablePointer<TapeStorage> { last.storage }

  /// Whether every parameter is still live.
  @inline(__always)
  var isLive: Bool { last.storage.isLive(last.index, last.stamp) }

  /// Where a layer writes its outputs: the handles (for the array a call
  /// returns), and the indices and data (for the next layer's inputs).
  struct Outputs {
    /// Where the handles go; nil for a layer inside an MLP.
    var values: UnsafeMutablePointer<Value>?
    var indices: UnsafeMutablePointer<UInt32>
    var data: UnsafeMutablePointer<Double>
  }

  /// Records the layer on inputs whose indices and data were gathered and
  /// checked on this plan's tape. The caller has checked ``isLive``.
  @inline(__always)
  func record(
    inputs indices: UnsafePointer<UInt32>, data x: UnsafePointer<Double>, into out: Outputs
  ) {
    let s = storage
    let n = inputs
    withUnsafeTemporaryAllocation(of: UInt64.self, capacity: n) { pairs in
      guard let pairs = pairs.baseAddress else { return }
      // A dot product's operands are (weight, input) pairs: the inputs'
      // half is the same for every neuron, the weights' is j plus the
      // neuron's first weight. One 8-byte add and store per pair.
      for j in 0..<n { pairs[j] = Self.pair(UInt32(truncatingIfNeeded: j), indices[j]) }
      var k = 0
      while k < outputs {
        if isQuiet(from: k) {
          let rest = outputs - k
          let start = s.reserveOperands(2 * n * rest)
          for q in 0..<rest {
            Self.writePairs(s.operands + start + 2 * n * q, pairs, n, adding: firstWeight(k + q))
          }
          writeRest(from: k, .dot, operands: start, stride: 2 * n, x, into: out)
          return
        }
        // One neuron, through `record`, which takes the slow path when due.
        let w = firstWeight(k)
        let start = s.reserveOperands(2 * n)
        Self.writePairs(s.operands + start, pairs, n, adding: w)
        let weights = s.data + Int(w)
        var total = 0.0
        for j in 0..<n { total += weights[j] * x[j] }
        let dot = s.record(
          .dot, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n), total)
        finish(k, dot: dot, total, into: out)
        k += 1
      }
    }
  }

  /// Records the layer on plain numbers, appended once to the constant
  /// table for all the neurons. The caller has checked ``isLive``.
  @inline(__always)
  func record(constants x: UnsafeBufferPointer<Double>, into out: Outputs) {
    guard let c = x.baseAddress else { return }
    let s = storage
    let n = inputs
    var shared: Int? = nil
    var k = 0
    while k < outputs {
      if isQuiet(from: k) {
        let rest = outputs - k
        let offset = UInt32(truncatingIfNeeded: shared ?? s.appendConstants(x))
        let start = s.reserveOperands((n + 1) * rest)
        for q in 0..<rest {
          let operands = s.operands + start + (n + 1) * q
          let w = firstWeight(k + q)
          operands[0] = offset
          for j in 0..<n { operands[1 + j] = w &+ UInt32(truncatingIfNeeded: j) }
        }
        writeRest(from: k, .dotConstant, operands: start, stride: n + 1, c, into: out)
        return
      }
      // One neuron, through `record`, which takes the slow path when due
      // (a full tape, or a step boundary, which moves the side entries of
      // the node it records: so this neuron appends the constants itself).
      let w = firstWeight(k)
      let start = s.reserveOperands(n + 1)
      let operands = s.operands + start
      operands[0] = UInt32(truncatingIfNeeded: s.appendConstants(x))
      for j in 0..<n { operands[1 + j] = w &+ UInt32(truncatingIfNeeded: j) }
      let weights = s.data + Int(w)
      var total = 0.0
      for j in 0..<n { total += weights[j] * c[j] }
      let dot = s.record(
        .dotConstant, UInt32(truncatingIfNeeded: start), UInt32(truncatingIfNeeded: n), total)
      // Where the constants are now: a step boundary moves them with the node.
      shared = Int(s.operands[Int(s.pointee.lhs[Int(dot.index)])])
      finish(k, dot: dot, total, into: out)
      k += 1
    }
  }

  /// The index of neuron `k`'s first weight; its bias follows its weights.
  @inline(__always)
  func firstWeight(_ k: Int) -> UInt32 {
    first &+ UInt32(truncatingIfNeeded: k &* (inputs &+ 1))
  }

  /// Whether the nodes of neurons `k...` fit below the tape's record limit,
  /// so that none of their `record` calls would leave the fast path.
  @inline(__always)
  func isQuiet(from k: Int) -> Bool {
    let s = storage
    return s.pointee.count + 3 * (outputs - k) < s.pointee.recordLimit
  }

  /// Records neurons `k...`, whose dot products' operands are written from
  /// `start` on, `stride` entries apart, and whose inputs are `x`: computes
  /// the dot products four at a time (four sums side by side, each still
  /// left to right, so their chains of additions overlap instead of waiting
  /// on each other) and writes every node into the tape's columns as the
  /// neuron-by-neuron `record` calls would: dot product, addition of the
  /// bias, activation. The caller checked ``isQuiet(from:)``.
  @inline(__always)
  func writeRest(
    from k: Int, _ code: OpCode, operands start: Int, stride: Int, _ x: UnsafePointer<Double>,
    into out: Outputs
  ) {
    switch activation {
    case .linear: writeRest(LinearKernel(), k, code, start, stride, x, out)
    case .step: writeRest(UnaryKernel(code: .step) { Kernels.step($0) }, k, code, start, stride, x, out)
    case .sigmoid:
      writeRest(UnaryKernel(code: .sigmoid) { Kernels.sigmoid($0) }, k, code, start, stride, x, out)
    case .tanh: writeRest(UnaryKernel(code: .tanh) { LibM.tanh($0) }, k, code, start, stride, x, out)
    case .relu: writeRest(UnaryKernel(code: .relu) { Kernels.relu($0) }, k, code, start, stride, x, out)
    case .softplus:
      writeRest(UnaryKernel(code: .softplus) { Kernels.softplus($0) }, k, code, start, stride, x, out)
    case .leakyReLU(let slope):
      writeRest(
        ConstantKernel(code: .leakyReLU, constant: slope) { Kernels.leakyReLU($0, slope: slope) },
        k, code, start, stride, x, out)
    case .elu(let alpha):
      writeRest(
        ConstantKernel(code: .elu, constant: alpha) { Kernels.elu($0, alpha: alpha) }, k, code,
        start, stride, x, out)
    }
  }

  /// ``writeRest(from:_:operands:stride:_:into:)`` for one activation.
  @inline(__always)
  private func writeRest<A: ActivationKernel>(
    _ a: A, _ k: Int, _ code: OpCode, _ start: Int, _ stride: Int, _ x: UnsafePointer<Double>,
    _ out: Outputs
  ) {
    let s = storage
    let n = inputs
    let op = s.pointee.op
    let lhs = s.pointee.lhs
    let rhs = s.pointee.rhs
    let data = s.pointee.data
    let grad = s.pointee.grad
    let stamp = s.pointee.stamp
    let generation = s.pointee.generation
    let n32 = UInt32(truncatingIfNeeded: n)
    let per = A.nodes
    var i = s.pointee.count
    var operandStart = UInt32(truncatingIfNeeded: start)
    let operandStride = UInt32(truncatingIfNeeded: stride)

    /// Writes neuron `q`'s nodes from its dot product `total`.
    @inline(__always) func neuron(_ q: Int, _ total: Double) {
      let w = firstWeight(q)
      let bias = w &+ n32
      let z = total + data[Int(bias)]
      let dot = UInt32(truncatingIfNeeded: i)
      op[i] = code
      lhs[i] = operandStart
      rhs[i] = n32
      data[i] = total
      grad[i] = 0
      stamp[i] = generation
      op[i &+ 1] = .add
      lhs[i &+ 1] = dot
      rhs[i &+ 1] = bias
      data[i &+ 1] = z
      grad[i &+ 1] = 0
      stamp[i &+ 1] = generation
      var y = z
      if per == 3 {
        y = a(z)
        op[i &+ 2] = a.code
        lhs[i &+ 2] = dot &+ 1
        rhs[i &+ 2] = a.constantIndex(s)
        data[i &+ 2] = y
        grad[i &+ 2] = 0
        stamp[i &+ 2] = generation
      }
      let index = UInt32(truncatingIfNeeded: i &+ per &- 1)
      out.values?[q] = Value(storage: s, index: index, stamp: generation)
      out.indices[q] = index
      out.data[q] = y
      i &+= per
      operandStart &+= operandStride
    }

    var q = k
    while q + 4 <= outputs {
      let t = Self.dots4(data + Int(firstWeight(q)), stride: n + 1, x, n)
      neuron(q, t[0])
      neuron(q &+ 1, t[1])
      neuron(q &+ 2, t[2])
      neuron(q &+ 3, t[3])
      q &+= 4
    }
    while q < outputs {
      let weights = data + Int(firstWeight(q))
      var total = 0.0
      for j in 0..<n { total += weights[j] * x[j] }
      neuron(q, total)
      q &+= 1
    }
    s.pointee.count = i
  }

  /// Four dot products of rows `stride` apart from `w` with `x`, each summed
  /// left to right from 0, as a loop of `+=` would.
  @inline(__always)
  static func dots4(
    _ w: UnsafePointer<Double>, stride: Int, _ x: UnsafePointer<Double>, _ n: Int
  ) -> SIMD4<Double> {
    let w1 = w + stride
    let w2 = w1 + stride
    let w3 = w2 + stride
    var t0 = 0.0
    var t1 = 0.0
    var t2 = 0.0
    var t3 = 0.0
    for j in 0..<n {
      let xj = x[j]
      t0 += w[j] * xj
      t1 += w1[j] * xj
      t2 += w2[j] * xj
      t3 += w3[j] * xj
    }
    return SIMD4(t0, t1, t2, t3)
  }

  /// A (weight, input) operand pair as one 8-byte word, in the order the
  /// operand table holds them in memory.
  @inline(__always)
  static func pair(_ weight: UInt32, _ input: UInt32) -> UInt64 {
    #if _endian(little)
      UInt64(weight) | UInt64(input) << 32
    #else
      UInt64(weight) << 32 | UInt64(input)
    #endif
  }

  /// Writes `n` operand pairs to `operands`: `pairs[j]` with `w` added to
  /// its weight half.
  @inline(__always)
  static func writePairs(
    _ operands: UnsafeMutablePointer<UInt32>, _ pairs: UnsafePointer<UInt64>, _ n: Int,
    adding w: UInt32
  ) {
    let raw = UnsafeMutableRawPointer(operands)
    let add = pair(w, 0)
    for j in 0..<n { raw.storeBytes(of: pairs[j] &+ add, toByteOffset: 8 * j, as: UInt64.self) }
  }

  /// Records neuron `k`'s addition of the bias and its activation through
  /// `record`, and writes its output.
  @inline(__always)
  func finish(_ k: Int, dot: Value, _ total: Double, into out: Outputs) {
    let s = storage
    let bias = firstWeight(k) &+ UInt32(truncatingIfNeeded: inputs)
    // `dot + bias`, as the operator records it.
    let z = total + s.data[Int(bias)]
    let sum = s.record(.add, dot.index, bias, z)
    let y = activation.record(on: sum, z, s)
    out.values?[k] = y
    out.indices[k] = y.index
    out.data[k] = activation(z)
  }
}

/// An activation as the fast path writes it: the op of its node, its
/// constant and its formula, fixed for a whole layer.
protocol ActivationKernel {
  /// Nodes a neuron records: 2 without an activation node, else 3.
  static var nodes: Int { get }
  var code: OpCode { get }
  /// The index of the node's constant, appended now; 0 when it has none.
  func constantIndex(_ s: UnsafeMutablePointer<TapeStorage>) -> UInt32
  func callAsFunction(_ x: Double) -> Double
}

/// `.linear`: no node.
struct LinearKernel: ActivationKernel {
  static var nodes: Int { 2 }
  var code: OpCode { .leaf }
  func constantIndex(_ s: UnsafeMutablePointer<TapeStorage>) -> UInt32 { 0 }
  func callAsFunction(_ x: Double) -> Double { x }
}

/// An activation node without a constant.
struct UnaryKernel: ActivationKernel {
  static var nodes: Int { 3 }
  let code: OpCode
  let formula: (Double) -> Double
  func constantIndex(_ s: UnsafeMutablePointer<TapeStorage>) -> UInt32 { 0 }
  @inline(__always) func callAsFunction(_ x: Double) -> Double { formula(x) }
}

/// An activation node with a constant (a slope, an α).
struct ConstantKernel: ActivationKernel {
  static var nodes: Int { 3 }
  let code: OpCode
  let constant: Double
  let formula: (Double) -> Double
  @inline(__always) func constantIndex(_ s: UnsafeMutablePointer<TapeStorage>) -> UInt32 {
    s.appendConstant(constant)
  }
  @inline(__always) func callAsFunction(_ x: Double) -> Double { formula(x) }
}

extension Activation {
  /// The op of the node the activation records and its constant, or nil
  /// for `.linear`, which records none.
  var node: (code: OpCode, constant: Double?)? {
    switch self {
    case .linear: nil
    case .step: (.step, nil)
    case .sigmoid: (.sigmoid, nil)
    case .tanh: (.tanh, nil)
    case .relu: (.relu, nil)
    case .softplus: (.softplus, nil)
    case .leakyReLU(let slope): (.leakyReLU, slope)
    case .elu(let alpha): (.elu, alpha)
    }
  }

  /// Writes the activation of `x[k]` to `y[k]` for `k < n`, with the
  /// formula of the method of the same name on ``Value``.
  @inline(__always)
  func apply(_ x: UnsafePointer<Double>, to y: UnsafeMutablePointer<Double>, _ n: Int) {
    switch self {
    case .linear: for k in 0..<n { y[k] = x[k] }
    case .step: for k in 0..<n { y[k] = Kernels.step(x[k]) }
    case .sigmoid: for k in 0..<n { y[k] = Kernels.sigmoid(x[k]) }
    case .tanh: for k in 0..<n { y[k] = LibM.tanh(x[k]) }
    case .relu: for k in 0..<n { y[k] = Kernels.relu(x[k]) }
    case .softplus: for k in 0..<n { y[k] = Kernels.softplus(x[k]) }
    case .leakyReLU(let slope): for k in 0..<n { y[k] = Kernels.leakyReLU(x[k], slope: slope) }
    case .elu(let alpha): for k in 0..<n { y[k] = Kernels.elu(x[k], alpha: alpha) }
    }
  }

  /// Records the activation of the live node `z` of `s`, whose value is
  /// `x`, as the method of the same name on ``Value`` does (the same op,
  /// constant and formula); `.linear` records nothing.
  @inline(__always)
  func record(on z: Value, _ x: Double, _ s: UnsafeMutablePointer<TapeStorage>) -> Value {
    switch self {
    case .linear: return z
    case .step: return s.record(.step, z.index, 0, Kernels.step(x))
    case .sigmoid: return s.record(.sigmoid, z.index, 0, Kernels.sigmoid(x))
    case .tanh: return s.record(.tanh, z.index, 0, LibM.tanh(x))
    case .relu: return s.record(.relu, z.index, 0, Kernels.relu(x))
    case .softplus: return s.record(.softplus, z.index, 0, Kernels.softplus(x))
    case .leakyReLU(let slope):
      let c = s.appendConstant(slope)
      return s.record(.leakyReLU, z.index, c, Kernels.leakyReLU(x, slope: slope))
    case .elu(let alpha):
      let c = s.appendConstant(alpha)
      return s.record(.elu, z.index, c, Kernels.elu(x, alpha: alpha))
    }
  }
}

extension MLP {
  /// The outputs through the fast path, or nil when it does not apply (a
  /// layer not made as a block, layers on several tapes, the wrong number
  /// of inputs, a released parameter or input): then the general path runs,
  /// and stops with its message if something is wrong. A layer found
  /// released after the earlier ones recorded also hands over to the
  /// general path, which records the rest from their outputs.
  func fastForward(_ x: [Double]) -> [Value]? {
    guard let s = plans.first??.storage, x.count == inputSize else { return nil }
    return x.withUnsafeBufferPointer { buffer in
      forward(on: s) { plan, out in plan.record(constants: buffer, into: out) }
    }
  }

  /// ``fastForward(_:)-([Double])`` for inputs that are values.
  func fastForward(_ x: [Value]) -> [Value]? {
    guard let s = plans.first??.storage, x.count == inputSize, x.count > 0 else { return nil }
    return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: x.count) { indices in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: x.count) { data in
        guard let i = indices.baseAddress, let d = data.baseAddress,
          Value.gatherInputs(x, of: s, indices: i, data: d)
        else { return nil }
        return forward(on: s) { plan, out in plan.record(inputs: i, data: d, into: out) }
      }
    }
  }

  /// Runs the layers on `s`, the first with `first`, each later one on the
  /// outputs of the one before, kept in two buffers used in turn.
  private func forward(
    on s: UnsafeMutablePointer<TapeStorage>,
    _ first: (LayerPlan, LayerPlan.Outputs) -> Void
  ) -> [Value]? {
    var width = 0
    for plan in plans {
      guard let plan, plan.storage == s else { return nil }
      width = Swift.max(width, plan.outputs)
    }
    guard let head = plans[0], head.isLive else { return nil }
    let last = plans.count - 1
    return withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 2 * width) { indices in
      withUnsafeTemporaryAllocation(of: Double.self, capacity: 2 * width) { data -> [Value]? in
        guard let i = indices.baseAddress, let d = data.baseAddress else { return nil }
        var general: [Value]? = nil
        let outputs = pool.make(count: outputSize) { values in
          var out = LayerPlan.Outputs(values: nil, indices: i, data: d)
          var input = LayerPlan.Outputs(values: nil, indices: i + width, data: d + width)
          if last == 0 { out.values = values.baseAddress }
          first(head, out)
          for k in 1..<plans.count {
            guard let plan = plans[k], let previous = plans[k - 1] else { return }
            swap(&out, &input)
            out.values = k == last ? values.baseAddress : nil
            guard plan.isLive else {
              // A parameter released since the call began (by a step
              // boundary at its first record): the general path stops with
              // its message. The outputs so far were recorded after that
              // boundary, in the current generation.
              let x = (0..<previous.outputs).map {
                Value(storage: s, index: input.indices[$0], stamp: s.pointee.generation)
              }
              general = layers[k...].reduce(x) { $1($0) }
              return
            }
            plan.record(inputs: input.indices, data: input.data, into: out)
          }
        }
        return general ?? outputs
      }
    }
  }
}

/// The arrays an MLP returns, kept to be filled again once their caller
/// has let go of them: creating an array costs an allocation and, later, a
/// release (about 100 ns here, a fifth of a call of micrograd's model), and
/// training loops drop a step's outputs before the next step asks for new
/// ones. The slots form a ring, so that a batch's outputs, held together
/// until the loss is recorded, are free again a step later.
///
/// Writing into a slot's array is an ordinary mutation of an array: if
/// someone still holds it, copy-on-write gives the slot a copy of its own
/// first (then it costs what a new array costs), so what a caller holds
/// never changes.
///
/// It has no lock, and needs none: only the fast path touches it, and the
/// fast path runs only after the plan's parameters pass their live check,
/// which includes the check that this is their tape's thread (a call from
/// another thread takes the general path and stops there with the thread
/// message), so one pool is only ever used on one thread.
final class OutputPool {
  @exclusivity(unchecked) private var slots: [[Value]]
  @exclusivity(unchecked) private var next = 0
  /// The largest arrays kept: beyond it an allocation is small beside the
  /// call, and slots would hold on to much memory.
  static let largest = 64

  init(slots: Int = 256) { self.slots = Array(repeating: [], count: slots) }

  /// An array of `count` handles written by `body`.
  func make(count: Int, _ body: (UnsafeMutableBufferPointer<Value>) -> Void) -> [Value] {
    func fresh() -> [Value] {
      [Value](unsafeUninitializedCapacity: count) { buffer, initialized in
        body(buffer)
        initialized = count
      }
    }
    guard count <= Self.largest else { return fresh() }
    let k = next
    next = k + 1 == slots.count ? 0 : k + 1
    if slots[k].count == count {
      slots[k].withUnsafeMutableBufferPointer { body($0) }
    } else {
      slots[k] = fresh()
    }
    return slots[k]
  }
}
