// Whether a prediction is correct under a loss, for accuracy: the class the
// loss reads from the outputs, compared with the target's.

extension Loss {
  /// Whether a prediction counts as correct, for accuracy; `nil` for the
  /// regression losses, which have no notion of a correct prediction.
  ///
  ///     Loss.hinge.isCorrect(output: [0.3], target: [1])                     // true
  ///     Loss.softmaxCrossEntropy.isCorrect(output: [0.1, 2, -1], target: [1]) // true
  ///     Loss.meanSquaredError.isCorrect(output: [0.3], target: [1])          // nil
  ///
  /// The predicted class is read from the output as the loss interprets it:
  /// - ``hinge``: `(target > 0) == (output > 0)`, as micrograd's demo
  ///   computes accuracy (a score of exactly 0 predicts −1);
  /// - ``binaryCrossEntropyWithLogits``: `(output > 0) == (target == 1)`;
  /// - ``binaryCrossEntropy``: `(output >= 0.5) == (target == 1)`;
  /// - ``softmaxCrossEntropy``: the index of the largest output (the first
  ///   on a tie, NaN ignored) equals the class: the target itself when it
  ///   has one entry, else the index of its largest entry.
  ///
  /// This is a metric on plain numbers (for instance from
  /// ``MLP/predict(_:)``), not differentiable. An empty output or target, or
  /// a NaN output, is never correct.
  ///
  /// - Parameters:
  ///   - output: The model's outputs for one example.
  ///   - target: Its target row.
  /// - Returns: Whether the predicted class is the target's, or `nil` for
  ///   ``sumOfSquaredErrors``, ``meanSquaredError`` and ``halfMeanSquaredError``.
  public func isCorrect(output: [Double], target: [Double]) -> Bool? {
    isCorrect(output: output[...], target: target)
  }

  /// ``isCorrect(output:target:)`` for outputs that are part of a larger
  /// buffer (the training loop's, with every example's outputs in a row).
  func isCorrect(output: ArraySlice<Double>, target: [Double]) -> Bool? {
    switch self {
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError:
      return nil
    case .hinge:
      guard let s = output.first, let y = target.first else { return false }
      return (y > 0) == (s > 0)
    case .binaryCrossEntropyWithLogits:
      guard let x = output.first, let y = target.first else { return false }
      return (x > 0) == (y == 1)
    case .binaryCrossEntropy:
      guard let p = output.first, let y = target.first, !p.isNaN else { return false }
      return (p >= 0.5) == (y == 1)
    case .softmaxCrossEntropy:
      guard let predicted = Loss.argmax(output) else { return false }
      let actual =
        target.count == 1
        ? Loss.classIndex(target[0], classCount: output.count) : Loss.argmax(target)
      return predicted == actual
    }
  }

  /// The position (from 0) of the first largest non-NaN entry, or `nil` if
  /// there is none.
  private static func argmax(_ xs: some Collection<Double>) -> Int? {
    var best: Int? = nil
    var largest = 0.0
    for (i, x) in xs.enumerated() where !x.isNaN {
      if best != nil, !(x > largest) { continue }
      best = i
      largest = x
    }
    return best
  }
}
