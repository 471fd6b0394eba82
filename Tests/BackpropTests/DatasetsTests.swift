import Backprop
import Foundation
import Testing

/// One of the toy data set generators, with its number of classes.
struct GeneratorCase: Sendable, CustomTestStringConvertible {
  let name: String
  let classes: Int
  let make: @Sendable (_ count: Int, _ noise: Double, _ rng: inout SeededGenerator) -> Dataset

  var testDescription: String { name }

  static let all: [GeneratorCase] = [
    GeneratorCase(name: "twoMoons", classes: 2) { .twoMoons(count: $0, noise: $1, using: &$2) },
    GeneratorCase(name: "circles", classes: 2) {
      .circles(count: $0, noise: $1, factor: 0.5, using: &$2)
    },
    GeneratorCase(name: "xor", classes: 2) { .xor(count: $0, noise: $1, using: &$2) },
    GeneratorCase(name: "spirals(2)", classes: 2) {
      .spirals(count: $0, classes: 2, noise: $1, using: &$2)
    },
    GeneratorCase(name: "spirals(3)", classes: 3) {
      .spirals(count: $0, classes: 3, noise: $1, using: &$2)
    },
    GeneratorCase(name: "blobs(4)", classes: 4) {
      .blobs(count: $0, classes: 4, spread: $1, using: &$2)
    },
  ]
}

@Suite("Datasets: toy data generators")
struct DatasetsTests {
  // MARK: Every generator

  @Test(arguments: GeneratorCase.all, [1, 2, 7, 100])
  func countFeaturesAndBalancedClasses(_ g: GeneratorCase, count: Int) {
    var rng = SeededGenerator(seed: 11)
    let data = g.make(count, 0.1, &rng)
    #expect(data.count == count)
    #expect(data.featureCount == 2)
    #expect(data.targetCount == 1)
    #expect(data.classNames == nil)
    var sizes = [Int](repeating: 0, count: g.classes)
    for label in data.labels {
      let k = Int(label)
      #expect(Double(k) == label && (0..<g.classes).contains(k), "label \(label)")
      if (0..<g.classes).contains(k) { sizes[k] += 1 }
    }
    let smallest = sizes.min() ?? 0
    let largest = sizes.max() ?? 0
    #expect(largest - smallest <= 1, "class sizes \(sizes)")
    #expect(data.features.allSatisfy { $0.allSatisfy(\.isFinite) })
  }

  @Test(arguments: GeneratorCase.all)
  func sameSeedSameData(_ g: GeneratorCase) {
    var a = SeededGenerator(seed: 2024)
    var b = SeededGenerator(seed: 2024)
    #expect(g.make(50, 0.2, &a) == g.make(50, 0.2, &b))
    // The generator moved on: the next draw differs from the first.
    var fresh = SeededGenerator(seed: 2024)
    #expect(g.make(50, 0.2, &a) != g.make(50, 0.2, &fresh))
  }

  @Test(arguments: GeneratorCase.all)
  func otherSeedOtherData(_ g: GeneratorCase) {
    var a = SeededGenerator(seed: 1)
    var b = SeededGenerator(seed: 2)
    let first = g.make(50, 0.2, &a)
    let second = g.make(50, 0.2, &b)
    #expect(first.features != second.features)
  }

  @Test(arguments: GeneratorCase.all)
  func rowsAreShuffled(_ g: GeneratorCase) {
    var rng = SeededGenerator(seed: 5)
    let labels = g.make(100, 0.1, &rng).labels
    #expect(labels != labels.sorted(), "the classes come out in blocks")
  }

  // MARK: Two moons

  @Test func moonsLieOnTheirArcsWithoutNoise() {
    var rng = SeededGenerator(seed: 3)
    let moons = Dataset.twoMoons(count: 101, noise: 0, using: &rng)
    var outerX: [Double] = []
    for (x, label) in zip(moons.features, moons.labels) {
      if label == 0 {
        // The upper half of the unit circle.
        expectClose(x[0] * x[0] + x[1] * x[1], 1, tolerance: 1e-12)
        #expect(x[1] >= 0)
        outerX.append(x[0])
      } else {
        // The lower half of the unit circle around (1, 0.5).
        let dx = x[0] - 1
        let dy = x[1] - 0.5
        expectClose(dx * dx + dy * dy, 1, tolerance: 1e-12)
        #expect(x[1] <= 0.5 + 1e-12)
      }
    }
    // 50 outer points at t = π·i/49: x = cos t, from 1 down to −1.
    #expect(outerX.count == 50)
    let expected = (0..<50).map { cos(Double.pi * Double($0) / 49) }
    for (a, b) in zip(outerX.sorted(by: >), expected) {
      #expect(abs(a - b) < 1e-12)
    }
  }

  @Test func moonsWithNoiseStayNearTheirArcs() {
    var rng = SeededGenerator(seed: 4)
    let moons = Dataset.twoMoons(count: 2000, noise: 0.1, using: &rng)
    var total = 0.0
    for (x, label) in zip(moons.features, moons.labels) {
      let (cx, cy) = label == 0 ? (0.0, 0.0) : (1.0, 0.5)
      total += abs(hypot(x[0] - cx, x[1] - cy) - 1)
    }
    // The radial part of N(0, 0.1²) noise: mean |·| ≈ 0.1·√(2/π) ≈ 0.08.
    let mean = total / Double(moons.count)
    #expect(mean > 0.05 && mean < 0.11, "mean distance to the arc \(mean)")
  }

  @Test func moonsAreTheSameOnEveryPlatform() {
    // Pinned values: the generator, Box–Muller and the shuffle are fixed
    // algorithms, so only libm's last bit may differ.
    var rng = SeededGenerator(seed: 42)
    let moons = Dataset.twoMoons(count: 10, noise: 0.1, using: &rng)
    let golden = Self.moonsGolden
    #expect(moons.features.count == golden.features.count)
    #expect(moons.labels == golden.labels)
    for (row, expected) in zip(moons.features, golden.features) {
      for (a, b) in zip(row, expected) {
        #expect(abs(a - b) < 1e-12, "\(row) vs \(expected)")
      }
    }
  }

  static let moonsGolden: (features: [[Double]], labels: [Double]) = (
    features: [
      [1.7581215100863952, -0.20831537628039223],
      [0.7086939105241461, 0.7548284630301056],
      [-0.9415205632934571, -0.021783385812114437],
      [0.1410338386745822, -0.17411949307518282],
      [2.066910909694645, 0.6212127535120489],
      [1.0111502638558936, -0.5952026771753705],
      [-0.06394511082571307, 0.9779006210070106],
      [0.09403836396518571, 0.3967534032342819],
      [0.8386776248615084, 0.07816920450573489],
      [-0.7360026528644933, 0.7664972756330045],
    ],
    labels: [1, 0, 0, 1, 1, 1, 0, 1, 0, 0]
  )

  // MARK: Circles

  @Test(arguments: [0.0, 0.3, 0.8])
  func circlesHaveTheirRadii(factor: Double) {
    var rng = SeededGenerator(seed: 6)
    let rings = Dataset.circles(count: 40, noise: 0, factor: factor, using: &rng)
    for (x, label) in zip(rings.features, rings.labels) {
      let r = hypot(x[0], x[1])
      #expect(abs(r - (label == 0 ? 1 : factor)) < 1e-12)
    }
  }

  // MARK: XOR

  @Test func xorClustersSitOnTheCornersWithoutNoise() {
    var rng = SeededGenerator(seed: 8)
    let xor = Dataset.xor(count: 12, noise: 0, using: &rng)
    for (x, label) in zip(xor.features, xor.labels) {
      #expect(abs(x[0]) == 1 && abs(x[1]) == 1)
      #expect(label == (x[0] * x[1] < 0 ? 1 : 0))
    }
    let corners = Set(xor.features.map { "\($0)" })
    #expect(corners.count == 4)
  }

  @Test func xorLabelIsTheSignProductWithSmallNoise() {
    var rng = SeededGenerator(seed: 9)
    let xor = Dataset.xor(count: 400, noise: 0.1, using: &rng)
    for (x, label) in zip(xor.features, xor.labels) {
      #expect(label == (x[0] * x[1] < 0 ? 1 : 0), "\(x) labelled \(label)")
    }
  }

  // MARK: Spirals

  @Test(arguments: [2, 3, 5])
  func spiralsFollowTheirArms(classes: Int) {
    var rng = SeededGenerator(seed: 10)
    let arms = Dataset.spirals(count: 60, classes: classes, noise: 0, using: &rng)
    for (x, label) in zip(arms.features, arms.labels) {
      let r = hypot(x[0], x[1])
      #expect(r > 0 && r <= 1 + 1e-12)
      // θ = 2πk/K + 3πr, compared on the circle.
      let theta = 2 * Double.pi * label / Double(classes) + 3 * Double.pi * r
      #expect(abs(x[0] - r * cos(theta)) < 1e-12)
      #expect(abs(x[1] - r * sin(theta)) < 1e-12)
    }
  }

  // MARK: Blobs

  @Test func blobsClusterAroundCentresInTheBox() {
    var rng = SeededGenerator(seed: 12)
    let blobs = Dataset.blobs(count: 3000, classes: 3, spread: 0.5, using: &rng)
    for k in 0..<3 {
      let points = zip(blobs.features, blobs.labels).filter { $0.1 == Double(k) }.map(\.0)
      #expect(points.count == 1000)
      for j in 0..<2 {
        let values = points.map { $0[j] }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        #expect(abs(mean) < 10.1, "centre coordinate \(mean) outside the box")
        #expect(abs(variance.squareRoot() - 0.5) < 0.05, "spread \(variance.squareRoot())")
      }
    }
  }

  @Test func blobsWithoutSpreadAreKPoints() {
    var rng = SeededGenerator(seed: 13)
    let blobs = Dataset.blobs(count: 20, classes: 4, spread: 0, using: &rng)
    let distinct = Set(blobs.features.map { "\($0)" })
    #expect(distinct.count == 4)
    #expect(blobs.features.allSatisfy { $0.allSatisfy { (-10..<10).contains($0) } })
  }

  // MARK: Seed 002

  @Test func seed002IsTheNotesSetD() {
    let d = Dataset.seed002
    #expect(d.features == [[-3, -3], [-2, -2], [4, 4], [2, -5]])
    #expect(d.labels == [1, 1, 0, 0])
    #expect(d.classCount == 2)
    #expect(d.classNames == nil)
  }

  // MARK: Misuse

  #if compiler(>=6.2)
    @Test func zeroCountTraps() async {
      await #expect(processExitsWith: .failure) {
        var rng = SeededGenerator(seed: 1)
        _ = Dataset.twoMoons(count: 0, noise: 0.1, using: &rng)
      }
    }

    @Test func negativeNoiseTraps() async {
      await #expect(processExitsWith: .failure) {
        var rng = SeededGenerator(seed: 1)
        _ = Dataset.xor(count: 4, noise: -1, using: &rng)
      }
    }
  #endif
}
