/// A problem with data, hyperparameters or a training run: thrown before
/// anything is changed, so the model and the optimiser stay as they were.
///
///     do {
///       _ = try SGD(parameters: model.parameters, learningRate: -1)
///     } catch {
///       print(error)
///       // Prints "invalid learningRate -1.0: must be finite and > 0"
///     }
public enum TrainingError: Error, Equatable, CustomStringConvertible {
  /// Two things that must have the same size do not (predictions and
  /// targets, a row and the model's input size).
  case sizeMismatch(what: String, expected: Int, actual: Int)
  /// A data set or batch with no rows.
  case empty(what: String)
  /// NaN or ±inf where a finite number is needed.
  case nonFiniteValue(what: String, index: Int, value: Double)
  /// NaN or ±inf in a data set, at a row and a column (both from 0).
  case nonFiniteInput(row: Int, column: Int, value: Double)
  /// A class label outside 0..<classCount, at a row (from 0).
  case labelOutOfRange(row: Int, label: Double, classCount: Int)
  /// A label that is not one of the values a loss accepts (the hinge loss
  /// takes −1 and +1), at a row (from 0).
  case invalidLabel(row: Int, label: Double, allowed: [Double])
  /// A saved optimiser state of another kind (restoring Adam's state into
  /// SGD).
  case optimizerKindMismatch(expected: String, found: String)
  /// An optimiser that does not hold the model's parameters (built for
  /// another model); `reason` says what differs.
  case optimizerMismatch(reason: String)
  /// A hyperparameter outside its range.
  case invalidHyperparameter(name: String, value: Double, requirement: String)
  /// A training step produced a non-finite loss or gradient; the step's
  /// update was not applied.
  case nonFiniteLoss(epoch: Int, step: Int, loss: Double)

  /// What went wrong and where.
  public var description: String {
    switch self {
    case .sizeMismatch(let what, let expected, let actual):
      "size mismatch in \(what): expected \(expected), got \(actual)"
    case .empty(let what):
      "\(what) is empty"
    case .nonFiniteValue(let what, let index, let value):
      "\(what) \(index) is \(value), not a finite number"
    case .nonFiniteInput(let row, let column, let value):
      "row \(row), column \(column) is \(value), not a finite number"
    case .labelOutOfRange(let row, let label, let classCount):
      "row \(row): class label \(label) is outside 0..<\(classCount)"
    case .invalidLabel(let row, let label, let allowed):
      "row \(row): label \(label) is not one of \(allowed.map { "\($0)" }.joined(separator: ", "))"
    case .optimizerKindMismatch(let expected, let found):
      "the saved optimizer state is for \(found), not \(expected)"
    case .optimizerMismatch(let reason):
      "the optimiser does not fit the model: \(reason)"
    case .invalidHyperparameter(let name, let value, let requirement):
      "invalid \(name) \(value): \(requirement)"
    case .nonFiniteLoss(let epoch, let step, let loss):
      "epoch \(epoch), step \(step): the loss or a gradient is \(loss); the update was not applied"
    }
  }
}
