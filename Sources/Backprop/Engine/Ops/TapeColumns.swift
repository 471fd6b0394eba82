// The columns of a tape that the op table's formulas read, and the
// arithmetic (numbers or recorded values) that a sweep runs them in.

/// The columns of a tape that the formulas read, loaded once per sweep.
struct TapeColumns {
  let storage: UnsafeMutablePointer<TapeStorage>
  let op: UnsafeMutablePointer<OpCode>
  let lhs: UnsafeMutablePointer<UInt32>
  let rhs: UnsafeMutablePointer<UInt32>
  let data: UnsafeMutablePointer<Double>
  let grad: UnsafeMutablePointer<Double>
  let operands: UnsafeMutablePointer<UInt32>
  let constants: UnsafeMutablePointer<Double>

  init(_ s: UnsafeMutablePointer<TapeStorage>) {
    storage = s
    op = s.pointee.op
    lhs = s.pointee.lhs
    rhs = s.pointee.rhs
    data = s.pointee.data
    grad = s.pointee.grad
    operands = s.pointee.operands
    constants = s.pointee.constants
  }

  /// The value of node `i` from its operands, with the formula it was
  /// recorded with (a leaf's own data).
  @inline(__always)
  func forward(_ i: Int) -> Double {
    let code = op[i]
    let a = Int(lhs[i])
    let b = Int(rhs[i])
    switch code.layout {
    case .leaf: return data[i]
    case .unary: return code.forward(data[a], 0)
    case .unaryConstant: return code.forward(data[a], constants[b])
    case .binary: return code.forward(data[a], data[b])
    case .unaryFunction: return storage.pointee.functions[b].function(data[a])
    case .list:
      if code == .sum { return NaryForward.sum(operands + a, count: b, data: data) }
      if code == .maxOf { return NaryForward.maximum(operands + a, count: b, data: data) }
      return NaryForward.logSumExp(operands + a, count: b, data: data)
    case .pairs: return NaryForward.dot(operands + a, count: b, data: data)
    case .constantList:
      return NaryForward.dot(operands + a + 1, constants + Int(operands[a]), count: b, data: data)
    }
  }

  /// The first index of `n ≥ 1` operands, `step` entries apart from `p`,
  /// when they are consecutive leaves (a neuron's weights), or nil.
  @inline(__always)
  func leafRun(_ p: UnsafeMutablePointer<UInt32>, _ n: Int, step: Int) -> Int? {
    guard n > 0 else { return nil }
    let first = p[0]
    var mismatch: UInt32 = 0
    for k in 0..<n { mismatch |= p[k * step] ^ (first &+ UInt32(truncatingIfNeeded: k)) }
    guard mismatch == 0 else { return nil }
    let ops = op + Int(first)
    var kinds: UInt8 = 0
    for k in 0..<n { kinds |= ops[k].rawValue ^ OpCode.leaf.rawValue }
    return kinds == 0 ? Int(first) : nil
  }
}

/// What a sweep computes the chain rule in: numbers (`backward()`, the
/// trace) or recorded values (the recorded sweep), for local derivatives
/// (`Local`) and for the gradients passed down (`Adjoint`).
protocol ChainRuleArithmetic {
  associatedtype Local
  associatedtype Adjoint
  /// Node `j`'s value.
  func value(_ j: UInt32) -> Local
  /// A constant.
  func constant(_ c: Double) -> Local
  /// Op `code` (unary, or with its constant `c`) at `x`: computed, or recorded.
  func unary(_ code: OpCode, _ x: Local, _ c: Double) -> Local
  /// Binary op `code` at `x`, `y`.
  func binary(_ code: OpCode, _ x: Local, _ y: Local) -> Local
  /// The derivative of function `k` of the tape's function table at `x`.
  func derivative(ofFunction k: Int, at x: Local) -> Local
  /// Σ xᵢ, left to right.
  func sum(_ xs: UnsafeMutableBufferPointer<Local>) -> Local
  /// g·d.
  func times(_ g: Adjoint, _ d: Local) -> Adjoint
  /// g·c.
  func scaled(_ g: Adjoint, by c: Double) -> Adjoint
  /// g/d.
  func quotient(_ g: Adjoint, _ d: Local) -> Adjoint
  /// g/c.
  func quotient(_ g: Adjoint, byConstant c: Double) -> Adjoint
  /// −g.
  func negated(_ g: Adjoint) -> Adjoint
  /// A contribution that is a constant whatever the upstream gradient (NaN).
  func fixed(_ c: Double) -> Adjoint
}
