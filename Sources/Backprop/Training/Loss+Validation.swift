// Checking a data set's targets against a loss and the model's output size,
// with a thrown error that names the first bad row.

extension Loss {
  /// Checks targets against this loss and the model's output size, naming
  /// the first bad row (from 0).
  ///
  ///     do {
  ///       try Loss.binaryCrossEntropy.validate(targets: [[1], [2]], outputSize: 1)
  ///     } catch {
  ///       print(error)
  ///       // Prints "row 1: class label 2.0 is outside 0..<2"
  ///     }
  ///
  /// What each loss needs, row by row:
  /// - ``sumOfSquaredErrors``, ``meanSquaredError``, ``halfMeanSquaredError``: one
  ///   finite number per output.
  /// - ``binaryCrossEntropy``, ``binaryCrossEntropyWithLogits``: one output;
  ///   each target is `[0]` or `[1]`.
  /// - ``hinge``: one output; each target is `[-1]` or `[1]`.
  /// - ``softmaxCrossEntropy``: K ≥ 2 outputs; each target is either a class
  ///   index `[c]` with c a whole number in 0..<K, or a one-hot vector of K
  ///   entries, each 0 or 1, exactly one of them 1.
  ///
  /// Call it once on a data set before training, so that a bad row stops the
  /// run before any step instead of tripping a precondition in
  /// ``callAsFunction(_:_:)-([[Value]],_)``.
  ///
  /// - Parameters:
  ///   - targets: The target rows, one per example.
  ///   - outputSize: The number of outputs of the model (``MLP/outputSize``).
  /// - Throws: ``TrainingError/empty(what:)`` when there are no targets;
  ///   ``TrainingError/sizeMismatch(what:expected:actual:)`` when the model
  ///   has the wrong number of outputs for this loss or a row has the wrong
  ///   number of entries (or a one-hot row has no 1 or several);
  ///   ``TrainingError/nonFiniteValue(what:index:value:)`` for a NaN or
  ///   infinite entry; ``TrainingError/labelOutOfRange(row:label:classCount:)``
  ///   for a label that this loss does not accept (with `classCount` 2 for
  ///   the binary losses and the hinge, K for softmax cross-entropy).
  /// - Complexity: O(n · K) for n rows of K entries.
  public func validate(targets: [[Double]], outputSize: Int) throws {
    guard !targets.isEmpty else { throw TrainingError.empty(what: "the list of targets") }
    let kind = traits.targets
    try validateOutputSize(outputSize, kind: kind)
    for (row, target) in targets.enumerated() {
      try validate(row: row, target: target, outputSize: outputSize, kind: kind)
    }
  }

  /// Throws unless a model with `outputSize` outputs suits this loss.
  private func validateOutputSize(_ outputSize: Int, kind: TargetKind) throws {
    switch kind {
    case .realValued:
      guard outputSize >= 1 else {
        throw TrainingError.sizeMismatch(
          what: "the model's outputs for \(self) (at least one)", expected: 1, actual: outputSize)
      }
    case .binaryLabel, .signedLabel:
      guard outputSize == 1 else {
        throw TrainingError.sizeMismatch(
          what: "the model's outputs for \(self) (one \(traits.outputMeaning))", expected: 1,
          actual: outputSize)
      }
    case .classIndexOrOneHot:
      guard outputSize >= 2 else {
        throw TrainingError.sizeMismatch(
          what: "the model's outputs for \(self) (one logit per class, at least 2)",
          expected: 2, actual: outputSize)
      }
    }
  }

  /// Throws unless `target`, the target of row `row`, suits this loss.
  private func validate(row: Int, target: [Double], outputSize: Int, kind: TargetKind) throws {
    switch kind {
    case .realValued:
      try expectCount(row: row, target: target, outputSize)
      try expectFinite(row: row, target: target)
    case .binaryLabel:
      try expectCount(row: row, target: target, 1)
      try expectFinite(row: row, target: target)
      guard target[0] == 0 || target[0] == 1 else {
        throw TrainingError.labelOutOfRange(row: row, label: target[0], classCount: 2)
      }
    case .signedLabel:
      try expectCount(row: row, target: target, 1)
      try expectFinite(row: row, target: target)
      guard target[0] == -1 || target[0] == 1 else {
        throw TrainingError.invalidLabel(row: row, label: target[0], allowed: [-1, 1])
      }
    case .classIndexOrOneHot:
      if target.count == 1 {
        try expectFinite(row: row, target: target)
        guard Loss.classIndex(target[0], classCount: outputSize) != nil else {
          throw TrainingError.labelOutOfRange(row: row, label: target[0], classCount: outputSize)
        }
        return
      }
      guard target.count == outputSize else {
        throw TrainingError.sizeMismatch(
          what: "row \(row)'s target (a class index, or one one-hot entry per class)",
          expected: outputSize, actual: target.count)
      }
      try expectFinite(row: row, target: target)
      if let bad = target.first(where: { $0 != 0 && $0 != 1 }) {
        throw TrainingError.labelOutOfRange(row: row, label: bad, classCount: outputSize)
      }
      let ones = target.count(where: { $0 == 1 })
      guard ones == 1 else {
        throw TrainingError.sizeMismatch(
          what: "row \(row)'s one-hot target (entries equal to 1)", expected: 1, actual: ones)
      }
    }
  }

  /// Throws unless row `row`'s target has `count` entries.
  private func expectCount(row: Int, target: [Double], _ count: Int) throws {
    guard target.count == count else {
      throw TrainingError.sizeMismatch(
        what: "row \(row)'s target", expected: count, actual: target.count)
    }
  }

  /// Throws for the first NaN or infinite entry of row `row`'s target.
  private func expectFinite(row: Int, target: [Double]) throws {
    if let k = target.firstIndex(where: { !$0.isFinite }) {
      throw TrainingError.nonFiniteValue(
        what: "row \(row)'s target entry", index: k, value: target[k])
    }
  }
}
