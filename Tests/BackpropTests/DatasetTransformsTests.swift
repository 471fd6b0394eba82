import Backprop
import Foundation
import Testing

@Suite("Dataset transforms: shuffle, split, standardize, one-hot, signed labels")
struct DatasetTransformsTests {
  /// Rows 0..<n with feature i and label i mod 3, so every row is unique and
  /// its label can be checked against its feature.
  static func numbered(_ n: Int, classNames: [String]? = nil) throws -> Dataset {
    try Dataset(
      features: (0..<n).map { [Double($0)] }, labels: (0..<n).map { Double($0 % 3) },
      classNames: classNames)
  }

  /// Whether each row's label still belongs to its feature (label = i mod 3).
  static func pairsIntact(_ data: Dataset) -> Bool {
    zip(data.features, data.labels).allSatisfy { $0.1 == Double(Int($0.0[0]) % 3) }
  }

  // MARK: classCount

  @Test(arguments: [
    ([0.0, 2, 1], 3 as Int?),
    ([0.0, 0], 1),
    ([4.0], 5),
    ([0.0, 1.5], nil),
    ([0.0, -1], nil),
    ([1e300], nil),
  ])
  func classCountFromLabels(labels: [Double], expected: Int?) throws {
    let data = try Dataset(features: labels.map { _ in [0] }, labels: labels)
    #expect(data.classCount == expected)
  }

  @Test func classCountNeedsOneTarget() throws {
    let data = try Dataset(features: [[0], [1]], targets: [[1, 0], [0, 1]])
    #expect(data.classCount == nil)
  }

  // MARK: shuffled

  @Test func shuffleKeepsPairsAndIsSeeded() throws {
    let data = try Self.numbered(50, classNames: ["a", "b", "c"])
    var a = SeededGenerator(seed: 7)
    var b = SeededGenerator(seed: 7)
    var c = SeededGenerator(seed: 8)
    let once = data.shuffled(using: &a)
    #expect(once == data.shuffled(using: &b))
    #expect(once != data.shuffled(using: &c))
    #expect(once != data)
    #expect(Self.pairsIntact(once))
    #expect(once.features.map { $0[0] }.sorted() == data.features.map { $0[0] })
    #expect(once.classNames == ["a", "b", "c"])
  }

  @Test func shuffleReachesEveryOrderEvenly() throws {
    let data = try Self.numbered(3)
    var rng = SeededGenerator(seed: 99)
    var seen: [[Double]: Int] = [:]
    for _ in 0..<6000 {
      seen[data.shuffled(using: &rng).features.map { $0[0] }, default: 0] += 1
    }
    #expect(seen.count == 6)
    #expect(seen.values.allSatisfy { (850...1150).contains($0) }, "\(seen)")
  }

  @Test func shuffleOfOneRow() {
    var rng = SeededGenerator(seed: 1)
    let one = Dataset.seed002.rows([2])
    #expect(one.shuffled(using: &rng) == one)
  }

  // MARK: split

  @Test(arguments: [(100, 0.2, 20), (10, 0.25, 3), (3, 0.5, 2), (2, 0.5, 1), (7, 0.1, 1)])
  func splitSizes(count: Int, fraction: Double, testCount: Int) throws {
    let data = try Self.numbered(count, classNames: ["a", "b", "c"])
    var rng = SeededGenerator(seed: 21)
    let (train, test) = try data.split(testFraction: fraction, using: &rng)
    #expect(test.count == testCount)
    #expect(train.count == count - testCount)
    let all = (train.features + test.features).map { $0[0] }.sorted()
    #expect(all == data.features.map { $0[0] })
    #expect(Self.pairsIntact(train) && Self.pairsIntact(test))
    #expect(train.classNames == ["a", "b", "c"] && test.classNames == ["a", "b", "c"])
  }

  @Test func splitIsSeeded() throws {
    let data = try Self.numbered(40)
    var a = SeededGenerator(seed: 3)
    var b = SeededGenerator(seed: 3)
    var c = SeededGenerator(seed: 4)
    let first = try data.split(testFraction: 0.3, using: &a)
    let again = try data.split(testFraction: 0.3, using: &b)
    let other = try data.split(testFraction: 0.3, using: &c)
    #expect(first.train == again.train && first.test == again.test)
    #expect(first.test != other.test)
  }

  @Test(arguments: [0.0, 1.0, -0.1, 1.5, Double.nan, .infinity])
  func splitRejectsFractionsOutsideTheOpenInterval(fraction: Double) throws {
    let data = try Self.numbered(10)
    var rng = SeededGenerator(seed: 1)
    let error = try #require(throws: TrainingError.self) {
      try data.split(testFraction: fraction, using: &rng)
    }
    guard case .invalidHyperparameter(let name, _, let requirement) = error else {
      Issue.record("expected invalidHyperparameter, got \(error)")
      return
    }
    #expect(name == "testFraction")
    #expect(requirement == "must be in (0, 1)")
  }

  @Test(arguments: [(3, 0.1, "test"), (3, 0.9, "training"), (1, 0.5, "training")])
  func splitRejectsAnEmptySide(count: Int, fraction: Double, side: String) throws {
    let data = try Self.numbered(count)
    var rng = SeededGenerator(seed: 1)
    #expect(
      throws: TrainingError.invalidHyperparameter(
        name: "testFraction", value: fraction,
        requirement: "leaves the \(side) set empty for a data set of \(count) rows")
    ) {
      try data.split(testFraction: fraction, using: &rng)
    }
  }

  // MARK: Standardizer

  @Test func standardizerMeasuresMeanAndPopulationDeviation() throws {
    let data = try Dataset(features: [[1, 10, 0], [3, 10, 4], [5, 10, 8]], labels: [0, 1, 0])
    let scaler = Standardizer(fitting: data)
    #expect(scaler.mean == [3, 10, 4])
    expectClose(scaler.standardDeviation[0], (8.0 / 3).squareRoot())
    #expect(scaler.standardDeviation[1] == 1)  // constant column
    expectClose(scaler.standardDeviation[2], (32.0 / 3).squareRoot())
    let row = scaler([3, 12, 0])
    #expect(row[0] == 0)
    #expect(row[1] == 2)
    expectClose(row[2], -4 / (32.0 / 3).squareRoot())
  }

  @Test func standardizedDataHasMeanZeroAndDeviationOne() {
    var rng = SeededGenerator(seed: 30)
    let blobs = Dataset.blobs(count: 500, classes: 3, spread: 2, using: &rng)
    let scaler = Standardizer(fitting: blobs)
    let scaled = scaler(blobs)
    #expect(scaled.targets == blobs.targets)
    for j in 0..<2 {
      let column = scaled.features.map { $0[j] }
      let mean = column.reduce(0, +) / Double(column.count)
      let variance = column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)
      #expect(abs(mean) < 1e-12)
      expectClose(variance, 1, tolerance: 1e-12)
    }
    let refit = Standardizer(fitting: scaled)
    #expect(refit.mean.allSatisfy { abs($0) < 1e-12 })
  }

  @Test func constantColumnIsCentredExactly() throws {
    let data = try Dataset(features: [[0.1], [0.1], [0.1]], labels: [0, 1, 0])
    let scaler = Standardizer(fitting: data)
    #expect(scaler.mean == [0.1])
    #expect(scaler.standardDeviation == [1])
    #expect(scaler(data).features == [[0], [0], [0]])
  }

  @Test func hugeValuesDoNotOverflow() throws {
    let data = try Dataset(features: [[1e300], [-1e300], [1e300], [-1e300]], labels: [0, 0, 1, 1])
    let scaler = Standardizer(fitting: data)
    #expect(scaler.mean == [0])
    expectClose(scaler.standardDeviation[0], 1e300)
    #expect(scaler(data).features == [[1], [-1], [1], [-1]])
  }

  @Test func standardizerKeepsClassNames() throws {
    let data = try Self.numbered(6, classNames: ["a", "b", "c"])
    #expect(Standardizer(fitting: data)(data).classNames == ["a", "b", "c"])
  }

  @Test func standardizerRoundTripsThroughJSON() throws {
    var rng = SeededGenerator(seed: 31)
    let scaler = Standardizer(fitting: Dataset.twoMoons(count: 30, noise: 0.1, using: &rng))
    let json = try JSONEncoder().encode(scaler)
    #expect(try JSONDecoder().decode(Standardizer.self, from: json) == scaler)
  }

  @Test(arguments: [
    #"{"mean": [1, 2], "standardDeviation": [1]}"#,
    #"{"mean": [], "standardDeviation": []}"#,
    #"{"mean": [1], "standardDeviation": [0]}"#,
    #"{"mean": [1], "standardDeviation": [-2]}"#,
    #"{"mean": [1]}"#,
  ])
  func standardizerRejectsBadJSON(json: String) {
    #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(Standardizer.self, from: Data(json.utf8))
    }
  }

  @Test func standardizerFromPartsKeepsThemExactly() throws {
    let scaler = try Standardizer(
      mean: [-0.0, 0.1, 1e300], standardDeviation: [.leastNonzeroMagnitude, 2, 1])
    #expect(scaler.mean.map(\.bitPattern) == [-0.0, 0.1, 1e300].map(\.bitPattern))
    #expect(scaler.standardDeviation == [.leastNonzeroMagnitude, 2, 1])
    #expect(try Standardizer(mean: [0, 10], standardDeviation: [1, 2])([3, 14]) == [3, 2])

    // The parts of a fitted standardizer rebuild it exactly.
    var rng = SeededGenerator(seed: 32)
    let fitted = Standardizer(fitting: Dataset.blobs(count: 50, classes: 2, using: &rng))
    let rebuilt = try Standardizer(mean: fitted.mean, standardDeviation: fitted.standardDeviation)
    #expect(rebuilt == fitted)
  }

  static let invalidParts: [([Double], [Double], TrainingError)] = [
    (
      [1, 2], [1],
      .sizeMismatch(
        what: "standard deviations of a Standardizer (one per mean)", expected: 2, actual: 1)
    ),
    (
      [], [1],
      .sizeMismatch(
        what: "standard deviations of a Standardizer (one per mean)", expected: 0, actual: 1)
    ),
    ([], [], .empty(what: "the list of Standardizer means")),
    ([0, .nan], [1, 1], .nonFiniteValue(what: "mean", index: 1, value: .nan)),
    ([-.infinity], [1], .nonFiniteValue(what: "mean", index: 0, value: -.infinity)),
    (
      [0, 0], [1, .infinity],
      .nonFiniteValue(what: "standard deviation", index: 1, value: .infinity)
    ),
    // A non-finite mean is reported before a bad deviation, and a NaN
    // deviation as non-finite rather than as ≤ 0.
    ([.nan], [0], .nonFiniteValue(what: "mean", index: 0, value: .nan)),
    ([0], [.nan], .nonFiniteValue(what: "standard deviation", index: 0, value: .nan)),
    (
      [0, 0], [1, 0],
      .invalidHyperparameter(
        name: "standard deviation 1", value: 0,
        requirement: "must be finite and > 0 (1 for a constant column)")
    ),
    (
      [0], [-0.0],
      .invalidHyperparameter(
        name: "standard deviation 0", value: -0.0,
        requirement: "must be finite and > 0 (1 for a constant column)")
    ),
    (
      [0, 0, 0], [1, -2, -3],
      .invalidHyperparameter(
        name: "standard deviation 1", value: -2,
        requirement: "must be finite and > 0 (1 for a constant column)")
    ),
  ]

  /// Equality that holds for NaN values too, which `==` on the error lacks.
  static func sameError(_ a: TrainingError?, _ b: TrainingError) -> Bool {
    if case .nonFiniteValue(let w1, let i1, let v1)? = a,
      case .nonFiniteValue(let w2, let i2, let v2) = b
    {
      return w1 == w2 && i1 == i2 && (v1 == v2 || (v1.isNaN && v2.isNaN))
    }
    return a == b
  }

  @Test(arguments: invalidParts)
  func standardizerFromPartsRejectsBadValues(
    mean: [Double], deviation: [Double], expected: TrainingError
  ) throws {
    let error = #expect(throws: TrainingError.self) {
      try Standardizer(mean: mean, standardDeviation: deviation)
    }
    #expect(Self.sameError(error, expected), "\(String(describing: error))")

    // The decoder reports the very same error, from the same checks (JSON
    // has no NaN or ±inf).
    guard mean.allSatisfy(\.isFinite), deviation.allSatisfy(\.isFinite) else { return }
    let json = try JSONSerialization.data(
      withJSONObject: ["mean": mean, "standardDeviation": deviation])
    let decodingError = #expect(throws: DecodingError.self) {
      try JSONDecoder().decode(Standardizer.self, from: json)
    }
    guard case .dataCorrupted(let context)? = decodingError else {
      Issue.record("expected dataCorrupted, got \(String(describing: decodingError))")
      return
    }
    #expect(context.underlyingError as? TrainingError == expected)
    #expect(context.debugDescription == expected.description)
  }

  @Test func standardizerErrorsDescribeTheColumn() throws {
    let error = #expect(throws: TrainingError.self) {
      try Standardizer(mean: [0, 0], standardDeviation: [1, 0])
    }
    #expect(
      error?.description
        == "invalid standard deviation 1 0.0: must be finite and > 0 (1 for a constant column)")
  }

  // MARK: oneHotEncoded

  @Test func oneHotFromLabels() throws {
    let data = try Dataset(features: [[0], [1], [2]], labels: [2, 0, 1])
    let encoded = try data.oneHotEncoded()
    #expect(encoded.targets == [[0, 0, 1], [1, 0, 0], [0, 1, 0]])
    #expect(encoded.features == data.features)
  }

  @Test func oneHotWidthFromClassNamesOrArgument() throws {
    // A subset that lacks class 2 still gets three columns from the names.
    let named = try Dataset(features: [[0], [1]], labels: [0, 1], classNames: ["a", "b", "c"])
    let fromNames = try named.oneHotEncoded()
    #expect(fromNames.targets == [[1, 0, 0], [0, 1, 0]])
    #expect(fromNames.classNames == ["a", "b", "c"])
    #expect(try named.oneHotEncoded(classCount: 4).targets == [[1, 0, 0, 0], [0, 1, 0, 0]])
  }

  @Test(arguments: [
    ([0.0, 3], 3 as Int?, 1, 3.0, 3),
    ([0.0, 1, -1], nil, 2, -1.0, 2),
    ([0.0, 1.5, 2], nil, 1, 1.5, 3),
    ([0.0, 1, 2], 2, 2, 2.0, 2),
  ])
  func oneHotRejectsLabelsOutOfRange(
    labels: [Double], classCount: Int?, row: Int, label: Double, reported: Int
  ) throws {
    let data = try Dataset(features: labels.map { [$0] }, labels: labels)
    #expect(throws: TrainingError.labelOutOfRange(row: row, label: label, classCount: reported)) {
      try data.oneHotEncoded(classCount: classCount)
    }
  }

  @Test(arguments: [0, -3, 1 << 20])
  func oneHotRejectsABadClassCount(classCount: Int) throws {
    let data = try Dataset(features: [[0]], labels: [0])
    #expect(
      throws: TrainingError.invalidHyperparameter(
        name: "classCount", value: Double(classCount), requirement: "must be in 1...65536")
    ) {
      try data.oneHotEncoded(classCount: classCount)
    }
  }

  @Test func oneHotNeedsOneTarget() throws {
    let data = try Dataset(features: [[0]], targets: [[0, 1]])
    #expect(
      throws: TrainingError.sizeMismatch(
        what: "targets per row (one class label)", expected: 1, actual: 2)
    ) {
      try data.oneHotEncoded()
    }
  }

  // MARK: signedLabels

  @Test func signedLabelsMapZeroOneToMinusPlusOne() throws {
    let signed = try Dataset.seed002.signedLabels()
    #expect(signed.labels == [1, 1, -1, -1])
    #expect(signed.features == Dataset.seed002.features)
  }

  @Test(arguments: [(2.0, 1), (-1.0, 1), (0.5, 1)])
  func signedLabelsRejectOthers(bad: Double, row: Int) throws {
    let data = try Dataset(features: [[0], [1], [2]], labels: [0, bad, 1])
    #expect(throws: TrainingError.labelOutOfRange(row: row, label: bad, classCount: 2)) {
      try data.signedLabels()
    }
  }

  @Test func signedLabelsNeedOneTarget() throws {
    let data = try Dataset(features: [[0]], targets: [[0, 1]])
    #expect(throws: TrainingError.self) { try data.signedLabels() }
  }
}
