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
    case .gelu: (.gelu, nil)
    case .swish: (.swish, nil)
    case .leakyReLU(let slope): (.leakyReLU, slope)
    case .elu(let alpha): (.elu, alpha)
    case .custom: (.custom, nil)
    }
  }
}

/// A layer's activation as the fast path keeps it: plain bits (its op, its
/// constant, an unowned reference to a user's function), so that a plan
/// copies without reference counting. The layer's neurons hold the
/// ``Activation`` itself, and with it the function.
struct PlanActivation {
  /// The activation's node, `.leaf` for `.linear` (no node).
  let code: OpCode
  /// The slope or α; 0 when there is none.
  let constant: Double
  /// The function of `.custom`, nil otherwise.
  let function: Unmanaged<ElementwiseFunction.Definition>?

  init(_ activation: Activation) {
    switch activation {
    case .custom(let f):
      code = .custom
      constant = 0
      function = Unmanaged.passUnretained(f.definition)
    default:
      let node = activation.node
      code = node?.code ?? .leaf
      constant = node?.constant ?? 0
      function = nil
    }
  }

  /// a(z), with the formula of the method of the same name on ``Value``.
  @inline(__always)
  func callAsFunction(_ z: Double) -> Double {
    if let function { return function.takeUnretainedValue().function(z) }
    return code == .leaf ? z : code.forward(z, constant)
  }

  /// Records a(z) on the live node `z` of `s`, whose value is `x`.
  @inline(__always)
  func record(on z: Value, _ x: Double, _ s: UnsafeMutablePointer<TapeStorage>) -> Value {
    switch code {
    case .leaf: return z
    case .custom:
      guard let definition = function?.takeUnretainedValue() else { return z }
      let k = s.pointee.functionIndex(definition)
      return s.record(.custom, z.index, UInt32(truncatingIfNeeded: k), definition.function(x))
    default:
      let c = code.hasConstant ? s.appendConstant(constant) : 0
      return s.record(code, z.index, c, code.forward(x, constant))
    }
  }
}

/// A user's function: its node's operand is its index in the tape's table.
struct CustomKernel: ActivationKernel {
  static var nodes: Int { 3 }
  var code: OpCode { .custom }
  let index: UInt32
  let formula: @Sendable (Double) -> Double
  func constantIndex(_ s: UnsafeMutablePointer<TapeStorage>) -> UInt32 { index }
  @inline(__always) func callAsFunction(_ x: Double) -> Double { formula(x) }
}
