// The recording fast path of layers and MLPs: a layer's parameters as one
// block of consecutive leaves, and the records of a layer's neurons from it.

// A layer made by `Layer`'s or `MLP`'s initialisers has its parameters as
// one block of consecutive leaves (neuron after neuron, each neuron's weights
// and then its bias), so one check of the block's last leaf vouches for all
// of them, and a neuron's weights are read at consecutive indices with no
// operand index. The inputs of a layer are gathered and checked once for all
// its neurons, and between the layers of an MLP they stay in small buffers:
// no array of handles per layer, no handle copied per neuron.
//
// The nodes recorded are exactly those of the general path (`Neuron`'s
// `activation(Value.dot(weights, x) + bias)`): per neuron a dot product, an
// addition and the activation (none for `.linear`), with the same operands
// in the same order and the same arithmetic, so values and gradients are
// bit for bit the same. Only the constant table differs: a layer over plain
// numbers appends them once for all its neurons instead of once per neuron.
//
// The rest of the fast path: LayerPlan+Columns.swift (a run of neurons
// written straight into the columns), LayerPlan+Activation.swift (the
// activations' nodes), MLP+FastForward.swift (an MLP's layers in turn) and
// OutputPool.swift (the arrays it returns).

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
  /// The neurons' activation, as plain bits.
  let activation: PlanActivation

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
    activation = PlanActivation(head.activation)
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
