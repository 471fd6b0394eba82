// The hinge (max-margin) loss of micrograd's demo notebook, which trains a
// 2 → 16 → 16 → 1 ReLU network on the two-moons data set with labels ±1.

/// The hinge loss of a score `s` for a label `y ∈ {−1, +1}`:
/// `max(0, 1 − y · s)`, the "svm max-margin loss" of micrograd's demo
/// (named, as every loss here, by the quantity, as ``Loss/hinge`` is).
///
///     let score = Value(0.25)
///     let loss = hinge(score: score, label: 1)
///     print(loss.data)
///     // Prints "0.75"
///
/// It is recorded exactly as the demo writes it, `(1 + (−y) · s).relu()`
/// (a product by the constant `−y`, then `+ 1`, then ReLU), so that a
/// training run reproduces micrograd's loss curve to the last digits. The
/// loss is 0, with gradient 0, once the example is classified with a margin
/// of at least 1. Its derivative is `∂L/∂s = −y` where `y · s < 1` and 0
/// where `y · s ≥ 1` (ReLU's convention: `relu'(0) = 0`, so the derivative
/// at the hinge, `y · s = 1`, is 0).
///
/// - Parameters:
///   - score: The model's score `s`; its sign is the predicted class.
///   - label: The label `y`: −1 or +1. It is not checked:
///     ``Loss/validate(targets:outputSize:)`` checks a data set's labels.
/// - Returns: `max(0, 1 − y · s)`.
/// - Complexity: O(1); 3 nodes.
public func hinge(score: Value, label: Double) -> Value {
  (1 + (-label) * score).relu()
}

/// The hinge loss under its old name; see ``hinge(score:label:)``.
///
///     let loss = hingeLoss(score: Value(0.25), label: 1)  // 0.75
///
/// - Parameters:
///   - score: The model's score `s`.
///   - label: The label `y`: −1 or +1.
/// - Returns: `max(0, 1 − y · s)`.
@available(*, deprecated, renamed: "hinge(score:label:)")
public func hingeLoss(score: Value, label: Double) -> Value {
  hinge(score: score, label: label)
}
