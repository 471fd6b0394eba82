// Squared-error losses for real-valued outputs: the residual sum of squares
// and the (half) mean squared error of seed 001, the L² loss of seed 000.
// Each is composed from engine operations (a difference, a product, one sum
// node), so its gradient comes from the engine's chain rule.

/// The residual sum of squares (RSS), `Σᵢ (yᵢ − ŷᵢ)²`: seed 001's error
/// function for real-valued outputs, the sum of squared errors (SSE).
///
///     let loss = sumOfSquaredErrors(
///       predicted: [Value(2.5), Value(0.0)], expected: [3.0, -1.0])
///     print(loss.data)
///     // Prints "1.25"
///
/// Its derivative is `∂RSS/∂ŷᵢ = 2(ŷᵢ − yᵢ)`. Each term is recorded as
/// `d · d` with `d = ŷᵢ − yᵢ` (one difference node, one product node), and the
/// terms are added by one ``Value/sum(_:)`` node, left to right.
///
/// The targets' values are not inspected: a NaN or infinite target gives a
/// NaN or infinite loss, as IEEE arithmetic does.
/// ``Loss/validate(targets:outputSize:)`` checks a data set's targets, and the
/// data set loaders check what they read, both with a thrown error.
///
/// - Parameters:
///   - predicted: The model's outputs ŷ; at least one.
///   - expected: The targets y, one per prediction.
/// - Returns: `Σᵢ (yᵢ − ŷᵢ)²`.
/// - Precondition: `predicted` is not empty and `expected` has one entry per
///   prediction; otherwise the program stops with a message saying so, in
///   release builds too.
/// - Complexity: O(n) time, 2n + 1 nodes.
public func sumOfSquaredErrors(predicted: [Value], expected: [Double]) -> Value {
  requireRegressionShapes("sumOfSquaredErrors", predicted: predicted, expected: expected)
  return Value.sum(squaredErrors(predicted, expected))
}

/// The mean squared error, `(1/n) Σᵢ (yᵢ − ŷᵢ)²`: seed 000's L² loss.
///
///     let loss = meanSquaredError(
///       predicted: [Value(2.5), Value(0.0)], expected: [3.0, -1.0])
///     print(loss.data)
///     // Prints "0.625"
///
/// Its derivative is `∂MSE/∂ŷᵢ = 2(ŷᵢ − yᵢ)/n`. It is recorded as the sum of
/// squares (see ``sumOfSquaredErrors(predicted:expected:)``) divided by `n`.
/// The targets' values are not inspected (a NaN target gives a NaN loss);
/// ``Loss/validate(targets:outputSize:)`` checks a data set's targets.
///
/// - Parameters:
///   - predicted: The model's outputs ŷ; at least one.
///   - expected: The targets y, one per prediction.
/// - Returns: `(1/n) Σᵢ (yᵢ − ŷᵢ)²` for `n` predictions.
/// - Precondition: `predicted` is not empty and `expected` has one entry per
///   prediction; otherwise the program stops with a message saying so, in
///   release builds too.
/// - Complexity: O(n) time, 2n + 2 nodes.
public func meanSquaredError(predicted: [Value], expected: [Double]) -> Value {
  requireRegressionShapes("meanSquaredError", predicted: predicted, expected: expected)
  return meanOfSquaredErrors(predicted, expected)
}

/// Half the mean squared error, `(1/2n) Σᵢ (yᵢ − ŷᵢ)²`: seed 001's ½MSE,
/// scaled by ½ "to make derivatives cleaner".
///
///     let loss = halfMeanSquaredError(
///       predicted: [Value(2.5), Value(0.0)], expected: [3.0, -1.0])
///     print(loss.data)
///     // Prints "0.3125"
///
/// Its derivative is `∂(½MSE)/∂ŷᵢ = (ŷᵢ − yᵢ)/n`. It is recorded as the sum of
/// squares divided by `2n`. The targets' values are not inspected (a NaN
/// target gives a NaN loss); ``Loss/validate(targets:outputSize:)`` checks a
/// data set's targets.
///
/// - Parameters:
///   - predicted: The model's outputs ŷ; at least one.
///   - expected: The targets y, one per prediction.
/// - Returns: `(1/2n) Σᵢ (yᵢ − ŷᵢ)²` for `n` predictions.
/// - Precondition: `predicted` is not empty and `expected` has one entry per
///   prediction; otherwise the program stops with a message saying so, in
///   release builds too.
/// - Complexity: O(n) time, 2n + 2 nodes.
public func halfMeanSquaredError(predicted: [Value], expected: [Double]) -> Value {
  requireRegressionShapes("halfMeanSquaredError", predicted: predicted, expected: expected)
  return halfMeanOfSquaredErrors(predicted, expected)
}

/// The residual sum of squares under its old name; it throws where
/// ``sumOfSquaredErrors(predicted:expected:)`` stops.
///
///     let loss = try sumOfSquaresLoss(predicted: [Value(2.5)], expected: [3.0])
///
/// - Parameters:
///   - predicted: The model's outputs ŷ.
///   - expected: The targets y, one per prediction.
/// - Returns: `Σᵢ (yᵢ − ŷᵢ)²`.
/// - Throws: ``TrainingError/sizeMismatch(what:expected:actual:)`` when the
///   counts differ, ``TrainingError/empty(what:)`` when both are empty, and
///   ``TrainingError/nonFiniteValue(what:index:value:)`` for a NaN or infinite
///   target.
@available(*, deprecated, renamed: "sumOfSquaredErrors(predicted:expected:)")
public func sumOfSquaresLoss(predicted: [Value], expected: [Double]) throws -> Value {
  try checkRegressionTargets(predicted: predicted, expected: expected)
  return sumOfSquaredErrors(predicted: predicted, expected: expected)
}

// MARK: - Unchecked forms, shared with `Loss`

/// `(ŷᵢ − yᵢ)²` for each i, recorded as `d · d`. The caller has checked that
/// the counts agree.
func squaredErrors(_ predicted: [Value], _ expected: [Double]) -> [Value] {
  var terms: [Value] = []
  terms.reserveCapacity(predicted.count)
  for (p, y) in zip(predicted, expected) {
    let d = p - y
    terms.append(d * d)
  }
  return terms
}

/// `(1/n) Σᵢ (ŷᵢ − yᵢ)²`, unchecked: `n ≥ 1` and the counts agree.
func meanOfSquaredErrors(_ predicted: [Value], _ expected: [Double]) -> Value {
  Value.sum(squaredErrors(predicted, expected)) / Double(predicted.count)
}

/// `(1/2n) Σᵢ (ŷᵢ − yᵢ)²`, unchecked: `n ≥ 1` and the counts agree.
func halfMeanOfSquaredErrors(_ predicted: [Value], _ expected: [Double]) -> Value {
  Value.sum(squaredErrors(predicted, expected)) / Double(2 * predicted.count)
}

/// Stops, naming the loss and what to do, unless `predicted` is not empty and
/// `expected` has one entry per prediction.
private func requireRegressionShapes(
  _ loss: String, predicted: [Value], expected: [Double]
) {
  require(
    !predicted.isEmpty,
    "Backprop: \(loss) of no predictions is undefined; pass at least one prediction")
  require(
    expected.count == predicted.count,
    "Backprop: \(loss) got \(predicted.count) predictions but \(expected.count) expected "
      + "values; pass one expected value per prediction "
      + "(Loss.validate(targets:outputSize:) checks a data set's targets)")
}

/// Throws unless `predicted` and `expected` have the same non-zero count and
/// every target is finite (for the deprecated, throwing
/// ``sumOfSquaresLoss(predicted:expected:)``).
private func checkRegressionTargets(predicted: [Value], expected: [Double]) throws {
  guard expected.count == predicted.count else {
    throw TrainingError.sizeMismatch(
      what: "expected values (one per prediction)", expected: predicted.count,
      actual: expected.count)
  }
  guard !predicted.isEmpty else { throw TrainingError.empty(what: "the list of predictions") }
  if let i = expected.firstIndex(where: { !$0.isFinite }) {
    throw TrainingError.nonFiniteValue(what: "expected value", index: i, value: expected[i])
  }
}
