// Elementary functions as methods, named as in libm. Each records one node;
// its formula and local derivatives are in the op table (`Ops/Formulas.swift`),
// and the choices at edge points are documented here, on the function.

extension Value {
  /// Records a node of unary op `code` on this value, its value from the
  /// op table's forward formula.
  @inlinable @inline(__always)
  func record(_ code: OpCode) -> Value {
    let s = storage
    return s.record(code, index, 0, code.forward(s.data[node], 0))
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
    record(.powerConstant, constant: exponent)
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
    Value.record(.power, self, exponent)
  }

  /// eˣ. Above x ≈ 709.78 it is +inf, with gradient +inf; it never traps.
  ///
  ///     let y = x.exp()  // dy/dx = eˣ
  @inlinable @inline(__always)
  public func exp() -> Value { record(.exp) }

  /// The natural logarithm. `log(0) = −inf` with gradient +inf; a negative
  /// argument gives NaN.
  ///
  ///     let y = x.log()  // dy/dx = 1/x
  @inlinable @inline(__always)
  public func log() -> Value { record(.log) }

  /// The square root. `sqrt(0) = 0` with gradient +inf; a negative argument
  /// gives NaN.
  ///
  ///     let y = x.sqrt()  // dy/dx = 1/(2√x)
  @inlinable @inline(__always)
  public func sqrt() -> Value { record(.sqrt) }

  /// The absolute value, with `abs'(0) = 0` (PyTorch's choice; JAX uses 1).
  ///
  ///     let y = x.abs()  // dy/dx = sign(x)
  @inlinable @inline(__always)
  public func abs() -> Value { record(.abs) }

  /// The hyperbolic tangent, exact at ±1000 (±1, gradient 0): computed by
  /// libm's `tanh`, not by `(e²ˣ−1)/(e²ˣ+1)`, which is NaN above x ≈ 355.
  ///
  ///     let y = x.tanh()  // dy/dx = 1 − tanh²x
  @inlinable @inline(__always)
  public func tanh() -> Value { record(.tanh) }

  /// The logistic sigmoid σ(x) = 1/(1 + e⁻ˣ), exact at ±1000 (1 and 0, with
  /// gradient 0).
  ///
  ///     let y = x.sigmoid()  // dy/dx = σ(x)(1 − σ(x))
  @inlinable @inline(__always)
  public func sigmoid() -> Value { record(.sigmoid) }

  /// softplus(x) = log(1 + eˣ), a smooth relu; stable for every x (equal to
  /// x for large x, to eˣ for very negative x).
  ///
  ///     let y = x.softplus()  // dy/dx = σ(x)
  @inlinable @inline(__always)
  public func softplus() -> Value { record(.softplus) }
}

extension Value {
  /// The sine, in radians.
  ///
  ///     let y = x.sin()  // dy/dx = cos x
  ///
  /// ±inf and NaN give NaN, as libm's `sin` does.
  @inlinable @inline(__always)
  public func sin() -> Value { record(.sin) }

  /// The cosine, in radians.
  ///
  ///     let y = x.cos()  // dy/dx = −sin x
  ///
  /// ±inf and NaN give NaN, as libm's `cos` does.
  @inlinable @inline(__always)
  public func cos() -> Value { record(.cos) }

  /// The error function erf(x) = (2/√π) ∫₀ˣ e^(−t²) dt, libm's `erf`.
  ///
  ///     let y = x.erf()  // dy/dx = (2/√π)·e^(−x²)
  ///
  /// erf(±inf) = ±1, with gradient 0.
  @inlinable @inline(__always)
  public func erf() -> Value { record(.erf) }

  /// The complementary error function erfc(x) = 1 − erf(x), libm's `erfc`:
  /// accurate where 1 − erf(x) would cancel (erfc(6) ≈ 2.2e-17).
  ///
  ///     let y = x.erfc()  // dy/dx = −(2/√π)·e^(−x²)
  @inlinable @inline(__always)
  public func erfc() -> Value { record(.erfc) }
}
