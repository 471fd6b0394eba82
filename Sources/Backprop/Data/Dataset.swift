// The data set type: rows of features with their targets, checked when it is
// made.

/// Rows of features with their targets, validated when it is made: no rows
/// of different lengths, no NaN or ±inf, as many targets as rows, not empty.
///
///     let data = try Dataset(features: [[0, 0], [0, 1], [1, 0], [1, 1]],
///                            labels: [0, 1, 1, 0])
///     print(data.count, data.featureCount)
///     // Prints "4 2"
///
/// A target is a vector: one number for a regression, a binary label (0/1,
/// or −1/+1 for the hinge loss) or a class index; several for a one-hot
/// vector or a multi-output regression. What the numbers mean is the loss's
/// business (``Loss``).
public struct Dataset: Sendable, Equatable {
  /// One row per example.
  public let features: [[Double]]
  /// One target vector per example.
  public let targets: [[Double]]
  /// The names of the classes when the labels were read as names (class
  /// index i is `classNames[i]`), else `nil`. A CSV target of labels 1…K
  /// has the names "1"…"K" for its class indices 0…K−1.
  public let classNames: [String]?
  /// How a CSV file's target column was read (classes or regression) and
  /// why; `nil` for a data set not read from CSV. Kept by ``rows(_:)``,
  /// splits, shuffles and the other transforms.
  ///
  ///     let data = try Dataset.parseCSV("x,y\n1,25\n2,346\n3,100\n", target: .last)
  ///     print(data.targetTyping?.kind == .regression, data.classCount == nil)
  ///     // Prints "true true"
  public let targetTyping: TargetTyping?

  /// Creates a data set, checking it.
  ///
  ///     let data = try Dataset(features: [[0, 0], [1, 1]], targets: [[1, 0], [0, 1]])
  ///     print(data.targetCount)
  ///     // Prints "2"
  ///
  /// - Parameters:
  ///   - features: The rows; all of one length, at least one column.
  ///   - targets: One target vector per row, all of one length.
  ///   - classNames: Names of the class indices, if any.
  /// - Throws: ``TrainingError/empty(what:)`` for no rows or columns,
  ///   ``TrainingError/sizeMismatch(what:expected:actual:)`` for a ragged
  ///   row or a wrong number of targets,
  ///   ``TrainingError/nonFiniteInput(row:column:value:)`` for NaN or ±inf.
  public init(features: [[Double]], targets: [[Double]], classNames: [String]? = nil) throws {
    guard let first = features.first else { throw TrainingError.empty(what: "the data set") }
    guard !first.isEmpty else { throw TrainingError.empty(what: "row 0's features") }
    guard targets.count == features.count else {
      throw TrainingError.sizeMismatch(
        what: "targets (one per row)", expected: features.count, actual: targets.count)
    }
    let targetWidth = targets[0].count
    guard targetWidth > 0 else { throw TrainingError.empty(what: "row 0's target") }
    for (r, row) in features.enumerated() {
      guard row.count == first.count else {
        throw TrainingError.sizeMismatch(
          what: "features of row \(r)", expected: first.count, actual: row.count)
      }
      if let c = row.firstIndex(where: { !$0.isFinite }) {
        throw TrainingError.nonFiniteInput(row: r, column: c, value: row[c])
      }
      let target = targets[r]
      guard target.count == targetWidth else {
        throw TrainingError.sizeMismatch(
          what: "target of row \(r)", expected: targetWidth, actual: target.count)
      }
      if let c = target.firstIndex(where: { !$0.isFinite }) {
        throw TrainingError.nonFiniteInput(row: r, column: first.count + c, value: target[c])
      }
    }
    self.features = features
    self.targets = targets
    self.classNames = classNames
    targetTyping = nil
  }

  /// Creates a data set with one number per row as its target.
  ///
  ///     let data = try Dataset(features: [[1.5], [3.0]], labels: [0, 1],
  ///                            classNames: ["small", "large"])
  ///
  /// - Parameters:
  ///   - features: The rows.
  ///   - labels: One target per row.
  ///   - classNames: Names of the class indices, if any.
  /// - Throws: As ``init(features:targets:classNames:)``.
  public init(features: [[Double]], labels: [Double], classNames: [String]? = nil) throws {
    try self.init(features: features, targets: labels.map { [$0] }, classNames: classNames)
  }

  /// The number of rows.
  public var count: Int { features.count }
  /// The number of features per row.
  public var featureCount: Int { features[0].count }
  /// The length of each target vector.
  public var targetCount: Int { targets[0].count }
  /// The first entry of each target: the label of a single-target data set.
  public var labels: [Double] { targets.map { $0[0] } }

  /// The rows at `indices`, in that order (a batch).
  ///
  ///     let batch = data.rows([2, 0])  // rows 2 and 0, in that order
  ///
  /// - Parameter indices: Row numbers, in the order wanted.
  /// - Returns: A data set of those rows, with the same class names.
  /// - Precondition: Every index is in `0..<count`; at least one index.
  public func rows(_ indices: some Sequence<Int>) -> Dataset {
    var f: [[Double]] = []
    var t: [[Double]] = []
    for i in indices {
      f.append(features[i])
      t.append(targets[i])
    }
    require(!f.isEmpty, "Backprop: a batch needs at least one row")
    return Dataset(unchecked: f, t, classNames, targetTyping: targetTyping)
  }

  /// A data set made of rows already checked.
  init(
    unchecked features: [[Double]], _ targets: [[Double]], _ classNames: [String]?,
    targetTyping: TargetTyping? = nil
  ) {
    self.features = features
    self.targets = targets
    self.classNames = classNames
    self.targetTyping = targetTyping
  }
}
