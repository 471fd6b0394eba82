// Binary cross-entropy, the negative log-likelihood of a Bernoulli output
// (seed 001, "Binary output"; seed 000 §3.2), from a probability or, stably,
// from a logit. Both are composed from engine operations.

/// The floor under each logarithm of ``binaryCrossEntropy(probability:label:)``,
/// as PyTorch's `BCELoss` clamps it.
private let logarithmFloor = -100.0

/// The binary cross-entropy of a predicted probability `p` for a label `y`:
/// `−[y · log p + (1 − y) · log(1 − p)]`, seed 001's per-example BCE (and
/// seed 000's cross-entropy loss with `p = σ(N(x))`).
///
///     let p = Value(0.8)
///     let loss = binaryCrossEntropy(probability: p, label: 1)
///     print(loss.data)         // −log 0.8
///     // Prints "0.2231435513142097"
///
/// Each logarithm is clamped below at −100, as PyTorch's `BCELoss` does, so
/// `p = 0` or `p = 1` gives a finite loss (at most 100 per term) instead of
/// inf, and a label of 0 never meets `0 · log 0 = NaN`. The clamp is recorded
/// as `Value.maximum(log p, −100)`, so where it is active (`p < e⁻¹⁰⁰`, or
/// `1 − p < e⁻¹⁰⁰`) the gradient through that logarithm is 0: the engine sends
/// it to the floor, never computing `0 · (1/0)`. Elsewhere the derivative is
/// `∂BCE/∂p = (p − y) / (p(1 − p))`.
///
/// Computing `1 − p` loses precision when `p` is close to 1; when the
/// probability comes from a sigmoid, prefer
/// ``binaryCrossEntropy(logit:label:)``, which is exact everywhere.
///
/// - Parameters:
///   - p: The predicted probability that the label is 1, in
///     [0, 1].
///   - y: The label: 0 or 1 (a soft label in [0, 1] also works). It
///     is not checked: ``Loss/validate(targets:outputSize:)`` checks a data
///     set's labels.
/// - Returns: `−[y · max(log p, −100) + (1 − y) · max(log(1 − p), −100)]`.
/// - Complexity: O(1); 10 nodes, one of them the floor, a leaf on the tape of
///   `probability`.
public func binaryCrossEntropy(probability p: Value, label y: Double) -> Value {
  let floor = Value(logarithmFloor, on: p.tape)
  let logP = Value.maximum(p.log(), floor)
  let logNotP = Value.maximum((1 - p).log(), floor)
  return -(y * logP + (1 - y) * logNotP)
}

/// ``binaryCrossEntropy(probability:label:)`` with the label and 1 − label
/// as values (the leaves of a replayed mini-batch): the same nodes, each
/// product by a label a product of two values, with the same bits.
func binaryCrossEntropy(probability p: Value, label y: Value, oneMinusLabel notY: Value) -> Value {
  let floor = Value(logarithmFloor, on: p.tape)
  let logP = Value.maximum(p.log(), floor)
  let logNotP = Value.maximum((1 - p).log(), floor)
  return -(y * logP + notY * logNotP)
}

/// The binary cross-entropy of a logit `x` (the score before a sigmoid) for
/// a label `y`: `−[y · log σ(x) + (1 − y) · log(1 − σ(x))]`, which is
/// `softplus(x) − x · y`, computed stably.
///
///     let x = Value(2.0)
///     let loss = binaryCrossEntropy(logit: x, label: 1)
///     print(loss.data)         // log(1 + e⁻²)
///     // Prints "0.1269280110429725"
///
/// Since `−log σ(x) = softplus(−x)` and `−log(1 − σ(x)) = softplus(x)`, the
/// loss is
///
///     (1 − y) · softplus(x) + y · softplus(−x)  =  softplus(x) − x · y
///                                               =  max(x, 0) − x · y + log1p(e^−|x|)
///
/// and it is recorded in the first form: `softplus(x)` for `y = 0`,
/// `softplus(−x)` for `y = 1` (the term whose weight is 0 is not recorded),
/// and the weighted sum of both for a soft label. Both terms are
/// non-negative, so nothing cancels: the loss is exact to the last digits for
/// every finite `x`, even where it is tiny (`x = 30, y = 1` gives
/// `log1p(e⁻³⁰) ≈ 9.4e-14`, which `softplus(x) − x` would get 1 % wrong), and
/// at `x = ±1000` it is 0 or 1000 as it should be, never inf or NaN. The
/// engine computes softplus as `max(x, 0) + log1p(e^−|x|)`. The derivative is
/// `∂BCE/∂x = σ(x) − y` everywhere, obtained as `(1 − y)·σ(x) − y·σ(−x)`
/// (so `−σ(−x)` for `y = 1`, again without cancellation).
///
/// - Parameters:
///   - x: The score (logit); the predicted probability is `σ(x)`.
///   - y: The label: 0 or 1 (a soft label in [0, 1] also works). It
///     is not checked: ``Loss/validate(targets:outputSize:)`` checks a data
///     set's labels.
/// - Returns: `(1 − y) · softplus(x) + y · softplus(−x)`, that is
///   `softplus(x) − x · y`.
/// - Complexity: O(1); 1 node for `y = 0`, 2 for `y = 1`, 6 for a soft label.
public func binaryCrossEntropy(logit x: Value, label y: Double) -> Value {
  if y == 0 { return x.softplus() }
  if y == 1 { return (-x).softplus() }
  return (1 - y) * x.softplus() + y * (-x).softplus()
}
