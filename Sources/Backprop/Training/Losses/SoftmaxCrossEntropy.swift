// Multinomial (softmax) cross-entropy from logits: seed 001's
// `−Σ_c y_c log p_c` with `p = softmax(z)` and one-hot labels, composed from
// one log-sum-exp node so that it is exact for logits of any magnitude.

/// The softmax cross-entropy of logits `z` for the class `c`:
/// `−log softmax(z)_c = logSumExp(z) − z_c`, seed 001's multinomial
/// cross-entropy with the one-hot label of class `c`.
///
///     let z = [Value(2.0), Value(1.0), Value(0.1)]
///     let loss = softmaxCrossEntropy(logits: z, classIndex: 0)
///     print(loss.data)         // −log(e² / (e² + e + e^0.1))
///     // Prints "0.41703001627783376"
///
/// The log-sum-exp is computed with the largest logit subtracted
/// (``Value/logSumExp(_:)``), so huge or tiny logits give the exact loss,
/// never inf or NaN: for `z = [1000, 0, −1000]` the loss of class 0 is 0 and
/// that of class 2 is 2000. Its derivative is
/// `∂CE/∂z_k = softmax(z)_k − [k = c]`.
///
/// - Parameters:
///   - logits: The scores `z`, one per class (not probabilities).
///   - classIndex: The true class `c`, from 0.
/// - Returns: `logSumExp(z) − z_c`.
/// - Precondition: `logits` is not empty and `0 ≤ classIndex < logits.count`;
///   otherwise the program stops with a message saying so, in release builds
///   too. (``Loss/validate(targets:outputSize:)`` turns labels from a data set
///   into a thrown error first.)
/// - Complexity: O(K) time for K classes; 2 nodes.
public func softmaxCrossEntropy(logits: [Value], classIndex: Int) -> Value {
  require(
    !logits.isEmpty,
    "Backprop: softmaxCrossEntropy needs at least one logit; pass one logit per class")
  require(
    logits.indices.contains(classIndex),
    "Backprop: softmaxCrossEntropy's class index \(classIndex) is outside 0..<\(logits.count), "
      + "the number of logits; pass a class index from 0 (Loss.validate(targets:outputSize:) "
      + "checks a data set's labels)")
  return Value.logSumExp(logits) - logits[classIndex]
}

/// The softmax cross-entropy of logits `z` for a one-hot (or soft) label `y`:
/// `−Σ_k y_k log softmax(z)_k = Σ_k y_k (logSumExp(z) − z_k)`, seed 001's
/// multinomial cross-entropy.
///
///     let z = [Value(2.0), Value(1.0), Value(0.1)]
///     let loss = softmaxCrossEntropy(logits: z, oneHot: [1, 0, 0])
///     print(loss.data)
///     // Prints "0.41703001627783376"
///
/// With a one-hot `y` this is ``softmaxCrossEntropy(logits:classIndex:)``.
/// Only the classes with `y_k ≠ 0` are recorded, so a class whose logit is
/// −inf and whose label is 0 contributes nothing rather than `0 · inf = NaN`.
/// It is exact for logits of any magnitude (see
/// ``Value/logSumExp(_:)``). Its derivative is
/// `∂CE/∂z_k = (Σ_j y_j) · softmax(z)_k − y_k`, which is
/// `softmax(z)_k − y_k` for a label that sums to 1.
///
/// The label's values are not inspected: a NaN or infinite entry gives a NaN
/// or infinite loss. ``Loss/validate(targets:outputSize:)`` checks a data
/// set's one-hot rows with a thrown error.
///
/// - Parameters:
///   - logits: The scores `z`, one per class; at least one.
///   - oneHot: The label `y`, one entry per class: 1 for the true class and 0
///     elsewhere (a probability vector also works).
/// - Returns: `Σ_k y_k (logSumExp(z) − z_k)`; 0 if every `y_k` is 0.
/// - Precondition: `logits` is not empty and `oneHot` has one entry per
///   logit; otherwise the program stops with a message saying so, in release
///   builds too.
/// - Complexity: O(K) time for K classes; at most 2m + 2 nodes for m non-zero
///   label entries.
public func softmaxCrossEntropy(logits: [Value], oneHot: [Double]) -> Value {
  require(
    !logits.isEmpty,
    "Backprop: softmaxCrossEntropy needs at least one logit; pass one logit per class")
  require(
    oneHot.count == logits.count,
    "Backprop: softmaxCrossEntropy got \(logits.count) logits but a one-hot label of "
      + "\(oneHot.count) entries; pass one label entry per logit "
      + "(Loss.validate(targets:outputSize:) checks a data set's labels)")
  return softmaxCrossEntropyUnchecked(logits: logits, oneHot: oneHot)
}

/// `Σ_k y_k (logSumExp(z) − z_k)` over the non-zero `y_k`, unchecked: the
/// counts agree and are not zero.
func softmaxCrossEntropyUnchecked(logits: [Value], oneHot: [Double]) -> Value {
  let lse = Value.logSumExp(logits)
  var terms: [Value] = []
  for (z, y) in zip(logits, oneHot) where y != 0 {
    terms.append((lse - z) * y)
  }
  if terms.isEmpty { return Value(0, on: lse.tape) }
  return Value.sum(terms)
}
