// Elementary functions as methods, named as in libm. Each records one node;
// the local derivatives are in `Backward.swift`, and the choices at edge
// points are documented here, on the function.

extension Value {
  /// Records a unary node with no constant.
  @inlinable @inline(__always)
  func record(_ code: OpCode, _ value: (Double) -> Double) -> Value {
    let s = storage
    return s.record(code, index, 0, value(s.data[node]))
  }

  /// `x` raised to a constant power.
  ///
  ///     let y = x.pow(3)  // dy/dx = 3x²
  ///
  /// Derivative `p·x^(p−1)`, with the limits at `x = 0`: `d(x²)/dx = 0`,
  /// `d(x¹)/dx = 1`, `d(x^0.5)/dx = +inf`, and `d(x⁰)/dx = 0` everywhere. A
  /// negative base with a non-integer power gives NaN, as libm's `pow` does.
  ///
  /// - Parameter exponent: The power `p`.
  /// - Returns: `x^p`.
  @inlinable @inline(__always)
  public func pow(_ exponent: Double) -> Value {
    record(.powerConstant, constant: exponent) { Kernels.power($0, exponent) }
  }

  /// `x` raised to a power that is itself a value; both receive gradients.
  ///
  ///     let z = x.pow(y)  // ∂z/∂x = y·x^(y−1), ∂z/∂y = x^y·log x
  ///
  /// At `x = 0` with `y ≥ 0`, `∂z/∂y` is 0 (the limit), not `0·log 0 = NaN`;
  /// with a negative base it is NaN, because `log x` is (PyTorch's rules).
  ///
  /// A literal exponent (`x.pow(2)`) picks ``pow(_:)-(Double)``, which
  /// records no leaf for the exponent. That one computes a square as x·x
  /// (correctly rounded), this one always with libm's `pow`, which for about
  /// 3 values of x in 10,000 differs from x·x in the last bit.
  ///
  /// - Parameter exponent: The power `y`.
  /// - Returns: `x^y`.
  @inlinable @_disfavoredOverload
  public func pow(_ exponent: Value) -> Value {
    let s = Value.storage(self, exponent)
    return s.record(
      .power, index, exponent.index,
      LibM.pow(s.data[Int(index)], s.data[Int(exponent.index)]))
  }

  /// eˣ. Above x ≈ 709.78 it is +inf, with gradient +inf; it never traps.
  ///
  ///     let y = x.exp()  // dy/dx = eˣ
  @inlinable @inline(__always)
  public func exp() -> Value { record(.exp) { LibM.exp($0) } }

  /// The natural logarithm. `log(0) = −inf` with gradient +inf; a negative
  /// argument gives NaN.
  ///
  ///     let y = x.log()  // dy/dx = 1/x
  @inlinable @inline(__always)
  public func log() -> Value { record(.log) { LibM.log($0) } }

  /// The square root. `sqrt(0) = 0` with gradient +inf; a negative argument
  /// gives NaN.
  ///
  ///     let y = x.sqrt()  // dy/dx = 1/(2√x)
  @inlinable @inline(__always)
  public func sqrt() -> Value { record(.sqrt) { $0.squareRoot() } }

  /// The absolute value, with `abs'(0) = 0` (PyTorch's choice; JAX uses 1).
  ///
  ///     let y = x.abs()  // dy/dx = sign(x)
  @inlinable @inline(__always)
  public func abs() -> Value { record(.abs) { Kernels.abs($0) } }

  /// The hyperbolic tangent, exact at ±1000 (±1, gradient 0): computed by
  /// libm's `tanh`, not by `(e²ˣ−1)/(e²ˣ+1)`, which is NaN above x ≈ 355.
  ///
  ///     let y = x.tanh()  // dy/dx = 1 − tanh²x
  @inlinable @inline(__always)
  public func tanh() -> Value { record(.tanh) { LibM.tanh($0) } }

  /// The logistic sigmoid σ(x) = 1/(1 + e⁻ˣ), exact at ±1000 (1 and 0, with
  /// gradient 0).
  ///
  ///     let y = x.sigmoid()  // dy/dx = σ(x)(1 − σ(x))
  @inlinable @inline(__always)
  public func sigmoid() -> Value { record(.sigmoid) { Kernels.sigmoid($0) } }

  /// softplus(x) = log(1 + eˣ), a smooth relu; stable for every x (equal to
  /// x for large x, to eˣ for very negative x).
  ///
  ///     let y = x.softplus()  // dy/dx = σ(x)
  @inlinable @inline(__always)
  public func softplus() -> Value { record(.softplus) { Kernels.softplus($0) } }
}
