// The loss of an example whose target is leaves instead of constants, so that
// a mini-batch's graph does not depend on its labels and can be replayed with
// the next batch's targets written into the same leaves.

extension Loss {
  /// The numbers the target leaves of an example hold, or nil when this
  /// loss's graph depends on the target's pattern (softmax cross-entropy of
  /// a one-hot or soft target row, which sums only the entries that are not
  /// zero): then the batch is recorded at every step.
  ///
  /// Each form gives the bits of ``exampleLoss(output:target:)`` for
  /// finite outputs: `p − y` is `p + (−y)` exactly; `y·x` is `x·y`; a
  /// class index k becomes a one-hot row and `logits[k]` becomes
  /// `Value.dot(logits, oneHot)`, whose other terms are ±0; the logit form
  /// of binary cross-entropy uses its general formula, whose 0·softplus
  /// term is +0.
  func leafTargets(_ target: [Double], outputSize: Int) -> [Double]? {
    switch self {
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError:
      return target
    case .binaryCrossEntropy:
      return [target[0], 1 - target[0]]
    case .binaryCrossEntropyWithLogits:
      return [1 - target[0], target[0]]
    case .hinge:
      return [-target[0]]
    case .softmaxCrossEntropy:
      guard target.count == 1, let k = Loss.classIndex(target[0], classCount: outputSize) else {
        return nil
      }
      var oneHot = [Double](repeating: 0, count: outputSize)
      oneHot[k] = 1
      return oneHot
    }
  }

  /// ``exampleLoss(output:target:)`` with the target's leaves `t`, made from
  /// ``leafTargets(_:outputSize:)``.
  func exampleLoss(output: [Value], targetLeaves t: [Value]) -> Value {
    switch self {
    case .sumOfSquaredErrors:
      return Value.sum(squaredErrors(output, t))
    case .meanSquaredError:
      return Value.sum(squaredErrors(output, t)) / Double(output.count)
    case .halfMeanSquaredError:
      return Value.sum(squaredErrors(output, t)) / Double(2 * output.count)
    case .binaryCrossEntropy:
      return Backprop.binaryCrossEntropy(probability: output[0], label: t[0], oneMinusLabel: t[1])
    case .binaryCrossEntropyWithLogits:
      return t[0] * output[0].softplus() + t[1] * (-output[0]).softplus()
    case .hinge:
      return (1 + t[0] * output[0]).relu()
    case .softmaxCrossEntropy:
      return Value.logSumExp(output) - Value.dot(output, t)
    }
  }

  /// `(p − y)²` for each output, the target as values.
  private func squaredErrors(_ predicted: [Value], _ expected: [Value]) -> [Value] {
    zip(predicted, expected).map { p, y in
      let d = p - y
      return d * d
    }
  }
}
