// What the target column asks of a model: which column it is, the default
// loss for its values, and how many outputs the model needs for a loss.

import Backprop

extension TrainCommand {
  /// A name, a position counted from 1, or `last`.
  static func targetColumn(_ text: String) -> TargetColumn {
    if text == "last" { return .last }
    if let n = Int(text), n >= 1 { return .index(n - 1) }
    return .name(text)
  }

  /// The default loss for the data: cross-entropy for class labels (names,
  /// or whole numbers 0…K−1 with K > 2), binary cross-entropy from logits
  /// for two classes, mean squared error otherwise.
  static func chooseLoss(for data: Dataset) throws -> Loss {
    if let names = data.classNames { return names.count == 2 ? .binaryCrossEntropyWithLogits : .softmaxCrossEntropy }
    if let k = data.classCount, data.targetCount == 1 {
      return k <= 2 ? .binaryCrossEntropyWithLogits : .softmaxCrossEntropy
    }
    return .meanSquaredError
  }

  /// The model's output count for a loss.
  static func outputCount(for loss: Loss, data: Dataset, target: String) throws -> Int {
    let k = data.classNames?.count ?? data.classCount ?? 0
    if loss.classifies && k == 1 {
      let only = data.classNames?.first.map { "'\($0)'" } ?? formatNumber(data.labels.first ?? 0)
      throw DataProblem(
        description:
          "the target column \(target) has one class only (\(only)); classification needs two or more")
    }
    switch loss {
    case .softmaxCrossEntropy:
      guard k >= 2 else {
        throw DataProblem(
          description: "cross-entropy needs class labels 0, 1, … or class names in the target column \(target)")
      }
      return k
    case .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge:
      return 1
    default:
      return data.targetCount
    }
  }
}


extension Loss {
  /// Whether the loss scores classes (its targets are labels), not numbers.
  var classifies: Bool {
    switch self {
    case .softmaxCrossEntropy, .binaryCrossEntropy, .binaryCrossEntropyWithLogits, .hinge: true
    case .sumOfSquaredErrors, .meanSquaredError, .halfMeanSquaredError: false
    }
  }
}
