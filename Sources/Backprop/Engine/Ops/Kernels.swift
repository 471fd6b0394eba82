/// The scalar formulas behind the forward values of the elementary functions,
/// in one place so that recording, replay and tests agree bit for bit.
///
/// Each is written to be exact at the extremes: no NaN from overflow at ±1000,
/// NaN in gives NaN out.
@usableFromInline
enum Kernels {
  /// σ(x) = 1 / (1 + e⁻ˣ), computed as e^x / (1 + e^x) for x < 0 so that
  /// neither branch overflows: σ(1000) = 1, σ(−1000) = 0.
  @inlinable @inline(__always)
  static func sigmoid(_ x: Double) -> Double {
    if x >= 0 {
      return 1 / (1 + LibM.exp(-x))
    }
    let e = LibM.exp(x)
    return e / (1 + e)  // also the NaN path: NaN >= 0 is false
  }

  /// softplus(x) = log(1 + eˣ), computed as max(x, 0) + log1p(e^−|x|): exact
  /// for every x, linear (x itself) once e^−|x| is below half an ulp of x.
  @inlinable @inline(__always)
  static func softplus(_ x: Double) -> Double {
    if x.isNaN { return x }
    return Swift.max(x, 0) + LibM.log1p(LibM.exp(-Swift.abs(x)))
  }

  /// relu(x) = x for x > 0, else 0; NaN stays NaN (`max(0, x)` would give 0).
  @inlinable @inline(__always)
  static func relu(_ x: Double) -> Double {
    x > 0 ? x : (x.isNaN ? x : 0)
  }

  /// leakyReLU(x) = x for x > 0, else slope·x.
  @inlinable @inline(__always)
  static func leakyReLU(_ x: Double, slope: Double) -> Double {
    x > 0 ? x : slope * x
  }

  /// elu(x) = x for x > 0, else α(eˣ − 1), with expm1 for accuracy near 0.
  @inlinable @inline(__always)
  static func elu(_ x: Double, alpha: Double) -> Double {
    x > 0 ? x : alpha * LibM.expm1(x)
  }

  /// The Heaviside step as seeds 000 and 001 define it: 1 for x ≥ 0, else 0;
  /// NaN stays NaN.
  @inlinable @inline(__always)
  static func step(_ x: Double) -> Double {
    x >= 0 ? 1 : (x.isNaN ? x : 0)
  }

  /// x^p, with x² computed as x·x (correctly rounded, and what a hand-written
  /// square does).
  @inlinable @inline(__always)
  static func power(_ x: Double, _ p: Double) -> Double {
    p == 2 ? x * x : LibM.pow(x, p)
  }

  /// |x|.
  @inlinable @inline(__always)
  static func abs(_ x: Double) -> Double { Swift.abs(x) }

  /// max(x, y), NaN if either is NaN (`Swift.max` is not NaN-propagating).
  @inlinable @inline(__always)
  static func maximum(_ x: Double, _ y: Double) -> Double {
    if x.isNaN || y.isNaN { return .nan }
    return x >= y ? x : y
  }

  /// min(x, y), NaN if either is NaN.
  @inlinable @inline(__always)
  static func minimum(_ x: Double, _ y: Double) -> Double {
    if x.isNaN || y.isNaN { return .nan }
    return x <= y ? x : y
  }
}
