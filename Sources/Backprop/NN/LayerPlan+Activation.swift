// An activation as the fast path records it: the kernels of the column
// writer, and the node, formula and record of each `Activation`.

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
  @usableFromInline
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
    case .step: for k in 0..<n { y[k] = OpCode.step.forward(x[k], 0) }
    case .sigmoid: for k in 0..<n { y[k] = OpCode.sigmoid(x[k]) }
    case .tanh: for k in 0..<n { y[k] = LibM.tanh(x[k]) }
    case .relu: for k in 0..<n { y[k] = OpCode.relu.forward(x[k], 0) }
    case .softplus: for k in 0..<n { y[k] = OpCode.softplus.forward(x[k], 0) }
    case .leakyReLU(let slope): for k in 0..<n { y[k] = OpCode.leakyReLU.forward(x[k], slope) }
    case .elu(let alpha): for k in 0..<n { y[k] = OpCode.elu.forward(x[k], alpha) }
    }
  }

  /// Records the activation of the live node `z` of `s`, whose value is
  /// `x`, as the method of the same name on ``Value`` does (the same op,
  /// constant and formula, from the op table); `.linear` records nothing.
  @inline(__always)
  func record(on z: Value, _ x: Double, _ s: UnsafeMutablePointer<TapeStorage>) -> Value {
    guard let (code, constant) = node else { return z }
    let c = constant.map { s.appendConstant($0) } ?? 0
    return s.record(code, z.index, c, code.forward(x, constant ?? 0))
  }
}
