// Toy data sets for classification: two moons, circles, XOR, spirals, blobs,
// and the four points of seed 002.

// Every generator draws only through the package's own uniform, Gaussian and
// shuffle algorithms (on any random number generator), so a `SeededGenerator`'s
// seed gives the same data on every platform.

import Foundation

extension Dataset {
  /// Two interleaving half circles, scikit-learn's `make_moons`: the classic
  /// data set that a linear model cannot separate.
  ///
  /// With n₀ = ⌊count/2⌋ points of class 0 and n₁ = count − n₀ of class 1,
  /// and tᵢ = π·i/(nₖ − 1) evenly spaced over [0, π] (t₀ = 0 when nₖ = 1):
  ///
  ///     class 0 (outer):  (cos t,     sin t)
  ///     class 1 (inner):  (1 − cos t, 1 − sin t − 0.5)
  ///
  /// then `noise`·N(0, 1) is added to each coordinate (x then y, point by
  /// point, class 0 first), and the rows are shuffled with the generator.
  ///
  ///     var rng = SeededGenerator(seed: 7)
  ///     let moons = Dataset.twoMoons(count: 100, noise: 0.1, using: &rng)
  ///     print(moons.count, moons.featureCount, moons.classCount ?? 0)
  ///     // Prints "100 2 2"
  ///
  /// - Parameters:
  ///   - count: The number of points, at least 1.
  ///   - noise: The standard deviation of the Gaussian noise, ≥ 0.
  ///   - generator: The source of the noise and the shuffle: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Returns: `count` rows of 2 features, labels 0 (outer) and 1 (inner).
  /// - Precondition: `count ≥ 1`; `noise` is finite and ≥ 0.
  /// - Complexity: O(`count`).
  public static func twoMoons(
    count: Int, noise: Double, using generator: inout some RandomNumberGenerator
  ) -> Dataset {
    checkGeneratorArguments(count: count, noise: noise, name: "twoMoons")
    let outer = count / 2
    let inner = count - outer
    var features: [[Double]] = []
    var labels: [Double] = []
    features.reserveCapacity(count)
    labels.reserveCapacity(count)
    for i in 0..<outer {
      let t = evenlySpaced(i, of: outer, over: Double.pi)
      features.append([cos(t), sin(t)])
      labels.append(0)
    }
    for i in 0..<inner {
      let t = evenlySpaced(i, of: inner, over: Double.pi)
      features.append([1 - cos(t), 1 - sin(t) - 0.5])
      labels.append(1)
    }
    return noisyShuffled(features, labels, noise: noise, using: &generator)
  }

  /// Two concentric circles, scikit-learn's `make_circles`: a class inside
  /// another, separable only by a non-linear boundary.
  ///
  /// With n₀ = ⌊count/2⌋ points of class 0 and n₁ = count − n₀ of class 1,
  /// and tᵢ = 2π·i/nₖ evenly spaced over [0, 2π) (the end point left out):
  ///
  ///     class 0 (outer):  (cos t, sin t)
  ///     class 1 (inner):  factor · (cos t, sin t)
  ///
  /// then `noise`·N(0, 1) is added to each coordinate (x then y, point by
  /// point, class 0 first), and the rows are shuffled with the generator.
  ///
  ///     var rng = SeededGenerator(seed: 7)
  ///     let rings = Dataset.circles(count: 100, noise: 0.05, factor: 0.5, using: &rng)
  ///     print(rings.count, rings.classCount ?? 0)
  ///     // Prints "100 2"
  ///
  /// - Parameters:
  ///   - count: The number of points, at least 1.
  ///   - noise: The standard deviation of the Gaussian noise, ≥ 0.
  ///   - factor: The inner circle's radius relative to the outer one's (1),
  ///     in [0, 1); 0.5 by default.
  ///   - generator: The source of the noise and the shuffle: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Returns: `count` rows of 2 features, labels 0 (outer) and 1 (inner).
  /// - Precondition: `count ≥ 1`; `noise` is finite and ≥ 0;
  ///   `0 ≤ factor < 1`.
  /// - Complexity: O(`count`).
  public static func circles(
    count: Int, noise: Double, factor: Double = 0.5,
    using generator: inout some RandomNumberGenerator
  ) -> Dataset {
    checkGeneratorArguments(count: count, noise: noise, name: "circles")
    require(
      factor >= 0 && factor < 1,
      "Backprop: circles(factor:) must be in [0, 1) (the inner radius); got \(factor)")
    let outer = count / 2
    let inner = count - outer
    var features: [[Double]] = []
    var labels: [Double] = []
    features.reserveCapacity(count)
    labels.reserveCapacity(count)
    for i in 0..<outer {
      let t = 2 * Double.pi * Double(i) / Double(outer)
      features.append([cos(t), sin(t)])
      labels.append(0)
    }
    for i in 0..<inner {
      let t = 2 * Double.pi * Double(i) / Double(inner)
      features.append([factor * cos(t), factor * sin(t)])
      labels.append(1)
    }
    return noisyShuffled(features, labels, noise: noise, using: &generator)
  }

  /// Four Gaussian clusters around (±1, ±1) labelled by exclusive or: the
  /// problem a single neuron cannot solve.
  ///
  /// Point i belongs to cluster i mod 4, whose centre c is (−1, −1), (−1, 1),
  /// (1, −1), (1, 1) in that order, so the clusters differ in size by at most
  /// one point. Its label comes from the sign product of the centre, which
  /// is the XOR of the two coordinates' signs:
  ///
  ///     x     = c + noise · (N(0, 1), N(0, 1))
  ///     label = (1 − sign(c₁)·sign(c₂)) / 2    // 1 where the signs differ
  ///
  /// then the rows are shuffled with the generator. With large noise a point
  /// may cross into another quadrant and keep its cluster's label.
  ///
  ///     var rng = SeededGenerator(seed: 7)
  ///     let xor = Dataset.xor(count: 8, noise: 0.1, using: &rng)
  ///     print(xor.labels.filter { $0 == 1 }.count)
  ///     // Prints "4"
  ///
  /// - Parameters:
  ///   - count: The number of points, at least 1.
  ///   - noise: The standard deviation of each cluster, ≥ 0.
  ///   - generator: The source of the noise and the shuffle: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Returns: `count` rows of 2 features, labels 0 (same signs) and 1
  ///   (different signs).
  /// - Precondition: `count ≥ 1`; `noise` is finite and ≥ 0.
  /// - Complexity: O(`count`).
  public static func xor(
    count: Int, noise: Double, using generator: inout some RandomNumberGenerator
  ) -> Dataset {
    checkGeneratorArguments(count: count, noise: noise, name: "xor")
    let centres: [(Double, Double)] = [(-1, -1), (-1, 1), (1, -1), (1, 1)]
    var features: [[Double]] = []
    var labels: [Double] = []
    features.reserveCapacity(count)
    labels.reserveCapacity(count)
    for i in 0..<count {
      let (cx, cy) = centres[i % 4]
      features.append([cx, cy])
      labels.append((1 - cx * cy) / 2)
    }
    return noisyShuffled(features, labels, noise: noise, using: &generator)
  }

  /// K interleaved spiral arms, one per class, like the spiral data of
  /// Stanford's CS231n notes (noise on the coordinates, not the angle).
  ///
  /// Class k gets ⌊count/K⌋ points, one more for the first count mod K
  /// classes. Its point i of nₖ lies at radius rᵢ = (i + 1)/nₖ in (0, 1],
  /// on an arm that turns one and a half times:
  ///
  ///     θ = 2π·k/K + 3π·r
  ///     x = r · (cos θ, sin θ) + noise · (N(0, 1), N(0, 1))
  ///
  /// then the rows are shuffled with the generator.
  ///
  ///     var rng = SeededGenerator(seed: 7)
  ///     let arms = Dataset.spirals(count: 300, classes: 3, noise: 0.02, using: &rng)
  ///     print(arms.count, arms.classCount ?? 0)
  ///     // Prints "300 3"
  ///
  /// - Parameters:
  ///   - count: The number of points, at least 1.
  ///   - classes: The number of arms K, at least 1; 2 by default.
  ///   - noise: The standard deviation of the Gaussian noise, ≥ 0.
  ///   - generator: The source of the noise and the shuffle: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Returns: `count` rows of 2 features, labels 0..<K.
  /// - Precondition: `count ≥ 1`; `classes ≥ 1`; `noise` is finite and ≥ 0.
  /// - Complexity: O(`count`).
  public static func spirals(
    count: Int, classes: Int = 2, noise: Double, using generator: inout some RandomNumberGenerator
  ) -> Dataset {
    checkGeneratorArguments(count: count, noise: noise, name: "spirals")
    require(classes >= 1, "Backprop: spirals(classes:) needs at least 1 class; got \(classes)")
    var features: [[Double]] = []
    var labels: [Double] = []
    features.reserveCapacity(count)
    labels.reserveCapacity(count)
    for k in 0..<classes {
      let n = classSize(k, of: classes, total: count)
      for i in 0..<n {
        let r = Double(i + 1) / Double(n)
        let theta = 2 * Double.pi * Double(k) / Double(classes) + 3 * Double.pi * r
        features.append([r * cos(theta), r * sin(theta)])
        labels.append(Double(k))
      }
    }
    return noisyShuffled(features, labels, noise: noise, using: &generator)
  }

  /// K isotropic Gaussian clusters in the plane, scikit-learn's
  /// `make_blobs`, with centres drawn by the generator.
  ///
  /// First the K centres are drawn, uniformly in [−10, 10)² (x then y, class
  /// by class). Class k then gets ⌊count/K⌋ points, one more for the first
  /// count mod K classes, each
  ///
  ///     x = centreₖ + spread · (N(0, 1), N(0, 1))
  ///
  /// and the rows are shuffled with the generator.
  ///
  ///     var rng = SeededGenerator(seed: 7)
  ///     let blobs = Dataset.blobs(count: 90, classes: 3, spread: 1, using: &rng)
  ///     print(blobs.count, blobs.classCount ?? 0)
  ///     // Prints "90 3"
  ///
  /// - Parameters:
  ///   - count: The number of points, at least 1.
  ///   - classes: The number of clusters K, at least 1; 3 by default.
  ///   - spread: The standard deviation of each cluster, ≥ 0; 1 by default.
  ///   - generator: The source of the centres, the noise and the shuffle: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Returns: `count` rows of 2 features, labels 0..<K.
  /// - Precondition: `count ≥ 1`; `classes ≥ 1`; `spread` is finite and ≥ 0.
  /// - Complexity: O(`count` + `classes`).
  public static func blobs(
    count: Int, classes: Int = 3, spread: Double = 1,
    using generator: inout some RandomNumberGenerator
  ) -> Dataset {
    checkGeneratorArguments(count: count, noise: spread, name: "blobs")
    require(classes >= 1, "Backprop: blobs(classes:) needs at least 1 class; got \(classes)")
    var centres: [[Double]] = []
    for _ in 0..<classes {
      let x = generator.uniform(in: -10, 10)
      let y = generator.uniform(in: -10, 10)
      centres.append([x, y])
    }
    var features: [[Double]] = []
    var labels: [Double] = []
    features.reserveCapacity(count)
    labels.reserveCapacity(count)
    for k in 0..<classes {
      for _ in 0..<classSize(k, of: classes, total: count) {
        features.append(centres[k])
        labels.append(Double(k))
      }
    }
    return noisyShuffled(features, labels, noise: spread, using: &generator)
  }

  /// The four labelled points of seed 002's worked example (its set D),
  /// in the notes' order:
  ///
  ///     x¹ = (−3, −3), y¹ = 1
  ///     x² = (−2, −2), y² = 1
  ///     x³ = ( 4,  4), y³ = 0
  ///     x⁴ = ( 2, −5), y⁴ = 0
  ///
  /// A neuron ŷ = σ(w₁x₁ + w₂x₂) without a bias can separate them.
  ///
  ///     let d = Dataset.seed002
  ///     print(d.features[3], d.labels[3])
  ///     // Prints "[2.0, -5.0] 0.0"
  public static let seed002 = Dataset(
    unchecked: [[-3, -3], [-2, -2], [4, 4], [2, -5]], [[1], [1], [0], [0]], nil)

  // MARK: - Helpers

  /// Traps with a clear message for arguments no data set can come from.
  private static func checkGeneratorArguments(count: Int, noise: Double, name: String) {
    require(count >= 1, "Backprop: \(name)(count:) needs at least 1 point; got \(count)")
    require(
      noise.isFinite && noise >= 0,
      "Backprop: \(name)'s noise (a standard deviation) must be finite and ≥ 0; got \(noise)")
  }

  /// tᵢ = `length`·i/(n − 1): n points from 0 to `length`, both ends
  /// included (numpy's `linspace`); 0 when n = 1.
  private static func evenlySpaced(_ i: Int, of n: Int, over length: Double) -> Double {
    n > 1 ? length * Double(i) / Double(n - 1) : 0
  }

  /// The size of class k when `total` points are dealt to `classes` classes:
  /// ⌊total/classes⌋, plus one for the first `total mod classes` classes.
  private static func classSize(_ k: Int, of classes: Int, total: Int) -> Int {
    total / classes + (k < total % classes ? 1 : 0)
  }

  /// Adds `noise`·N(0, 1) to every feature (row by row, column by column),
  /// then shuffles the rows.
  private static func noisyShuffled(
    _ features: [[Double]], _ labels: [Double], noise: Double,
    using generator: inout some RandomNumberGenerator
  ) -> Dataset {
    var noisy = features
    for r in noisy.indices {
      for c in noisy[r].indices {
        noisy[r][c] += noise * generator.gaussian()
        require(
          noisy[r][c].isFinite, "Backprop: the noise \(noise) is too large: a point overflowed")
      }
    }
    return Dataset(unchecked: noisy, labels.map { [$0] }, nil)
      .shuffled(using: &generator)
  }
}
