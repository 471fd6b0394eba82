// The package's seeded random number generator (xoshiro256**), the same
// sequence for a seed on every platform, and its uniform and Gaussian draws.

/// A seedable random number generator (xoshiro256**, seeded through
/// SplitMix64) that gives the same sequence for the same seed on every
/// platform.
///
/// Everything random in Backprop takes a generator (`using:`), so a seeded one
/// makes a run reproducible:
///
///     var rng = SeededGenerator(seed: 42)
///     let a = rng.next()
///     var again = SeededGenerator(seed: 42)
///     print(a == again.next())
///     // Prints "true"
///
/// It is not cryptographically secure.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var s0: UInt64
  private var s1: UInt64
  private var s2: UInt64
  private var s3: UInt64

  /// Creates a generator whose sequence is fixed by `seed`.
  ///
  ///     var rng = SeededGenerator(seed: 42)
  ///     let model = MLP(inputSize: 2, layerSizes: [4, 1], activation: .tanh, using: &rng)
  ///
  /// - Parameter seed: Any 64-bit value; different seeds give unrelated
  ///   sequences.
  public init(seed: UInt64) {
    var sm = seed
    func splitMix() -> UInt64 {
      sm &+= 0x9E37_79B9_7F4A_7C15
      var z = sm
      z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z &>> 31)
    }
    s0 = splitMix()
    s1 = splitMix()
    s2 = splitMix()
    s3 = splitMix()
  }

  /// The next 64 random bits.
  ///
  ///     var rng = SeededGenerator(seed: 7)
  ///     let bits = rng.next()  // a UInt64
  ///
  /// - Returns: 64 bits, uniformly distributed.
  public mutating func next() -> UInt64 {
    let result = rotateLeft(s1 &* 5, 7) &* 9
    let t = s1 &<< 17
    s2 ^= s0
    s3 ^= s1
    s1 ^= s2
    s0 ^= s3
    s2 ^= t
    s3 = rotateLeft(s3, 45)
    return result
  }

  private func rotateLeft(_ x: UInt64, _ k: UInt64) -> UInt64 {
    (x &<< k) | (x &>> (64 - k))
  }

  /// A uniformly distributed `Double` in `[0, 1)` with 53 random bits: the
  /// same on every platform (unlike `Double.random(in:using:)`, whose
  /// algorithm is the standard library's to change).
  ///
  ///     var rng = SeededGenerator(seed: 1)
  ///     let u = rng.nextUniform()  // 0 ≤ u < 1
  public mutating func nextUniform() -> Double { uniform() }

  /// A uniformly distributed `Double` in `[lower, upper)`.
  ///
  ///     let w = rng.nextUniform(in: -1, 1)
  ///
  /// - Parameters:
  ///   - lower: The smallest value.
  ///   - upper: The bound, not included.
  public mutating func nextUniform(in lower: Double, _ upper: Double) -> Double {
    uniform(in: lower, upper)
  }

  /// A standard normal `Double` (Box–Muller), the same on every platform
  /// given the platform's `log`, `sqrt` and `cos`.
  ///
  ///     let z = rng.nextGaussian()
  public mutating func nextGaussian() -> Double { gaussian() }
}

// The draws of every random function of the library, on any generator: the
// algorithms are fixed here (not the standard library's, which it may
// change), so a `SeededGenerator` gives the same numbers on every platform.
extension RandomNumberGenerator {
  /// A uniformly distributed `Double` in `[0, 1)` from the top 53 bits of
  /// one `next()`.
  mutating func uniform() -> Double {
    Double(next() &>> 11) * 0x1.0p-53
  }

  /// A uniformly distributed `Double` in `[lower, upper)`.
  mutating func uniform(in lower: Double, _ upper: Double) -> Double {
    lower + (upper - lower) * uniform()
  }

  /// A standard normal `Double` (Box–Muller).
  mutating func gaussian() -> Double {
    var u = uniform()
    while u == 0 { u = uniform() }
    let v = uniform()
    return (-2 * LibM.log(u)).squareRoot() * LibM.cos(2 * Double.pi * v)
  }

  /// A uniformly distributed integer in `0..<bound`, without modulo bias
  /// (rejection of the lowest 2⁶⁴ mod bound values).
  ///
  /// - Precondition: `bound > 0`.
  mutating func nextIndex(below bound: Int) -> Int {
    require(bound > 0, "Backprop: nextIndex(below:) needs a positive bound")
    let b = UInt64(bound)
    let threshold = (0 &- b) % b
    while true {
      let r = next()
      if r >= threshold { return Int(r % b) }
    }
  }
}
