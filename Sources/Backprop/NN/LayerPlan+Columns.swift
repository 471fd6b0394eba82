// Writing a run of a layer's neurons straight into the tape's columns, four
// dot products at a time, when none of their records would leave the fast path.

extension LayerPlan {
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
    let a = activation
    switch a.code.layout {
    case .leaf: writeRest(LinearKernel(), k, code, start, stride, x, out)
    case .unaryFunction:
      guard let definition = a.function?.takeUnretainedValue() else { return }
      let index = UInt32(truncatingIfNeeded: storage.pointee.functionIndex(definition))
      let kernel = CustomKernel(index: index, formula: definition.function)
      writeRest(kernel, k, code, start, stride, x, out)
    // The formula is chosen once per layer, so the loop has no dispatch on
    // the op.
    case .unary:
      a.code.withFormula { formula in
        withoutActuallyEscaping(formula) { f in
          writeRest(UnaryKernel(code: a.code) { f($0, 0) }, k, code, start, stride, x, out)
        }
      }
    case .unaryConstant:
      let c = a.constant
      a.code.withFormula { formula in
        withoutActuallyEscaping(formula) { f in
          writeRest(
            ConstantKernel(code: a.code, constant: c) { f($0, c) }, k, code, start, stride, x, out)
        }
      }
    case .binary, .list, .pairs, .constantList:
      stop("Backprop: an activation records a unary node, not '\(a.code.name)'")
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
}
