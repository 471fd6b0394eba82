// What is done to a data set before training: shuffling, a train/test split,
// standardization, and class labels re-encoded (one-hot, −1/+1 for hinge).

extension Dataset {
  /// The number of classes when the targets are class indices: the largest
  /// label + 1, or `nil` unless there is one target per row and every label
  /// is a non-negative integer (below 2⁵³); `nil` too when a CSV file's
  /// target was read as regression targets (``targetTyping``), whole
  /// numbers or not.
  ///
  /// It is read from the labels present, so a subset that lacks the last
  /// class reports fewer classes; ``classNames``, when set, counts them all.
  ///
  ///     let data = try Dataset(features: [[0], [1], [2]], labels: [0, 2, 1])
  ///     print(data.classCount ?? 0)
  ///     // Prints "3"
  public var classCount: Int? {
    guard targetCount == 1, targetTyping?.kind != .regression else { return nil }
    var largest = 0.0
    for target in targets {
      let label = target[0]
      guard Self.isClassIndex(label) else { return nil }
      largest = Swift.max(largest, label)
    }
    return Int(largest) + 1
  }

  /// The rows in a random order (Fisher–Yates), with their targets.
  ///
  /// The order depends only on the generator's state, the same on every
  /// platform.
  ///
  ///     var rng = SeededGenerator(seed: 1)
  ///     let mixed = data.shuffled(using: &rng)
  ///
  /// - Parameter generator: The source of randomness: any
  ///   `RandomNumberGenerator`; a ``SeededGenerator`` gives the same order on
  ///   every platform.
  /// - Returns: The same rows and targets, permuted together; the class
  ///   names are kept.
  /// - Complexity: O(*n*) for *n* rows.
  public func shuffled(using generator: inout some RandomNumberGenerator) -> Dataset {
    rows(Self.permutation(count: count, using: &generator))
  }

  /// Splits the rows at random into a training set and a test set.
  ///
  /// The rows are shuffled with the generator; the first round(f·n) of them
  /// (ties away from zero) form the test set and the rest the training set.
  /// Both keep the class names.
  ///
  ///     var rng = SeededGenerator(seed: 1)
  ///     let (train, test) = try data.split(testFraction: 0.2, using: &rng)
  ///     // 100 rows → 80 to train on, 20 to test with
  ///
  /// - Parameters:
  ///   - testFraction: The fraction f of the rows to hold out, in (0, 1).
  ///   - generator: The source of randomness for the shuffle: any
  ///     `RandomNumberGenerator`; a ``SeededGenerator`` gives the same draws on
  ///     every platform.
  /// - Returns: The two parts; together they hold every row once.
  /// - Throws: ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   (named `testFraction`) when f is not in (0, 1), or when either part
  ///   would be empty (too few rows for this fraction).
  /// - Complexity: O(*n*) for *n* rows.
  public func split(
    testFraction: Double, using generator: inout some RandomNumberGenerator
  ) throws -> (train: Dataset, test: Dataset) {
    guard testFraction > 0, testFraction < 1 else {
      throw TrainingError.invalidHyperparameter(
        name: "testFraction", value: testFraction, requirement: "must be in (0, 1)")
    }
    let testCount = Int((testFraction * Double(count)).rounded())
    guard testCount >= 1, testCount < count else {
      let side = testCount < 1 ? "test" : "training"
      throw TrainingError.invalidHyperparameter(
        name: "testFraction", value: testFraction,
        requirement: "leaves the \(side) set empty for a data set of \(count) rows")
    }
    let order = Self.permutation(count: count, using: &generator)
    return (train: rows(order[testCount...]), test: rows(order[..<testCount]))
  }

  /// The data set with each class index replaced by a one-hot vector: label
  /// k of K classes becomes K numbers, 1 at position k and 0 elsewhere.
  ///
  ///     let data = try Dataset(features: [[0], [1]], labels: [2, 0])
  ///     print(try data.oneHotEncoded().targets)
  ///     // Prints "[[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]]"
  ///
  /// - Parameter classCount: The number of classes K, from 1 to 65,536. By
  ///   default, the number of ``classNames`` if set, else ``classCount``
  ///   (the largest label + 1), so that a test set that happens to lack
  ///   the last class still gets vectors of the full width when the names
  ///   are known.
  /// - Returns: The same rows with K targets each; the class names are kept.
  /// - Throws: ``TrainingError/sizeMismatch(what:expected:actual:)`` if the
  ///   rows do not have exactly one target;
  ///   ``TrainingError/labelOutOfRange(row:label:classCount:)`` for the first
  ///   label that is not an integer in 0..<K;
  ///   ``TrainingError/invalidHyperparameter(name:value:requirement:)`` for
  ///   a K outside 1...65,536.
  /// - Complexity: O(*n*·K) for *n* rows.
  public func oneHotEncoded(classCount: Int? = nil) throws -> Dataset {
    try requireOneTarget()
    let k: Int
    if let given = classCount ?? classNames?.count {
      k = given
    } else if let inferred = self.classCount {
      k = inferred
    } else {
      // Some label is not a class index: report the first one, against
      // the classes the valid labels imply.
      let valid = labels.filter(Self.isClassIndex)
      let implied = valid.max().map { Int($0) + 1 } ?? 0
      let row = labels.firstIndex { !Self.isClassIndex($0) } ?? 0
      throw TrainingError.labelOutOfRange(row: row, label: labels[row], classCount: implied)
    }
    guard (1...Self.maximumClassCount).contains(k) else {
      throw TrainingError.invalidHyperparameter(
        name: "classCount", value: Double(k),
        requirement: "must be in 1...\(Self.maximumClassCount)")
    }
    var encoded: [[Double]] = []
    encoded.reserveCapacity(count)
    for (row, target) in targets.enumerated() {
      let label = target[0]
      guard Self.isClassIndex(label), label < Double(k) else {
        throw TrainingError.labelOutOfRange(row: row, label: label, classCount: k)
      }
      var vector = [Double](repeating: 0, count: k)
      vector[Int(label)] = 1
      encoded.append(vector)
    }
    return Dataset(unchecked: features, encoded, classNames, targetTyping: targetTyping)
  }

  /// The data set with binary labels 0/1 mapped to −1/+1, the targets the
  /// hinge loss expects: 0 → −1, 1 → +1.
  ///
  ///     let data = try Dataset(features: [[0], [1]], labels: [0, 1])
  ///     print(try data.signedLabels().labels)
  ///     // Prints "[-1.0, 1.0]"
  ///
  /// - Returns: The same rows with labels −1 and +1; the class names are
  ///   kept (`classNames[0]` names −1, `classNames[1]` names +1).
  /// - Throws: ``TrainingError/sizeMismatch(what:expected:actual:)`` if the
  ///   rows do not have exactly one target;
  ///   ``TrainingError/labelOutOfRange(row:label:classCount:)`` (with
  ///   `classCount` 2) for the first label that is neither 0 nor 1.
  /// - Complexity: O(*n*) for *n* rows.
  public func signedLabels() throws -> Dataset {
    try requireOneTarget()
    var signed: [[Double]] = []
    signed.reserveCapacity(count)
    for (row, target) in targets.enumerated() {
      switch target[0] {
      case 0: signed.append([-1])
      case 1: signed.append([1])
      default: throw TrainingError.labelOutOfRange(row: row, label: target[0], classCount: 2)
      }
    }
    return Dataset(unchecked: features, signed, classNames, targetTyping: targetTyping)
  }

  // MARK: - Helpers

  /// The largest number of classes ``oneHotEncoded(classCount:)`` accepts.
  static let maximumClassCount = 1 << 16

  /// Whether `label` can be a class index: an integer in [0, 2⁵³).
  static func isClassIndex(_ label: Double) -> Bool {
    label >= 0 && label < 0x1p53 && label == label.rounded(.towardZero)
  }

  /// Throws unless every row has exactly one target.
  private func requireOneTarget() throws {
    guard targetCount == 1 else {
      throw TrainingError.sizeMismatch(
        what: "targets per row (one class label)", expected: 1, actual: targetCount)
    }
  }

  /// A random permutation of `0..<count` (Fisher–Yates, drawing with
  /// `nextIndex(below:)`, an algorithm of the package's), the same on every
  /// platform for a ``SeededGenerator``.
  static func permutation(count: Int, using generator: inout some RandomNumberGenerator) -> [Int] {
    var order = Array(0..<count)
    var i = count - 1
    while i > 0 {
      let j = generator.nextIndex(below: i + 1)
      order.swapAt(i, j)
      i -= 1
    }
    return order
  }
}

/// Standardizes features: subtracts each column's mean and divides by its
/// standard deviation, both measured on a training set, so that every
/// feature has mean 0 and standard deviation 1 there.
///
///     x′ⱼ = (xⱼ − meanⱼ) / standardDeviationⱼ
///
/// Fit it on the training set only and apply the same transform to the test
/// set and to new inputs; it is `Codable`, so it can be saved with a model.
///
///     let scaler = Standardizer(fitting: train)
///     let model = ...  // trained on scaler(train)
///     let prediction = model(scaler([5.1, 3.5]))
///
/// A constant column gets standard deviation 1, so it is centred but never
/// divided by zero. A standardizer is always valid: at least one feature,
/// one standard deviation per mean, every mean finite and every standard
/// deviation finite and > 0, whether it was fitted, created from its parts
/// with ``init(mean:standardDeviation:)`` or decoded.
public struct Standardizer: Sendable, Equatable, Codable {
  /// The mean of each feature column.
  public let mean: [Double]
  /// The population standard deviation (divided by n, not n − 1) of each
  /// feature column; 1 for a constant column. Always finite and > 0.
  public let standardDeviation: [Double]

  /// Measures the mean and standard deviation of every feature column.
  ///
  ///     let scaler = Standardizer(fitting: try Dataset(
  ///       features: [[1, 10], [3, 10]], labels: [0, 1]))
  ///     print(scaler.mean, scaler.standardDeviation)
  ///     // Prints "[2.0, 10.0] [1.0, 1.0]"
  ///
  /// - Parameter data: The training set; its targets are ignored.
  /// - Complexity: O(*n*·*d*) for *n* rows of *d* features.
  public init(fitting data: Dataset) {
    var means: [Double] = []
    var deviations: [Double] = []
    let n = Double(data.count)
    for j in 0..<data.featureCount {
      let column = data.features.map { $0[j] }
      let low = column.min() ?? 0
      let high = column.max() ?? 0
      guard low < high else {
        // Constant: the mean is the value itself, exactly.
        means.append(low)
        deviations.append(1)
        continue
      }
      // Σ xᵢ/n cannot overflow, unlike Σ xᵢ.
      let mean = Swift.min(Swift.max(column.reduce(0) { $0 + $1 / n }, low), high)
      // Scaled by the largest deviation, so that squaring cannot overflow.
      let scale = column.reduce(0) { Swift.max($0, Swift.abs($1 - mean)) }
      let meanSquare = column.reduce(0) { $0 + (($1 - mean) / scale) * (($1 - mean) / scale) } / n
      let deviation = scale * meanSquare.squareRoot()
      means.append(mean)
      deviations.append(deviation > 0 && deviation.isFinite ? deviation : 1)
    }
    self.mean = means
    self.standardDeviation = deviations
  }

  /// Creates a standardizer from per-feature means and standard deviations
  /// measured elsewhere, such as those saved with a model.
  ///
  ///     let scaler = try Standardizer(mean: [0, 10], standardDeviation: [1, 2])
  ///     print(scaler([3, 14]))
  ///     // Prints "[3.0, 2.0]"
  ///
  /// - Parameters:
  ///   - mean: The mean of each feature column, at least one, each finite.
  ///   - standardDeviation: The standard deviation of each feature column,
  ///     as many as `mean`, each finite and > 0 (1 for a constant column).
  /// - Throws: ``TrainingError/sizeMismatch(what:expected:actual:)`` when
  ///   the counts differ, ``TrainingError/empty(what:)`` when there are no
  ///   features, ``TrainingError/nonFiniteValue(what:index:value:)`` (named
  ///   `mean` or `standard deviation`) for the first NaN or ±inf, and
  ///   ``TrainingError/invalidHyperparameter(name:value:requirement:)``
  ///   (named `standard deviation j`) for the first standard deviation ≤ 0.
  public init(mean: [Double], standardDeviation: [Double]) throws {
    try Self.validate(mean: mean, standardDeviation: standardDeviation)
    self.mean = mean
    self.standardDeviation = standardDeviation
  }

  /// The checks of ``init(mean:standardDeviation:)``, shared by the decoder
  /// and by ``Checkpoint``: the counts, then the means, then the standard
  /// deviations, reporting the first failure.
  static func validate(
    mean: [Double], standardDeviation: [Double]
  ) throws(TrainingError) {
    guard mean.count == standardDeviation.count else {
      throw .sizeMismatch(
        what: "standard deviations of a Standardizer (one per mean)", expected: mean.count,
        actual: standardDeviation.count)
    }
    guard !mean.isEmpty else {
      throw .empty(what: "the list of Standardizer means")
    }
    if let j = mean.firstIndex(where: { !$0.isFinite }) {
      throw .nonFiniteValue(what: "mean", index: j, value: mean[j])
    }
    if let j = standardDeviation.firstIndex(where: { !$0.isFinite }) {
      throw .nonFiniteValue(what: "standard deviation", index: j, value: standardDeviation[j])
    }
    if let j = standardDeviation.firstIndex(where: { $0 <= 0 }) {
      throw .invalidHyperparameter(
        name: "standard deviation \(j)", value: standardDeviation[j],
        requirement: "must be finite and > 0 (1 for a constant column)")
    }
  }

  /// Standardizes one row.
  ///
  ///     scaler([3, 10])  // [1.0, 0.0] for the scaler fitted above
  ///
  /// - Parameter row: Features in the order of the data set it was fitted on.
  /// - Returns: (xⱼ − meanⱼ) / standardDeviationⱼ for every column j.
  /// - Precondition: `row.count == mean.count`.
  public func callAsFunction(_ row: [Double]) -> [Double] {
    require(
      row.count == mean.count,
      "Backprop: this Standardizer was fitted on \(mean.count) features; the row has \(row.count)")
    var result = row
    for j in result.indices {
      result[j] = (row[j] - mean[j]) / standardDeviation[j]
    }
    return result
  }

  /// Standardizes every row of a data set; the targets and class names are
  /// kept.
  ///
  ///     let scaler = Standardizer(fitting: train)
  ///     let (scaledTrain, scaledTest) = (scaler(train), scaler(test))
  ///
  /// - Parameter data: Rows with as many features as the fitted data.
  /// - Returns: The standardized data set.
  /// - Precondition: `data.featureCount == mean.count`.
  /// - Complexity: O(*n*·*d*) for *n* rows of *d* features.
  public func callAsFunction(_ data: Dataset) -> Dataset {
    Dataset(
      unchecked: data.features.map { self($0) }, data.targets, data.classNames,
      targetTyping: data.targetTyping)
  }

  private enum CodingKeys: String, CodingKey {
    case mean
    case standardDeviation
  }

  /// Decodes a standardizer and checks it as ``init(mean:standardDeviation:)``
  /// does.
  ///
  ///     let json = #"{"mean": [0, 10], "standardDeviation": [1, 2]}"#
  ///     let scaler = try JSONDecoder().decode(Standardizer.self, from: Data(json.utf8))
  ///
  /// - Parameter decoder: The decoder to read from.
  /// - Throws: `DecodingError.dataCorrupted`, whose underlying error is the
  ///   ``TrainingError`` of ``init(mean:standardDeviation:)``, if the two
  ///   arrays differ in length or are empty, a mean is not finite, or a
  ///   standard deviation is not finite and > 0; any error of the decoder.
  public init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: CodingKeys.self)
    let mean = try container.decode([Double].self, forKey: .mean)
    let deviation = try container.decode([Double].self, forKey: .standardDeviation)
    do {
      try Self.validate(mean: mean, standardDeviation: deviation)
    } catch {
      throw DecodingError.dataCorrupted(
        DecodingError.Context(
          codingPath: decoder.codingPath, debugDescription: error.description,
          underlyingError: error))
    }
    self.mean = mean
    self.standardDeviation = deviation
  }
}
