// Every op's forward formula and local derivatives, each written once: the
// recording path, replay, `backward()`, the recorded (higher-order) sweep and
// the trace all read them from here.
//
// The local derivatives are written once, generic over a `ChainRuleArithmetic`:
// in numbers for `backward()` and the trace, in recorded values for
// `Value.gradients(of:withRespectTo:gradient:)`, whose results can be
// differentiated again. So the two sweeps agree bit for bit by construction:
// they evaluate one expression, in one order of operations. Each row reads
// its operands before it passes anything on (loads before stores: the sweep
// is about 10 % slower the other way round).

extension OpCode {
  /// The value of a node of this op with operand `x` and, for a binary op,
  /// second operand `y` (for an op with a constant, the constant; otherwise
  /// unused). Written to be exact at the extremes: no NaN from overflow at
  /// ±1000; NaN in gives NaN out.
  @inlinable @inline(__always)
  func forward(_ x: Double, _ y: Double) -> Double { withFormula { f in f(x, y) } }

  /// Calls `body` with this op's forward formula f(x, y) (``forward(_:_:)``),
  /// chosen once: a loop inside `body` then runs the formula with no
  /// dispatch on the op per element, as replay's loops do.
  @inlinable @inline(__always)
  func withFormula<R>(_ body: ((Double, Double) -> Double) -> R) -> R {
    switch self {
    case .add, .addConstant: body { x, y in x + y }
    case .subtract: body { x, y in x - y }
    case .multiply, .multiplyConstant: body { x, y in x * y }
    case .divide, .divideConstant: body { x, y in x / y }
    case .constantMinus: body { x, y in y - x }
    case .constantDivide: body { x, y in y / x }
    case .power: body { x, y in LibM.pow(x, y) }
    // x² as x·x (correctly rounded, what a hand-written square does).
    case .powerConstant: body { x, y in y == 2 ? x * x : LibM.pow(x, y) }
    // NaN if either is NaN (`Swift.max` is not NaN-propagating).
    case .maximum: body { x, y in x.isNaN || y.isNaN ? .nan : (x >= y ? x : y) }
    case .minimum: body { x, y in x.isNaN || y.isNaN ? .nan : (x <= y ? x : y) }
    case .leakyReLU: body { x, y in x > 0 ? x : y * x }
    // α(eˣ − 1) with expm1, accurate near 0.
    case .elu: body { x, y in x > 0 ? x : y * LibM.expm1(x) }
    case .negate: body { x, _ in -x }
    case .exp: body { x, _ in LibM.exp(x) }
    case .log: body { x, _ in LibM.log(x) }
    case .sqrt: body { x, _ in x.squareRoot() }
    case .abs: body { x, _ in Swift.abs(x) }
    case .tanh: body { x, _ in LibM.tanh(x) }
    case .sigmoid: body { x, _ in Self.sigmoid(x) }
    // log(1 + eˣ) as max(x, 0) + log1p(e^−|x|): exact for every x.
    case .softplus:
      body { x, _ in x.isNaN ? x : Swift.max(x, 0) + LibM.log1p(LibM.exp(-Swift.abs(x))) }
    // NaN stays NaN (`max(0, x)` would give 0).
    case .relu: body { x, _ in x > 0 ? x : (x.isNaN ? x : 0) }
    // The Heaviside step of seeds 000 and 001: 1 for x ≥ 0.
    case .step: body { x, _ in x >= 0 ? 1 : (x.isNaN ? x : 0) }
    case .sin: body { x, _ in LibM.sin(x) }
    case .cos: body { x, _ in LibM.cos(x) }
    case .erf: body { x, _ in LibM.erf(x) }
    case .erfc: body { x, _ in LibM.erfc(x) }
    // x·Φ(x), PyTorch's exact GELU, with Φ(x) = ½ erfc(−x/√2): the same as
    // ½(1 + erf(x/√2)) without its cancellation for negative x.
    case .gelu: body { x, _ in x * (0.5 * LibM.erfc(-x * Self.inverseSquareRootOf2)) }
    case .swish: body { x, _ in x * Self.sigmoid(x) }
    case .leaf, .custom, .sum, .dot, .dotConstant, .logSumExp, .maxOf:
      nonScalarFailure(self)
    }
  }

  /// σ(x) = 1 / (1 + e⁻ˣ), as e^x / (1 + e^x) for x < 0 so that neither
  /// branch overflows: σ(1000) = 1, σ(−1000) = 0.
  @inlinable @inline(__always)
  static func sigmoid(_ x: Double) -> Double {
    if x >= 0 { return 1 / (1 + LibM.exp(-x)) }
    let e = LibM.exp(x)
    return e / (1 + e)  // also the NaN path: NaN >= 0 is false
  }

  @usableFromInline static let inverseSquareRootOf2 = 0.7071067811865476
  @usableFromInline static let inverseSquareRootOf2π = 0.3989422804014327
  @usableFromInline static let twoOverSquareRootOfπ = 1.1283791670955126
}

@usableFromInline @inline(never)
func nonScalarFailure(_ code: OpCode) -> Never {
  fatalError("Backprop: internal error: \(code) has no scalar formula")
}

/// The forward formulas of the n-ary ops, over the operand table, left to
/// right as a loop of `+` would sum.
@usableFromInline
enum NaryForward {
  /// Σ data[operands[k]].
  @inlinable @inline(__always)
  static func sum(_ p: UnsafePointer<UInt32>, count n: Int, data: UnsafePointer<Double>) -> Double {
    var total = 0.0
    for k in 0..<n { total += data[Int(p[k])] }
    return total
  }

  /// Σ data[p[2k]]·data[p[2k+1]].
  @inlinable @inline(__always)
  static func dot(_ p: UnsafePointer<UInt32>, count n: Int, data: UnsafePointer<Double>) -> Double {
    var total = 0.0
    for k in 0..<n { total += data[Int(p[2 * k])] * data[Int(p[2 * k + 1])] }
    return total
  }

  /// Σ data[p[k]]·c[k].
  @inlinable @inline(__always)
  static func dot(
    _ p: UnsafePointer<UInt32>, _ c: UnsafePointer<Double>, count n: Int,
    data: UnsafePointer<Double>
  ) -> Double {
    var total = 0.0
    for k in 0..<n { total += data[Int(p[k])] * c[k] }
    return total
  }

  /// log Σ exp xₖ with the maximum m subtracted: m + log Σ e^(xₖ − m); −inf
  /// for no terms, NaN if any is NaN, m itself when m is ±inf.
  @inlinable
  static func logSumExp(
    _ p: UnsafePointer<UInt32>, count n: Int, data: UnsafePointer<Double>
  ) -> Double {
    if n == 0 { return -.infinity }
    var m = -Double.infinity
    for k in 0..<n {
      let x = data[Int(p[k])]
      if x.isNaN { return .nan }
      if x > m { m = x }
    }
    if !m.isFinite { return m }
    var total = 0.0
    for k in 0..<n { total += LibM.exp(data[Int(p[k])] - m) }
    return m + LibM.log(total)
  }

  /// max xₖ, NaN if any is NaN, −inf for no terms: the value of the
  /// operand ``firstMaximum(_:count:data:)`` picks.
  @inlinable
  static func maximum(
    _ p: UnsafePointer<UInt32>, count n: Int, data: UnsafePointer<Double>
  ) -> Double {
    guard let k = firstMaximum(p, count: n, data: data) else { return -.infinity }
    return data[Int(p[k])]
  }

  /// The position of the first NaN, or else of the first maximal operand
  /// (row-major window order for a max-pool, as PyTorch picks); nil for no
  /// operands.
  @inlinable
  static func firstMaximum(
    _ p: UnsafePointer<UInt32>, count n: Int, data: UnsafePointer<Double>
  ) -> Int? {
    guard n > 0 else { return nil }
    var best = 0
    var m = data[Int(p[0])]
    if m.isNaN { return 0 }
    for k in 1..<n {
      let x = data[Int(p[k])]
      if x.isNaN { return k }
      if x > m {
        m = x
        best = k
      }
    }
    return best
  }
}

enum ChainRule {
  /// Passes node `i`'s gradient `g` on to its operands: `give(j) { c }` for
  /// each operand `j`, in operand order, with its contribution `c` =
  /// g · ∂node/∂j (computed only when the sweep asks for it). With
  /// `weightRuns`, the terms of a dot product over consecutive leaves (a
  /// neuron's weights) go to `giveWeight(j, c)` instead, so the sweep can add
  /// them with no check.
  @inline(__always)
  static func propagate<A: ChainRuleArithmetic>(
    node i: Int, upstream g: A.Adjoint, in t: TapeColumns, _ m: A, weightRuns: Bool,
    give: (UInt32, () -> A.Adjoint) -> Void, giveWeight: (Int, A.Adjoint) -> Void
  ) {
    let code = t.op[i]
    let a = t.lhs[i]
    let b = t.rhs[i]
    let data = t.data
    switch code {
    case .leaf, .step:
      break
    case .add:
      give(a) { g }
      give(b) { g }
    case .subtract:
      give(a) { g }
      give(b) { m.negated(g) }
    case .multiply:
      let x = m.value(a)
      let y = m.value(b)
      give(a) { m.times(g, y) }
      give(b) { m.times(g, x) }
    case .divide:
      // ∂/∂x = g / y; ∂/∂y = −g · (x/y) / y, with x/y the node itself.
      let y = m.value(b)
      let z = m.value(UInt32(truncatingIfNeeded: i))
      give(a) { m.quotient(g, y) }
      give(b) { m.times(m.negated(g), m.binary(.divide, z, y)) }
    case .power:
      // ∂/∂x = y·x^(y−1) for every y (so that it differentiates in y too),
      // 0 where y = 0 and x is 0 or not finite (not 0·inf); ∂/∂y = x^y·log x,
      // with the limit 0 at x = 0 for y ≥ 0 (not 0·log 0).
      let xv = data[Int(a)]
      let p = data[Int(b)]
      let x = m.value(a)
      let y = m.value(b)
      let z = m.value(UInt32(truncatingIfNeeded: i))
      give(a) {
        if p == 0 && !(xv.isFinite && xv != 0) { return m.scaled(g, by: 0) }
        return m.times(g, m.binary(.multiply, y, m.binary(.power, x, m.unary(.addConstant, y, -1))))
      }
      give(b) {
        if xv == 0 && p >= 0 { return m.scaled(g, by: 0) }
        return m.times(g, m.binary(.multiply, z, m.unary(.log, x, 0)))
      }
    case .maximum, .minimum:
      // To the larger (smaller); a tie is split ½ each; NaN to both.
      let x = data[Int(a)]
      let y = data[Int(b)]
      if x == y {
        give(a) { m.scaled(g, by: 0.5) }
        give(b) { m.scaled(g, by: 0.5) }
      } else if x.isNaN || y.isNaN {
        give(a) { g }
        give(b) { g }
      } else if (x > y) == (code == .maximum) {
        give(a) { g }
      } else {
        give(b) { g }
      }
    case .addConstant:
      give(a) { g }
    case .multiplyConstant:
      let c = t.constants[Int(b)]
      give(a) { m.scaled(g, by: c) }
    case .divideConstant:
      let c = t.constants[Int(b)]
      give(a) { m.quotient(g, byConstant: c) }
    case .constantMinus, .negate:
      give(a) { m.negated(g) }
    case .constantDivide:
      // d(c/x)/dx = −(c/x)/x.
      let x = m.value(a)
      let z = m.value(UInt32(truncatingIfNeeded: i))
      give(a) { m.times(m.negated(g), m.binary(.divide, z, x)) }
    case .powerConstant:
      // c·x^(c−1): 0 for c = 0 everywhere, 1 for c = 1, 2x for c = 2; libm's
      // pow otherwise (for c = 3 too: pow(x, 2) is not always x·x).
      let c = t.constants[Int(b)]
      let x = m.value(a)
      switch c {
      case 0, 1: give(a) { m.scaled(g, by: c) }
      case 2: give(a) { m.times(g, m.unary(.multiplyConstant, x, 2)) }
      default:
        give(a) {
          let p =
            c - 1 == 2
            ? m.binary(.power, x, m.constant(2)) : m.unary(.powerConstant, x, c - 1)
          return m.times(g, m.unary(.multiplyConstant, p, c))
        }
      }
    case .leakyReLU:
      // The slope at 0 and below.
      let slope = t.constants[Int(b)]
      if data[Int(a)] > 0 {
        give(a) { g }
      } else {
        give(a) { m.scaled(g, by: slope) }
      }
    case .elu:
      // α·eˣ at 0 and below.
      let alpha = t.constants[Int(b)]
      let x = m.value(a)
      if data[Int(a)] > 0 {
        give(a) { g }
      } else {
        give(a) { m.times(m.scaled(g, by: alpha), m.unary(.exp, x, 0)) }
      }
    case .exp:
      let z = m.value(UInt32(truncatingIfNeeded: i))
      give(a) { m.times(g, z) }
    case .log:
      let x = m.value(a)
      give(a) { m.quotient(g, x) }
    case .sqrt:
      let z = m.value(UInt32(truncatingIfNeeded: i))
      give(a) { m.quotient(g, m.unary(.multiplyConstant, z, 2)) }
    case .abs:
      // sign(x), with sign(0) = 0 and sign(NaN) = NaN.
      let x = data[Int(a)]
      let sign: Double = x > 0 ? 1 : (x < 0 ? -1 : (x == 0 ? 0 : .nan))
      give(a) { m.scaled(g, by: sign) }
    case .tanh:
      let z = m.value(UInt32(truncatingIfNeeded: i))
      give(a) { m.times(g, m.unary(.constantMinus, m.binary(.multiply, z, z), 1)) }
    case .sigmoid:
      let z = m.value(UInt32(truncatingIfNeeded: i))
      give(a) { m.times(g, m.binary(.multiply, z, m.unary(.constantMinus, z, 1))) }
    case .relu:
      // A select, not a product: exactly 0 for x ≤ 0 whatever g is.
      let x = data[Int(a)]
      if x > 0 {
        give(a) { g }
      } else if x.isNaN {
        give(a) { m.fixed(.nan) }
      }
    case .softplus:
      let x = m.value(a)
      give(a) { m.times(g, m.unary(.sigmoid, x, 0)) }
    case .sin:
      let x = m.value(a)
      give(a) { m.times(g, m.unary(.cos, x, 0)) }
    case .cos:
      let x = m.value(a)
      give(a) { m.times(g, m.unary(.negate, m.unary(.sin, x, 0), 0)) }
    case .erf:
      // (2/√π)·e^(−x²).
      let x = m.value(a)
      give(a) {
        let e = m.unary(.exp, m.unary(.negate, m.binary(.multiply, x, x), 0), 0)
        return m.times(g, m.unary(.multiplyConstant, e, OpCode.twoOverSquareRootOfπ))
      }
    case .erfc:
      // −(2/√π)·e^(−x²).
      let x = m.value(a)
      give(a) {
        let e = m.unary(.exp, m.unary(.negate, m.binary(.multiply, x, x), 0), 0)
        return m.times(g, m.unary(.multiplyConstant, e, -OpCode.twoOverSquareRootOfπ))
      }
    case .gelu:
      // Φ(x) + x·φ(x), with Φ(x) = ½ erfc(−x/√2) and φ(x) = e^(−x²/2)/√(2π).
      let x = m.value(a)
      give(a) {
        let cdf = m.unary(
          .multiplyConstant,
          m.unary(.erfc, m.unary(.multiplyConstant, x, -OpCode.inverseSquareRootOf2), 0), 0.5)
        let e = m.unary(.exp, m.unary(.multiplyConstant, m.binary(.multiply, x, x), -0.5), 0)
        let pdf = m.unary(.multiplyConstant, e, OpCode.inverseSquareRootOf2π)
        return m.times(g, m.binary(.add, cdf, m.binary(.multiply, x, pdf)))
      }
    case .swish:
      // σ(x)·(1 + x·σ(−x)), with σ(−x) for 1 − σ(x), which cancels for large x.
      let x = m.value(a)
      give(a) {
        let s = m.unary(.sigmoid, x, 0)
        let complement = m.unary(.sigmoid, m.unary(.negate, x, 0), 0)
        let inner = m.unary(.addConstant, m.binary(.multiply, x, complement), 1)
        return m.times(g, m.binary(.multiply, s, inner))
      }
    case .custom:
      let x = m.value(a)
      give(a) { m.times(g, m.derivative(ofFunction: Int(b), at: x)) }
    case .sum:
      let start = Int(a)
      for k in start..<(start + Int(b)) { give(t.operands[k]) { g } }
    case .dot:
      let p = t.operands + Int(a)
      let n = Int(b)
      if weightRuns, let w = t.leafRun(p, n, step: 2) {
        // A neuron's weights: known leaves, so the sweep adds to them
        // without a check; the same additions in the same order.
        for k in 0..<n {
          let y = m.value(p[2 * k + 1])
          let dy = m.times(g, m.value(UInt32(truncatingIfNeeded: w + k)))
          giveWeight(w + k, m.times(g, y))
          give(p[2 * k + 1]) { dy }
        }
      } else {
        for k in 0..<n {
          let x = m.value(p[2 * k])
          let y = m.value(p[2 * k + 1])
          give(p[2 * k]) { m.times(g, y) }
          give(p[2 * k + 1]) { m.times(g, x) }
        }
      }
    case .dotConstant:
      let p = t.operands + Int(a)
      let n = Int(b)
      let c = t.constants + Int(p[0])
      if weightRuns, let w = t.leafRun(p + 1, n, step: 1) {
        for k in 0..<n { giveWeight(w + k, m.scaled(g, by: c[k])) }
      } else {
        for k in 0..<n { give(p[1 + k]) { m.scaled(g, by: c[k]) } }
      }
    case .logSumExp:
      let p = t.operands + Int(a)
      let n = Int(b)
      let y = data[i]
      if y.isFinite {
        // softmax(x)ⱼ = e^(xⱼ − m) / Σ e^(xᵢ − m), with m = max x, a constant:
        // softmax does not change when one is subtracted from every logit,
        // so neither do its derivatives. Not e^(xⱼ − y): once log n is below
        // half an ulp of m, y rounds to m and every entry would get 1.
        var shift = -Double.infinity
        for k in 0..<n { shift = Swift.max(shift, data[Int(p[k])]) }
        withUnsafeTemporaryAllocation(of: A.Local.self, capacity: n) { e in
          for k in 0..<n {
            e.initializeElement(at: k, to: m.unary(.exp, m.unary(.addConstant, m.value(p[k]), -shift), 0))
          }
          let scale = m.quotient(g, m.sum(e))
          for k in 0..<n {
            let ek = e[k]
            give(p[k]) { m.times(scale, ek) }
          }
          _ = e.deinitialize()
        }
      } else if y.isNaN {
        for k in 0..<n { give(p[k]) { m.fixed(.nan) } }
      } else {
        // ±inf: shared by the entries equal to the result.
        var ties = 0
        for k in 0..<n where data[Int(p[k])] == y { ties += 1 }
        let count = Double(ties)
        for k in 0..<n where data[Int(p[k])] == y { give(p[k]) { m.quotient(g, byConstant: count) } }
      }
    case .maxOf:
      // The whole gradient to the first maximal operand (the first NaN), as
      // PyTorch's max-pool: 1 for it, 0 for the rest, so nothing of x is
      // recorded and second derivatives through it are 0.
      let p = t.operands + Int(a)
      if let k = NaryForward.firstMaximum(p, count: Int(b), data: data) { give(p[k]) { g } }
    }
  }
}
