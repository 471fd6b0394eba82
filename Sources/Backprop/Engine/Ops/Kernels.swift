// TEMPORARY: forwards to the op table while NN/ is being split; removed once
// LayerPlan and Activation read `OpCode.forward` directly.
@usableFromInline
enum Kernels {
  @inlinable @inline(__always) static func sigmoid(_ x: Double) -> Double { OpCode.sigmoid(x) }
  @inlinable @inline(__always) static func softplus(_ x: Double) -> Double {
    OpCode.softplus.forward(x, 0)
  }
  @inlinable @inline(__always) static func relu(_ x: Double) -> Double { OpCode.relu.forward(x, 0) }
  @inlinable @inline(__always) static func leakyReLU(_ x: Double, slope: Double) -> Double {
    OpCode.leakyReLU.forward(x, slope)
  }
  @inlinable @inline(__always) static func elu(_ x: Double, alpha: Double) -> Double {
    OpCode.elu.forward(x, alpha)
  }
  @inlinable @inline(__always) static func step(_ x: Double) -> Double { OpCode.step.forward(x, 0) }
}
