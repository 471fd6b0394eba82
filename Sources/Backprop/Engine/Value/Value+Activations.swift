// Piecewise activations and max/min: the functions with kinks, and the choice
// made at each kink, which follows PyTorch.

extension Value {
  /// The rectified linear unit, `max(0, x)`.
  ///
  ///     let y = x.relu()  // dy/dx = 1 for x > 0, else 0
  ///
  /// `relu'(0) = 0`. `relu(NaN)` is NaN (Swift's `max(0, x)` would hide it).
  /// The backward pass is a select, not a product: for `x ≤ 0` the gradient
  /// that reaches `x` is exactly 0 even when the upstream gradient is inf or
  /// NaN.
  @inlinable @inline(__always)
  public func relu() -> Value { record(.relu) }

  /// The leaky rectified linear unit: `x` for `x > 0`, else `slope · x`.
  ///
  ///     let y = x.leakyReLU(slope: 0.01)
  ///
  /// At 0 the derivative is `slope` (PyTorch's choice).
  ///
  /// - Parameter slope: The slope for negative inputs; 0.01 by default.
  @inlinable @inline(__always)
  public func leakyReLU(slope: Double = 0.01) -> Value {
    record(.leakyReLU, constant: slope)
  }

  /// The exponential linear unit: `x` for `x > 0`, else `α(eˣ − 1)`.
  ///
  ///     let y = x.elu(alpha: 1)
  ///
  /// At 0 the derivative is `α` (the left limit, PyTorch's choice; for
  /// `α = 1` both limits agree).
  ///
  /// - Parameter alpha: The saturation value for large negative inputs is −α;
  ///   1 by default.
  @inlinable @inline(__always)
  public func elu(alpha: Double = 1) -> Value {
    record(.elu, constant: alpha)
  }

  /// The Heaviside step as the seeds define it: 1 for `x ≥ 0`, else 0.
  ///
  ///     let y = x.step()  // dy/dx = 0 everywhere
  ///
  /// Its derivative is 0 everywhere (also at 0, where it does not exist), so
  /// no gradient flows through a step: use it for decisions, not inside a
  /// model you train by gradient descent. `step(NaN)` is NaN.
  @inlinable @inline(__always)
  public func step() -> Value { record(.step) }

  /// The larger of two values; NaN if either is NaN.
  ///
  ///     let m = Value.maximum(a, b)
  ///
  /// The gradient goes to the larger; on a tie it is split evenly (½ each).
  @inlinable @inline(__always)
  public static func maximum(_ a: Value, _ b: Value) -> Value {
    Value.record(.maximum, a, b)
  }

  /// The smaller of two values; NaN if either is NaN.
  ///
  ///     let m = Value.minimum(a, b)
  ///
  /// The gradient goes to the smaller; on a tie it is split evenly (½ each).
  @inlinable @inline(__always)
  public static func minimum(_ a: Value, _ b: Value) -> Value {
    Value.record(.minimum, a, b)
  }
}

extension Value {
  /// The Gaussian error linear unit, exact: GELU(x) = x·Φ(x), with
  /// Φ(x) = ½(1 + erf(x/√2)) the standard normal distribution function
  /// (PyTorch's `gelu` with `approximate="none"`), computed as ½ erfc(−x/√2),
  /// which does not cancel for negative x.
  ///
  ///     let y = x.gelu()  // dy/dx = Φ(x) + x·φ(x), φ(x) = e^(−x²/2)/√(2π)
  ///
  /// GELU(1000) = 1000 and GELU(−1000) = −0, with gradients 1 and 0; at ±inf
  /// the value is NaN for −inf (−inf·0), as in PyTorch.
  @inlinable @inline(__always)
  public func gelu() -> Value { record(.gelu) }

  /// Swish, also called SiLU: swish(x) = x·σ(x).
  ///
  ///     let y = x.swish()  // dy/dx = σ(x)·(1 + x·(1 − σ(x)))
  ///
  /// swish(1000) = 1000 and swish(−1000) = −0, with gradients 1 and 0;
  /// swish(−inf) is NaN (−inf·0), as PyTorch's `silu`.
  @inlinable @inline(__always)
  public func swish() -> Value { record(.swish) }
}
