// Classification metrics on plain numbers: accuracy and seed 000's 0-1 loss.
// They count, so they are not differentiable (their gradient would be 0
// almost everywhere): train with a loss from `Losses/`, report these.

/// The fraction of predicted class labels that equal the true labels.
///
///     let a = try accuracy(predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0])
///     print(a)
///     // Prints "0.5"
///
/// Labels are compared with `==`, so pass class labels (a thresholded score,
/// an argmax), not raw scores; a NaN prediction is never correct. This is a
/// metric, not a loss: it is computed on `Double`s and has no gradient. It is
/// `1 − zeroOneLoss(predictions:labels:)`.
///
/// - Parameters:
///   - predictions: The predicted labels, one per example.
///   - labels: The true labels, as many as `predictions`.
/// - Returns: `(1/n) · #{i : ŷᵢ = yᵢ}`, in [0, 1].
/// - Throws: ``TrainingError/sizeMismatch(what:expected:actual:)`` when the
///   counts differ, ``TrainingError/empty(what:)`` when both are empty.
/// - Complexity: O(n).
public func accuracy(predictions: [Double], labels: [Double]) throws -> Double {
  let correct = try countAgreements(predictions: predictions, labels: labels)
  return Double(correct) / Double(labels.count)
}

/// The 0-1 loss of seed 000 §3.2: the number, or by default the fraction, of
/// predicted class labels that differ from the true labels.
///
///     let errors = try zeroOneLoss(predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0])
///     print(errors)
///     // Prints "0.5"
///     let count = try zeroOneLoss(
///       predictions: [1, 0, 1, 1], labels: [1, 1, 1, 0], normalize: false)
///     print(count)
///     // Prints "2.0"
///
/// Seed 000 writes it as `Σₛ δ(ŷₛ, yₛ)` with the predictions
/// `ŷₛ = h(N(xₛ))` (h the Heaviside step) and says that it counts how often
/// the predictor is right; as a loss it must count how often it is wrong, so
/// δ here is 1 when the labels differ. The seed also notes why it is not
/// used for training: it is not smooth in the parameters (its gradient is 0
/// almost everywhere). This is a metric computed on `Double`s, with no
/// gradient.
///
/// - Parameters:
///   - predictions: The predicted labels, one per example (for a score, its
///     step: `score >= 0 ? 1 : 0`).
///   - labels: The true labels, as many as `predictions`.
///   - normalize: Whether to return the fraction of errors (the default, as
///     scikit-learn's `zero_one_loss`) rather than their number.
/// - Returns: `#{i : ŷᵢ ≠ yᵢ}`, divided by `n` when `normalize` is true.
/// - Throws: ``TrainingError/sizeMismatch(what:expected:actual:)`` when the
///   counts differ, ``TrainingError/empty(what:)`` when both are empty.
/// - Complexity: O(n).
public func zeroOneLoss(
  predictions: [Double], labels: [Double], normalize: Bool = true
) throws -> Double {
  let errors = try labels.count - countAgreements(predictions: predictions, labels: labels)
  return normalize ? Double(errors) / Double(labels.count) : Double(errors)
}

/// The fraction of a model's outputs that a loss counts as correct
/// predictions of their targets (see ``Loss/isCorrect(output:target:)``).
///
///     let outputs: [[Double]] = [[0.9], [-2.0], [0.3]]   // hinge scores
///     let a = try accuracy(outputs: outputs, targets: [[1], [-1], [-1]], loss: .hinge)
///     print(a ?? .nan)
///     // Prints "0.6666666666666666"
///
/// A metric on `Double`s (for instance ``MLP/predict(_:)``'s outputs), with no
/// gradient.
///
/// - Parameters:
///   - outputs: The model's outputs, one row per example.
///   - targets: The targets, one row per example, in the form `loss` takes.
///   - loss: The loss that defines what a correct prediction is.
/// - Returns: The fraction of correct predictions, or `nil` for a regression
///   loss, which has no notion of a correct prediction.
/// - Throws: ``TrainingError/sizeMismatch(what:expected:actual:)`` when the
///   counts differ, ``TrainingError/empty(what:)`` when both are empty.
/// - Complexity: O(n · K) for n examples of K outputs.
public func accuracy(outputs: [[Double]], targets: [[Double]], loss: Loss) throws -> Double? {
  guard targets.count == outputs.count else {
    throw TrainingError.sizeMismatch(
      what: "targets (one row per output row)", expected: outputs.count, actual: targets.count)
  }
  guard !outputs.isEmpty else { throw TrainingError.empty(what: "the list of outputs") }
  var correct = 0
  for (output, target) in zip(outputs, targets) {
    guard let ok = loss.isCorrect(output: output, target: target) else { return nil }
    if ok { correct += 1 }
  }
  return Double(correct) / Double(outputs.count)
}

/// The number of positions where `predictions` and `labels` are equal, after
/// checking that their counts agree and are not zero.
private func countAgreements(predictions: [Double], labels: [Double]) throws -> Int {
  guard labels.count == predictions.count else {
    throw TrainingError.sizeMismatch(
      what: "labels (one per prediction)", expected: predictions.count, actual: labels.count)
  }
  guard !labels.isEmpty else { throw TrainingError.empty(what: "the list of predictions") }
  var count = 0
  for (p, y) in zip(predictions, labels) where p == y { count += 1 }
  return count
}
